// The baseline for the Worker benchmarks: a bare route that writes one row in a SQLite Durable
// Object and answers. Anything the real POST /callbacks costs beyond this is ours.
import { DurableObject } from 'cloudflare:workers';

export class Rows extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec('CREATE TABLE IF NOT EXISTS rows (id INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT NOT NULL, at INTEGER NOT NULL)');
  }

  async add(body: string): Promise<number> {
    this.ctx.storage.sql.exec('INSERT INTO rows (body, at) VALUES (?, ?)', body, Date.now());
    return this.ctx.storage.sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM rows').one().n;
  }
}

interface Env {
  ROWS: DurableObjectNamespace<Rows>;
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const stub = env.ROWS.get(env.ROWS.idFromName('bench'));
    const n = await stub.add(await request.text());
    return Response.json({ n }, { status: 202 });
  },
};
