// Inbound webhook secrets and verification for one PBX: issues `whsec_` secrets (shown once), keeps
// several active per purpose for rotation, verifies Standard Webhooks signatures and refuses ids seen
// within the tolerance window. Used by the hook methods of pbx-queue.ts.
// Invariants: an id is recorded only when its delivery was accepted (a signed request refused for its
// content can be fixed and resent under the same id), and a PBX without secrets answers exactly as
// a wrong signature does, so no answer tells which PBXes have secrets.
import { WEBHOOK_TOLERANCE_SEC, type SecretPurpose, type WebhookSecretView } from '../../shared/webhooks.js';
import { newId } from '../auth/tokens.js';
import { newWebhookSecret, verify, type SignedMessage } from '../webhooks/standard-webhooks.js';
import type { HookStore, SecretRow } from './hook-store.js';

export type HookCheck = 'ok' | 'missing' | 'stale' | 'invalid' | 'replayed';

/** Which delivery a signed request is, for recording it once it is accepted. */
export interface SignedDelivery {
  source: string;
  webhookId: string;
}

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

  /** Verifies a message sent to us under `source` (its replay namespace); records nothing. */
  async check(source: string, m: SignedMessage, now: number): Promise<HookCheck> {
    const result = await verify(this.store.secrets('inbound').map((r) => r.secret), m, now, WEBHOOK_TOLERANCE_SEC);
    if (!result.ok) return result.reason;
    return this.store.wasSeen(source, m.id ?? '', now - 2 * WEBHOOK_TOLERANCE_SEC * 1000) ? 'replayed' : 'ok';
  }

  /**
   * Records an accepted delivery's id; false if it was recorded meanwhile. Ids are kept for twice the
   * tolerance: a message older than that fails the timestamp check anyway.
   */
  accept(d: SignedDelivery, now: number): boolean {
    return this.store.markSeen(d.source, d.webhookId, now, now - 2 * WEBHOOK_TOLERANCE_SEC * 1000);
  }
}

function secretView(r: SecretRow): WebhookSecretView {
  return { id: r.id, purpose: r.purpose, label: r.label, createdAt: new Date(r.created_at).toISOString() };
}

/** The answer for a PBX that does not exist: the same checks as for one, against no secret. */
export async function unverifiable(m: SignedMessage, now: number): Promise<HookCheck> {
  const result = await verify([], m, now, WEBHOOK_TOLERANCE_SEC);
  return result.ok ? 'invalid' : result.reason;
}
