// Inbound webhook secrets and verification for one PBX: issues `whsec_` secrets (shown once), keeps
// several active per purpose for rotation, verifies Standard Webhooks signatures and refuses ids seen
// within the tolerance window. Used by the hook methods of pbx-queue.ts.
// Invariant: an id is recorded only after its signature verified, so unsigned noise burns no ids.
import { WEBHOOK_TOLERANCE_SEC, type SecretPurpose, type WebhookSecretView } from '../../shared/webhooks.js';
import { newId } from '../auth/tokens.js';
import { newWebhookSecret, verify, type SignedMessage } from '../webhooks/standard-webhooks.js';
import type { HookStore, SecretRow } from './hook-store.js';

export type HookCheck = 'ok' | 'missing' | 'stale' | 'invalid' | 'replayed' | 'no-secret';

/** At most this many secrets per purpose: rotation needs two, a few more leave room for mistakes. */
const MAX_SECRETS = 5;

export class HookDesk {
  constructor(private readonly store: HookStore) {}

  createSecret(purpose: SecretPurpose, label: string | null, now: number): (WebhookSecretView & { secret: string }) | 'too-many' {
    if (this.store.secrets(purpose).length >= MAX_SECRETS) return 'too-many';
    const row: SecretRow = { id: newId('whs_'), purpose, secret: newWebhookSecret(), label, created_at: now };
    this.store.insertSecret(row);
    return { ...secretView(row), secret: row.secret };
  }

  secrets(): WebhookSecretView[] {
    return this.store.secrets().map(secretView);
  }

  deleteSecret(id: string): boolean {
    return this.store.deleteSecret(id);
  }

  /** Verifies a message sent to us under `source` (its replay namespace). */
  async check(source: string, m: SignedMessage, now: number): Promise<HookCheck> {
    const secrets = this.store.secrets('inbound').map((r) => r.secret);
    if (secrets.length === 0) return 'no-secret';
    const result = await verify(secrets, m, now, WEBHOOK_TOLERANCE_SEC);
    if (!result.ok) return result.reason;
    // Ids are kept for twice the tolerance: a message older than that fails the timestamp check anyway.
    const fresh = this.store.markSeen(source, m.id ?? '', now, now - 2 * WEBHOOK_TOLERANCE_SEC * 1000);
    return fresh ? 'ok' : 'replayed';
  }
}

function secretView(r: SecretRow): WebhookSecretView {
  return { id: r.id, purpose: r.purpose, label: r.label, createdAt: new Date(r.created_at).toISOString() };
}
