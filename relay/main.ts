// The `perezvon-relay` command (cli.ts): runs the relay, or doctor, --version, --help.
import { runCli } from './cli.js';

await runCli(process.argv.slice(2), process.env);
