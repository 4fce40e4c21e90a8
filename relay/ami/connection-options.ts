// Settings of the AMI connection and their defaults, resolved once when the connection is built.
// Used by connection.ts; the relay's config.ts fills them from its validated configuration.
// Invariant: the secret is only carried here and in the Login action, never logged.

import type { Logger } from 'pino';
import { DEFAULT_BACKOFF } from './backoff.js';
import type { BackoffOptions } from './backoff.js';

export interface AmiConnectionOptions {
  host: string;
  port: number;
  username: string;
  /** AMI secret; sent only inside Login, never logged. */
  secret: string;
  logger: Logger;
  /** Login `Events:` mask. Default `on` (the relay follows calls through events). */
  events?: string;
  /** Ping period while ready, ms. Default 10000. */
  pingIntervalMs?: number;
  /** A Ping unanswered this long drops the socket and reconnects, ms. Default 5000. */
  pingTimeoutMs?: number;
  /** Default deadline of `send`, and of banner + Login on each connect, ms. Default 10000. */
  actionTimeoutMs?: number;
  backoff?: Partial<BackoffOptions>;
  /** First part of every ActionID. Default `pzv`. */
  actionIdPrefix?: string;
  /** Random source for the backoff jitter, [0, 1). Default Math.random. */
  random?: () => number;
  /** Events (by name) nobody here reads: skipped on the wire, never built or emitted. Default none. */
  skipEvents?: ReadonlySet<string>;
}

export type ResolvedConnectionOptions = Required<Omit<AmiConnectionOptions, 'backoff' | 'logger'>> & { backoff: BackoffOptions };

export function resolveConnectionOptions(options: AmiConnectionOptions): ResolvedConnectionOptions {
  return {
    host: options.host,
    port: options.port,
    username: options.username,
    secret: options.secret,
    events: options.events ?? 'on',
    pingIntervalMs: options.pingIntervalMs ?? 10_000,
    pingTimeoutMs: options.pingTimeoutMs ?? 5_000,
    actionTimeoutMs: options.actionTimeoutMs ?? 10_000,
    actionIdPrefix: options.actionIdPrefix ?? 'pzv',
    random: options.random ?? Math.random,
    skipEvents: options.skipEvents ?? new Set(),
    backoff: { ...DEFAULT_BACKOFF, ...options.backoff },
  };
}
