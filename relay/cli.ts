// The `perezvon-relay` command line: no argument (or `run`) runs the relay; `doctor` checks its
// configuration, the Worker, AMI and the journal; `--version` and `--help`. Exit codes of a running
// relay are process.ts's; doctor exits 1 on any failed check; a bad command line exits 64 (EX_USAGE).
import { runDoctor } from './doctor/doctor.js';
import { runRelayProcess } from './process.js';
import { RELAY_VERSION } from './version.js';

const HELP = `perezvon-relay ${RELAY_VERSION}: places the calls of a Perezvon PBX queue through Asterisk AMI

usage:
  perezvon-relay [run]     run the relay (SIGTERM: finish calls in flight, up to 10 s)
  perezvon-relay doctor    check the configuration, the Worker, AMI and the journal; exit 1 if any check fails
  perezvon-relay --version
  perezvon-relay --help

configuration (environment, or a JSON file named by PEREZVON_CONFIG with the same keys):
  PEREZVON_URL           the Worker's base URL, e.g. https://perezvon.example.workers.dev
  PEREZVON_PBX           the PBX id created with the admin API
  PEREZVON_RELAY_TOKEN   the pzr_… relay token of that PBX
  AMI_URL                ami://user:secret@127.0.0.1:5038 (or AMI_HOST, AMI_PORT, AMI_USERNAME, AMI_SECRET)
  PEREZVON_RELAY_ID      stable id of this relay (default: hostname-pbx)
  PEREZVON_JOURNAL       attempt journal file on a persistent disk (default .perezvon/journal-<pbx>.jsonl)
  PEREZVON_CAPACITY      calls at once (default 4)
  PEREZVON_METRICS_ADDR  e.g. 127.0.0.1:9464: serve /healthz, /readyz and /metrics there (default: off)
  LOG_LEVEL              fatal|error|warn|info|debug|trace|silent (default info)
  LOG_FORMAT             auto|json|pretty (default auto: readable on a terminal if pino-pretty is installed)

exit status of a running relay: 0 stopped by a signal, 3 another relay took the PBX over (do not
restart), 78 bad configuration (the message names the variable).
`;

export async function runCli(args: readonly string[], env: Record<string, string | undefined>): Promise<void> {
  const [command, ...rest] = args;
  if (rest.length > 0) return usage(`unexpected arguments: ${rest.join(' ')}`);
  switch (command) {
    case undefined:
    case 'run':
      return runRelayProcess(env);
    case 'doctor':
      process.exitCode = await runDoctor(env, (line) => process.stdout.write(`${line}\n`));
      return;
    case '--version':
    case '-v':
      process.stdout.write(`${RELAY_VERSION}\n`);
      return;
    case '--help':
    case '-h':
    case 'help':
      process.stdout.write(HELP);
      return;
    default:
      return usage(`unknown command: ${command}`);
  }
}

function usage(problem: string): void {
  process.stderr.write(`${problem}\n\n${HELP}`);
  process.exitCode = 64;
}
