// A pino logger whose output the test can read, to prove secrets and numbers never reach the log.
// Used by the connection and originate tests.
// Invariant: captures everything down to debug level, synchronously.

import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { Logger } from 'pino';

export function captureLogger(): { logger: Logger; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString('utf8'));
      cb();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), text: () => chunks.join('') };
}
