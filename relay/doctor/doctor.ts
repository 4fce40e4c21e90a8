// `perezvon-relay doctor`: checks what a relay needs, a line each, from the same configuration as the
// relay (environment and PEREZVON_CONFIG), and exits non-zero on any failure. It opens no relay
// session and writes nothing but a probe file, so it can run beside the live relay.
import { ConfigError, loadConfig, type RelayConfig } from '../config.js';
import { RELAY_VERSION } from '../version.js';
import { checkAmi } from './ami-checks.js';
import { fail, formatLine, ok, type CheckLine } from './check.js';
import { checkJournal } from './journal-check.js';
import { checkWorker } from './worker-check.js';

export async function runDoctor(env: Record<string, string | undefined>, write: (line: string) => void): Promise<number> {
  const lines: CheckLine[] = [];
  const show = (found: CheckLine[]): void => {
    for (const line of found) write(formatLine(line));
    lines.push(...found);
  };
  write(`perezvon-relay ${RELAY_VERSION} doctor`);
  let config: RelayConfig;
  try {
    config = loadConfig(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    show([fail('configuration', `${err.problems.join('; ')} (see perezvon-relay --help for the variables)`)]);
    return 1;
  }
  show([ok('configuration', `PBX ${config.worker.pbx}, Worker ${config.worker.url}, AMI ${config.ami.username}@${config.ami.host}:${config.ami.port}, relay id ${config.relayId}`)]);
  const worker = await checkWorker(config);
  show(worker.lines);
  show([checkJournal(config.journalPath)]);
  show(await checkAmi(config, worker.check));
  const failed = lines.filter((l) => l.status === 'fail').length;
  write(failed === 0 ? 'all checks passed' : `${failed} check${failed === 1 ? '' : 's'} failed`);
  return failed === 0 ? 0 : 1;
}
