// The relay's logger: JSON lines (what a service manager or a log shipper reads), or readable lines
// through pino-pretty when a person watches a terminal. pino-pretty is a dev dependency, there for
// the demo: an installed relay without it logs JSON to a terminal too.
import { createRequire } from 'node:module';
import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';

export type LogFormat = 'auto' | 'json' | 'pretty';

export function createLogger(options: LoggerOptions, format: LogFormat = 'auto'): Logger {
  const pretty = format === 'pretty' || (format === 'auto' && process.stdout.isTTY === true) ? prettyStream() : undefined;
  return pretty === undefined ? pino(options) : pino(options, pretty);
}

function prettyStream(): DestinationStream | undefined {
  try {
    // Resolved at run time, so neither the bundle nor a production install needs it.
    const build = createRequire(import.meta.url)('pino-pretty') as (o: Record<string, unknown>) => DestinationStream;
    return build({ colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' });
  } catch {
    return undefined;
  }
}
