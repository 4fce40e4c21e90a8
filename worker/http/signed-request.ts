// Reading a signed inbound request: the raw body (bounded, of the expected media type) exactly as it
// was signed, and the Standard Webhooks headers checked by the PBX's queue. Used by routes/hooks.ts
// and routes/bitrix24-hook.ts; the callback-URL check is shared with the admin routes.
// Invariant: nothing of the body is parsed or acted on before its signature has been verified.
import type { Context } from 'hono';
import type { AppEnv } from '../env.js';
import { parseJsonBody } from './body.js';
import { HttpProblem } from './problem.js';
import type { PbxQueue } from '../pbx-queue/pbx-queue.js';
import { unverifiable } from '../pbx-queue/hook-desk.js';
import { callbackUrlProblem, isPrivateAllowed } from '../webhooks/callback-url.js';

const WEBHOOK_ID = /^[A-Za-z0-9_.:-]{1,100}$/;

export async function readRawBody(c: Context<AppEnv>, type: RegExp, typeName: string): Promise<string> {
  if (!type.test(c.req.header('content-type') ?? '')) throw new HttpProblem(415, 'unsupported_media_type', `send the body as ${typeName}`, 'content-type');
  // Decoded by hand: workerd warns when .text() reads a form body, and the signed bytes are UTF-8 anyway.
  // Its size was bounded before any route ran (limitBodies).
  return new TextDecoder().decode(await c.req.arrayBuffer());
}

/** Verifies the request's signature with the PBX's inbound secrets; returns its webhook id. */
export async function requireSignature(c: Context<AppEnv>, stub: DurableObjectStub<PbxQueue> | undefined, source: string, body: string): Promise<string> {
  const message = {
    id: c.req.header('webhook-id'), timestamp: c.req.header('webhook-timestamp'), signature: c.req.header('webhook-signature'), body,
  };
  // A PBX that does not exist is checked against no secret: the same answer as a wrong signature.
  const check = stub === undefined ? await unverifiable(message, Date.now()) : await stub.checkWebhook(source, message);
  switch (check) {
    case 'ok':
      break;
    case 'missing':
      throw new HttpProblem(401, 'signature_invalid', 'webhook-id, webhook-timestamp and webhook-signature are required', 'webhook-signature');
    case 'invalid':
      throw new HttpProblem(401, 'signature_invalid', 'the webhook signature does not match', 'webhook-signature');
    case 'stale':
      throw new HttpProblem(401, 'timestamp_out_of_tolerance', 'webhook-timestamp is more than 5 minutes away from now', 'webhook-timestamp');
    case 'replayed':
      throw replayed();
  }
  const id = message.id ?? '';
  if (!WEBHOOK_ID.test(id)) throw new HttpProblem(400, 'validation_failed', 'webhook-id must be 1–100 letters, digits or _.:-', 'webhook-id');
  return id;
}

export const replayed = (): HttpProblem => new HttpProblem(401, 'webhook_replayed', 'this webhook-id was already received', 'webhook-id');

/** The queue of a PBX whose signature verified (an unknown PBX never gets this far). */
export function mustExist<T>(target: { stub: T } | undefined): T {
  if (target === undefined) throw new HttpProblem(401, 'signature_invalid', 'the webhook signature does not match', 'webhook-signature');
  return target.stub;
}

export const parseJsonText = parseJsonBody;

/** Refuses a statusCallbackUrl the Worker would never call (private hosts in production). */
export function assertCallbackUrl(url: string | null | undefined, env: AppEnv['Bindings'], field: string): void {
  if (url === undefined || url === null) return;
  const problem = callbackUrlProblem(url, isPrivateAllowed(env));
  if (problem !== null) throw new HttpProblem(422, 'callback_url_not_allowed', `${field}: ${problem}`, field);
}
