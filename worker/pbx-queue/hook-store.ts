// The SQL of the signed-webhook integrations inside a PBX queue: their settings, webhook secrets
// (stored as given, because HMAC needs them; never returned after creation), seen inbound webhook
// ids (replay protection), and the status-callback outbox with its delivery attempts. Called by
// outbox.ts, hook-desk.ts and the CRM desks. Invariant: parameterised statements only.
import type { SecretPurpose } from '../../shared/webhooks.js';
import { SqlRows } from './sql-rows.js';

export interface SecretRow {
  id: string;
  purpose: SecretPurpose;
  secret: string;
  label: string | null;
  created_at: number;
}

export interface DeliveryRow {
  seq: number;
  id: string;
  job_id: string;
  type: string;
  url: string;
  payload: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  next_at: number | null;
  created_at: number;
  delivered_at: number | null;
}

export interface DeliveryAttemptRow {
  delivery_id: string;
  number: number;
  at: number;
  status_code: number | null;
  error: string | null;
  duration_ms: number;
}

export class HookStore {
  private readonly rows: SqlRows;

  constructor(sql: SqlStorage) {
    this.rows = new SqlRows(sql);
  }

  setting(key: string): string | undefined {
    return this.rows.one<{ value: string }>('SELECT value FROM hook_settings WHERE key = ?', key)?.value;
  }

  setSetting(key: string, value: string): void {
    this.rows.run('INSERT INTO hook_settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value', key, value);
  }

  deleteSetting(key: string): boolean {
    return this.rows.run('DELETE FROM hook_settings WHERE key = ?', key) > 0;
  }

  insertSecret(row: SecretRow): void {
    this.rows.run('INSERT INTO hook_secrets (id, purpose, secret, label, created_at) VALUES (?, ?, ?, ?, ?)', row.id, row.purpose, row.secret, row.label, row.created_at);
  }

  secrets(purpose?: SecretPurpose): SecretRow[] {
    return purpose === undefined
      ? this.rows.all<SecretRow>('SELECT * FROM hook_secrets ORDER BY created_at, id')
      : this.rows.all<SecretRow>('SELECT * FROM hook_secrets WHERE purpose = ? ORDER BY created_at, id', purpose);
  }

  deleteSecret(id: string): boolean {
    return this.rows.run('DELETE FROM hook_secrets WHERE id = ?', id) > 0;
  }

  /** Records a webhook id; false if it was already seen (a replay). Forgets ids older than `forgetBefore`. */
  wasSeen(source: string, webhookId: string, forgetBefore: number): boolean {
    return this.rows.one('SELECT at FROM hook_seen WHERE source = ? AND webhook_id = ? AND at >= ?', source, webhookId, forgetBefore) !== undefined;
  }

  markSeen(source: string, webhookId: string, now: number, forgetBefore: number): boolean {
    this.rows.run('DELETE FROM hook_seen WHERE at < ?', forgetBefore);
    if (this.rows.one('SELECT at FROM hook_seen WHERE source = ? AND webhook_id = ?', source, webhookId) !== undefined) return false;
    this.rows.run('INSERT INTO hook_seen (source, webhook_id, at) VALUES (?, ?, ?)', source, webhookId, now);
    return true;
  }

  insertDelivery(d: Pick<DeliveryRow, 'id' | 'job_id' | 'type' | 'url' | 'payload' | 'next_at' | 'created_at'>): void {
    this.rows.run(
      `INSERT INTO status_deliveries (id, job_id, type, url, payload, status, next_at, created_at) VALUES (?, ?, ?, ?, ?, 'pending', ?, ?)
       ON CONFLICT (id) DO NOTHING`,
      d.id, d.job_id, d.type, d.url, d.payload, d.next_at, d.created_at,
    );
  }

  dueDeliveries(now: number, limit: number): DeliveryRow[] {
    return this.rows.all<DeliveryRow>(`SELECT * FROM status_deliveries WHERE status = 'pending' AND next_at <= ? ORDER BY next_at, seq LIMIT ?`, now, limit);
  }

  /** Status-callback deliveries per state: `failed` ones were given up (their retries ran out, or the answer was permanent). */
  countDeliveriesByStatus(): Record<DeliveryRow['status'], number> {
    const counts: Record<DeliveryRow['status'], number> = { pending: 0, delivered: 0, failed: 0 };
    for (const r of this.rows.all<{ status: DeliveryRow['status']; n: number }>('SELECT status, COUNT(*) AS n FROM status_deliveries GROUP BY status')) counts[r.status] = r.n;
    return counts;
  }

  nextDeliveryAt(): number | undefined {
    return this.rows.one<{ t: number | null }>(`SELECT MIN(next_at) AS t FROM status_deliveries WHERE status = 'pending'`)?.t ?? undefined;
  }

  /** Pending deliveries of one type become due now (a CRM connection that was waiting got fixed). */
  bringForward(type: string, now: number): void {
    this.rows.run(`UPDATE status_deliveries SET next_at = ? WHERE status = 'pending' AND type = ? AND next_at > ?`, now, type, now);
  }

  lease(id: string, until: number): void {
    this.rows.run('UPDATE status_deliveries SET next_at = ? WHERE id = ?', until, id);
  }

  /** Records one attempt and the delivery's new state (delivered, retry at nextAt, or failed for good). */
  recordAttempt(a: DeliveryAttemptRow, status: DeliveryRow['status'], nextAt: number | null): void {
    this.rows.run(
      'INSERT INTO status_delivery_attempts (delivery_id, number, at, status_code, error, duration_ms) VALUES (?, ?, ?, ?, ?, ?)',
      a.delivery_id, a.number, a.at, a.status_code, a.error, a.duration_ms,
    );
    this.rows.run(
      `UPDATE status_deliveries SET status = ?, attempts = ?, next_at = ?, delivered_at = CASE WHEN ? = 'delivered' THEN ? ELSE delivered_at END WHERE id = ?`,
      status, a.number, nextAt, status, a.at, a.delivery_id,
    );
  }

  delivery(id: string): DeliveryRow | undefined {
    return this.rows.one<DeliveryRow>('SELECT * FROM status_deliveries WHERE id = ?', id);
  }

  deliveriesOf(jobId: string): DeliveryRow[] {
    return this.rows.all<DeliveryRow>('SELECT * FROM status_deliveries WHERE job_id = ? ORDER BY seq', jobId);
  }

  attemptsOf(deliveryId: string): DeliveryAttemptRow[] {
    return this.rows.all<DeliveryAttemptRow>('SELECT * FROM status_delivery_attempts WHERE delivery_id = ? ORDER BY number', deliveryId);
  }
}
