// The relay as an operating-system process: start it from the environment, turn signals into a
// graceful stop, and exit with the statuses a supervisor acts on — 0 after SIGTERM/SIGINT, 3 when a
// newer relay took the PBX over (systemd: RestartPreventExitStatus=3), 78 (EX_CONFIG) for a bad
// configuration, naming the variable and never its value. Used by main.ts and the tests' entry.
import { ConfigError } from './config.js';
import type { Relay } from './relay.js';
import { startRelay, type RelayHooks } from './start.js';

export function runRelayProcess(env: Record<string, string | undefined>, hooks: Omit<RelayHooks, 'onSuperseded'> = {}): void {
  let relay: Relay;
  try {
    // Superseded: finish in-flight calls and exit 3, so a supervisor does not restart us into a takeover fight.
    relay = startRelay(env, { ...hooks, onSuperseded: () => void relay.stop().then(() => process.exit(3)) });
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
