// The amoCRM (Kommo) adapter's contracts: the per-PBX connection as the admin API takes it (account
// subdomain and domain, long-lived token, amoCRM user → operator extension, which job sources are
// written back), the click-to-call request the amoCRM side sends, and the connection as the API shows it.
// Used by the Worker's admin and hook routes and by tests. Invariant: the API host is derived from
// subdomain + domain, never taken as a URL, and the token goes in once and never comes out (only a hint).
import { z } from 'zod';
import { extension } from './dial.js';

/** The two clouds amoCRM runs: amoCRM (Russia) and Kommo (elsewhere). Nothing else is ever called. */
export const AMOCRM_DOMAINS = ['amocrm.ru', 'kommo.com'] as const;
export type AmoCrmDomain = (typeof AMOCRM_DOMAINS)[number];

/**
 * Where a job came from, as the write-back filter names it. `campaign` is accepted ahead of campaigns
 * (issue 13) so a connection configured now logs their calls once they exist.
 */
export const JOB_SOURCES = ['api', 'widget', 'missed-call', 'bitrix24', 'amocrm', 'webhook', 'campaign'] as const;
export type JobSource = (typeof JOB_SOURCES)[number];

/** An account's subdomain: one DNS label (no dots, so no other host can be spelled through it). */
export const amoSubdomain = z.string().regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, 'must be the account subdomain: lower-case letters, digits and -, one label');
export const amoUserId = z.string().regex(/^[1-9][0-9]{0,11}$/, 'must be an amoCRM user id (digits)');
/** A long-lived token as amoCRM issues them (a JWT); any printable ASCII without spaces. */
const amoToken = z.string().regex(/^[\x21-\x7e]{20,4096}$/, 'must be the long-lived token: 20 to 4096 printable characters, no spaces');

/** Body of `PUT /v1/admin/pbxes/{pbx}/integrations/amocrm`. */
export const amoCrmConfig = z.strictObject({
  subdomain: amoSubdomain,
  domain: z.enum(AMOCRM_DOMAINS),
  /** Required the first time; leave it out to keep the stored one (changing only the map or sources). */
  token: amoToken.optional(),
  /** amoCRM user id → the extension that rings first when that user clicks a number. */
  users: z.record(amoUserId, extension).refine((u) => Object.keys(u).length <= 500, 'at most 500 users'),
  /** Jobs of these sources are written to amoCRM when they end. */
  sources: z.array(z.enum(JOB_SOURCES)).max(JOB_SOURCES.length).default([...JOB_SOURCES]),
});
export type AmoCrmConfig = z.infer<typeof amoCrmConfig>;

/** Body of `POST /v1/pbxes/{pbx}/hooks/amocrm` (header `X-Perezvon-Secret`). */
export const amoClickToCall = z.strictObject({
  /** The amoCRM user who clicked (`self.system().amouser_id` in a widget). */
  userId: amoUserId,
  /** The number as the card shows it; separators are dropped, then the PBX's destination rules apply. */
  phone: z.string().min(1).max(40),
  /** The click's id: the same id again returns the same job instead of ringing twice. */
  requestId: z.string().regex(/^[A-Za-z0-9_.:-]{1,100}$/, 'must be 1–100 letters, digits or _.:-'),
});
export type AmoClickToCall = z.infer<typeof amoClickToCall>;

export const AMO_SECRET_HEADER = 'x-perezvon-secret';

/** What `GET …/integrations/amocrm` and `…/status` show: never the token or the secret. */
export interface AmoCrmView {
  subdomain: string;
  domain: AmoCrmDomain;
  /** `…` and the token's last 4 characters, to tell which token is stored. */
  tokenHint: string;
  users: Record<string, string>;
  sources: JobSource[];
  /** `broken`: amoCRM refused the token (401); write-backs wait until a new token is PUT. */
  state: 'connected' | 'broken';
  brokenAt: string | null;
  brokenReason: string | null;
}
