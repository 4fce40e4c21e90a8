// The relay process and the `perezvon-relay` command (see process.ts for signals and exit codes).
import { runRelayProcess } from './process.js';

runRelayProcess(process.env);
