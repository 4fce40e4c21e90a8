// The Bitrix24 adapter's contracts: its configuration (application token, the portal's REST base,
// Bitrix24 user → operator map, call registration) and the OnExternalCallStart event as read from its
// form-encoded body.
// Used by the Worker's admin route and hook route. Invariant: the token is stored, never shown again.
import { freeText } from './free-text.js';
import { z } from 'zod';
import { callbackUrl } from './callback-url.js';
import { callerIdName } from './dial.js';
import { operatorTarget } from './jobs.js';

const bitrixUserId = z.string().regex(/^[0-9]{1,10}$/, 'must be a Bitrix24 user id (digits)');
/** A CALL_ID as Bitrix24 makes them (`externalCall.<hex>.<time>`), from its events and register's answer. */
export const bitrixCallId = z.string().regex(/^[A-Za-z0-9_.:-]{1,100}$/, 'must be a Bitrix24 call id');
/** What telephony.externalcall.register answers (the fields we use). */
export const bitrixRegisterAnswer = z.object({ result: z.object({ CALL_ID: bitrixCallId }) });

/** Body of `PUT /v1/admin/pbxes/{pbx}/integrations/bitrix24`. */
export const bitrix24Config = z.strictObject({
  /** `auth[application_token]` of the portal's events: proves an event came from this portal. */
  applicationToken: freeText(200, 8),
  /** REST base for write-backs: an inbound webhook URL such as https://example.bitrix24.ru/rest/1/abc123/. */
  restUrl: callbackUrl.refine((u) => u.endsWith('/'), 'must end with /'),
  /** Bitrix24 user id → who rings first when that user clicks a number. */
  users: z.record(bitrixUserId, operatorTarget).refine((u) => Object.keys(u).length <= 500, 'at most 500 users'),
  callerId: callerIdName.default('Bitrix24'),
  /**
   * Register in the portal (telephony.externalcall.register, then .finish) the callbacks Bitrix24 did
   * not start itself — missed-call, widget and API jobs — so they show in the CRM too.
   */
  registerCalls: z.boolean().default(true),
  /** The Bitrix24 user a registered call belongs to when its operator is nobody in `users` (a queue). */
  registerUserId: bitrixUserId.optional(),
  /** Let Bitrix24 create a lead for a number it does not know (CRM_CREATE). */
  crmCreate: z.boolean().default(false),
});
export type Bitrix24Config = z.infer<typeof bitrix24Config>;

/** OnExternalCallStart (https://apidocs.bitrix24.com/api-reference/telephony/events/on-external-call-start.html). */
export const bitrixCallStart = z.object({
  event: z.string().regex(/^ONEXTERNALCALLSTART$/i, 'only OnExternalCallStart is handled'),
  'data[USER_ID]': bitrixUserId,
  'data[PHONE_NUMBER]': z.string().min(1).max(40),
  'data[CALL_ID]': bitrixCallId,
  'auth[application_token]': z.string().min(1).max(200),
});
export type BitrixCallStart = z.infer<typeof bitrixCallStart>;
