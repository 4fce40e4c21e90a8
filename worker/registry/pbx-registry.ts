// The directory of PBXes that exist: one SQLite Durable Object for the whole Worker, written when an
// admin creates a PBX and read before any request reaches a PBX's own queue. It exists so that a
// request naming a made-up PBX (an API call, a webhook, a widget key, a status token) is answered
// without instantiating a queue object for it: in workerd even an object that writes nothing gets a
// database file, and a queue migrates its whole schema when it first starts.
import { DurableObject } from 'cloudflare:workers';

export class PbxRegistry extends DurableObject<Record<string, never>> {
  constructor(ctx: DurableObjectState, env: Record<string, never>) {
    super(ctx, env);
    ctx.storage.sql.exec('CREATE TABLE IF NOT EXISTS pbxes (id TEXT PRIMARY KEY, created_at INTEGER NOT NULL)');
  }

  async has(id: string): Promise<boolean> {
    return this.ctx.storage.sql.exec('SELECT 1 FROM pbxes WHERE id = ?', id).toArray().length > 0;
  }

  /** Registers a PBX (again, harmlessly, for one that is registered). */
  async add(id: string): Promise<void> {
    this.ctx.storage.sql.exec('INSERT INTO pbxes (id, created_at) VALUES (?, ?) ON CONFLICT (id) DO NOTHING', id, Date.now());
  }
}
