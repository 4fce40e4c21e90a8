// The relay process and the `perezvon-relay` command: start → handle signals.
// A configuration error exits with status 78 (EX_CONFIG) and a message naming the variable, never its value.
import { ConfigError } from './config.js';
import type { Relay } from './relay.js';
import { startRelay } from './start.js';

function main(): void {
  let relay: Relay;
  try {
    // Superseded by another relay of the same PBX: finish in-flight calls and exit 3, so a
    // supervisor does not restart us into a takeover fight (systemd: RestartPreventExitStatus=3).
    relay = startRelay(process.env, { onSuperseded: () => void relay.stop().then(() => process.exit(3)) });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78);
    }
    throw err;
  }
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`received ${signal}: finishing in-flight calls (up to 10 s)\n`);
    void relay.stop().then(() => process.exit(0));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main();
