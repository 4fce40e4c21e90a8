// Structured log lines of the Worker and its Durable Objects: one JSON object per line on the
// console, which `wrangler tail` and Workers Logs show and filter by field. Used wherever the Worker
// must say that something went wrong without a client to tell. Invariant: never a secret, never a
// full phone number (callers pass ids and codes).

type Level = 'info' | 'warn' | 'error';

export function log(level: Level, msg: string, fields: Record<string, unknown> = {}): void {
  const line = JSON.stringify({ level, msg, ...fields });
  if (level === 'error') console.error(line);
  else if (level === 'warn') console.warn(line);
  else console.log(line);
}
