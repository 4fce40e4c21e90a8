// The relay's configuration: read once from the environment (and an optional JSON file named by
// PEREZVON_CONFIG, whose keys are the same variable names), validated with zod, frozen, and passed
// down. Nothing else in the relay reads process.env. Secrets never appear in errors or logs.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { z } from 'zod';
import { pbxId } from '../shared/pbx.js';

const amiUrl = z
  .string()
  .transform((raw, ctx) => {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must look like ami://user:secret@host:port' });
      return z.NEVER;
    }
    if (url.protocol !== 'ami:' || url.username === '' || url.password === '' || url.hostname === '') {
      ctx.addIssue({ code: 'custom', message: 'must look like ami://user:secret@host:port' });
      return z.NEVER;
    }
    return {
      host: url.hostname.replace(/^\[|\]$/g, ''),
      port: url.port === '' ? 5038 : Number(url.port),
      username: decodeURIComponent(url.username),
      secret: decodeURIComponent(url.password),
    };
  });

/** `127.0.0.1:9464` or `[::1]:9464`; port 0 takes a free one (tests). */
const listenAddr = z.string().transform((raw, ctx) => {
  const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(raw);
  const port = m === null ? NaN : Number(m[2]);
  if (m === null || m[1] === undefined || port > 65535) {
    ctx.addIssue({ code: 'custom', message: 'must look like 127.0.0.1:9464' });
    return z.NEVER;
  }
  return { host: m[1].replace(/^\[|\]$/g, ''), port };
});

const schema = z.object({
  PEREZVON_URL: z.url({ protocol: /^https?$/ }),
  PEREZVON_PBX: pbxId,
  PEREZVON_RELAY_TOKEN: z.string().regex(/^pzr_[A-Za-z0-9_-]{20,100}$/, 'must be the pzr_… token the admin API returned'),
  PEREZVON_RELAY_ID: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/).optional(),
  PEREZVON_CAPACITY: z.coerce.number().int().min(1).max(500).default(4),
  PEREZVON_JOURNAL: z.string().min(1).optional(),
  AMI_URL: amiUrl.optional(),
  AMI_HOST: z.string().min(1).optional(),
  AMI_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  AMI_USERNAME: z.string().min(1).optional(),
  AMI_SECRET: z.string().min(1).optional(),
  PEREZVON_METRICS_ADDR: listenAddr.optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_FORMAT: z.enum(['auto', 'json', 'pretty']).default('auto'),
});

export interface RelayConfig {
  readonly worker: { readonly url: string; readonly pbx: string; readonly token: string };
  /** Stable across restarts: the queue matches journalled attempts to the relay by it. */
  readonly relayId: string;
  readonly capacity: number;
  readonly journalPath: string;
  /** Reports not yet acknowledged by the Worker, beside the journal (`<journal>.reports`). */
  readonly reportsPath: string;
  /** The last conference rules the Worker sent, beside the journal (`<journal>.rules`). */
  readonly rulesPath: string;
  readonly ami: { readonly host: string; readonly port: number; readonly username: string; readonly secret: string };
  readonly logLevel: string;
  /** `auto`: readable lines on a terminal (when pino-pretty is installed), JSON lines otherwise. */
  readonly logFormat: 'auto' | 'json' | 'pretty';
  /** Where /healthz, /readyz and /metrics listen; absent: no listener. */
  readonly metrics: { readonly host: string; readonly port: number } | undefined;
}

export class ConfigError extends Error {
  readonly code = 'RELAY_CONFIG_INVALID';
  constructor(readonly problems: string[]) {
    super(`invalid relay configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: Record<string, string | undefined> = process.env): RelayConfig {
  const file = env.PEREZVON_CONFIG === undefined ? {} : readConfigFile(env.PEREZVON_CONFIG);
  const parsed = schema.safeParse({ ...file, ...definedOnly(env) });
  // Name the variable and the rule, never the value: it may be a secret.
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  const c = parsed.data;
  const ami = c.AMI_URL ?? separateAmi(c);
  const relayId = c.PEREZVON_RELAY_ID ?? `${hostname().replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 40)}-${c.PEREZVON_PBX}`.slice(0, 64);
  const journalPath = c.PEREZVON_JOURNAL ?? `.perezvon/journal-${c.PEREZVON_PBX}.jsonl`;
  return Object.freeze({
    worker: Object.freeze({ url: c.PEREZVON_URL.replace(/\/+$/, ''), pbx: c.PEREZVON_PBX, token: c.PEREZVON_RELAY_TOKEN }),
    relayId,
    capacity: c.PEREZVON_CAPACITY,
    journalPath,
    reportsPath: `${journalPath}.reports`,
    rulesPath: `${journalPath}.rules`,
    ami: Object.freeze(ami),
    logLevel: c.LOG_LEVEL,
    logFormat: c.LOG_FORMAT,
    metrics: c.PEREZVON_METRICS_ADDR === undefined ? undefined : Object.freeze(c.PEREZVON_METRICS_ADDR),
  });
}

function separateAmi(c: z.infer<typeof schema>): RelayConfig['ami'] {
  const missing = (['AMI_HOST', 'AMI_USERNAME', 'AMI_SECRET'] as const).filter((k) => c[k] === undefined);
  if (missing.length > 0) throw new ConfigError([`AMI: set AMI_URL=ami://user:secret@host:port, or ${missing.join(', ')}`]);
  return { host: c.AMI_HOST ?? '', port: c.AMI_PORT ?? 5038, username: c.AMI_USERNAME ?? '', secret: c.AMI_SECRET ?? '' };
}

function readConfigFile(path: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError([`PEREZVON_CONFIG: cannot read ${path} as JSON (${(err as NodeJS.ErrnoException).code ?? 'parse error'})`]);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ConfigError([`PEREZVON_CONFIG: ${path} must hold a JSON object`]);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, typeof v === 'number' ? String(v) : v]));
}

function definedOnly(env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''));
}
