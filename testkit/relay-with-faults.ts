// The relay process with faults injected for the delivery-guarantee tests: the same process as
// relay/main.ts, plus `PEREZVON_TEST_FAULT`: `exit-after-journal` SIGKILLs the relay after an attempt
// is journalled and before its Originate is written; `exit-before-journal` SIGKILLs it when an offer
// arrives, before it is journalled. Lives here, not in relay/, so no production entry point can be
// told to kill itself.
import { runRelayProcess } from '../relay/process.js';

const die = (): void => void process.kill(process.pid, 'SIGKILL');
const fault = process.env.PEREZVON_TEST_FAULT;
if (fault === 'exit-after-journal') runRelayProcess(process.env, { afterJournal: die });
else if (fault === 'exit-before-journal') runRelayProcess(process.env, { beforeJournal: die });
else throw new Error(`unknown PEREZVON_TEST_FAULT ${JSON.stringify(fault)}`);
