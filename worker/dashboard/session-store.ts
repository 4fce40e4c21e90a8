// Dashboard sessions, server side: one small SQLite Durable Object for the whole deployment (sign-ins
// are rare and cheap), so that signing out ends a session for good — the cookie that carried it is
// refused from then on, on every isolate. Holds no tokens: only who signed in, the form token
// (CSRF) and the expiry.
import { DurableObject } from 'cloudflare:workers';
import { sessionScope, type SessionScope } from '../../shared/dashboard.js';
import { newId } from '../auth/tokens.js';
import { SqlRows } from '../pbx-queue/sql-rows.js';

export interface Session {
  id: string;
  scope: SessionScope;
  /** Sent back by every form and by the page's fetches; a cross-site page cannot read it. */
  csrf: string;
  expiresAt: number;
}

interface SessionRow {
  id: string;
  scope: string;
  csrf: string;
  expires_at: number;
}

export class DashboardSessions extends DurableObject<object> {
  private readonly rows: SqlRows;

  constructor(ctx: DurableObjectState, env: object) {
    super(ctx, env);
    ctx.storage.sql.exec(
      'CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY, scope TEXT NOT NULL, csrf TEXT NOT NULL, expires_at INTEGER NOT NULL)',
    );
    this.rows = new SqlRows(ctx.storage.sql);
  }

  async open(scope: SessionScope, expiresAt: number): Promise<Session> {
    const now = Date.now();
    this.rows.run('DELETE FROM sessions WHERE expires_at <= ?', now);
    const session: Session = { id: newId('ses_'), scope, csrf: newId('csrf_'), expiresAt };
    this.rows.run('INSERT INTO sessions (id, scope, csrf, expires_at) VALUES (?, ?, ?, ?)', session.id, JSON.stringify(scope), session.csrf, expiresAt);
    return session;
  }

  /** The live session with this id; null once it expired or was closed. */
  async session(id: string): Promise<Session | null> {
    const row = this.rows.one<SessionRow>('SELECT id, scope, csrf, expires_at FROM sessions WHERE id = ?', id);
    if (row === undefined || row.expires_at <= Date.now()) return null;
    return { id: row.id, scope: sessionScope.parse(JSON.parse(row.scope)), csrf: row.csrf, expiresAt: row.expires_at };
  }

  async close(id: string): Promise<void> {
    this.rows.run('DELETE FROM sessions WHERE id = ?', id);
  }
}
