// The relay process with faults injected for the delivery-guarantee tests: the same process as
// relay/main.ts, plus `PEREZVON_TEST_FAULT=exit-after-journal`, which SIGKILLs the relay after an
// attempt is journalled and before its Originate is written. Lives here, not in relay/, so no
// production entry point can be told to kill itself.
import { runRelayProcess } from '../relay/process.js';

const fault = process.env.PEREZVON_TEST_FAULT;
if (fault !== 'exit-after-journal') throw new Error(`unknown PEREZVON_TEST_FAULT ${JSON.stringify(fault)}`);
runRelayProcess(process.env, { afterJournal: () => process.kill(process.pid, 'SIGKILL') });
