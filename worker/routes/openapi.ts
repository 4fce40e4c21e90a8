// GET /openapi.json: generated from the app's own route table (Hono's `app.routes`), so a route
// cannot be missing from the document, with each operation described from the very zod schemas
// that validate it, so the document cannot drift from what the Worker accepts either.
// test/worker/openapi.test.ts checks that every registered route has its entry in OPERATIONS and
// every entry a route.
import { z } from 'zod';
import { amoClickToCall, amoCrmConfig } from '../../shared/amocrm.js';
import { bitrix24Config } from '../../shared/bitrix24.js';
import { conferenceGroupInput, conferenceGroupView, conferenceRequest, externalParticipantInput, redialRequest } from '../../shared/conferences.js';
import { callbackRequest, jobListQuery, jobView } from '../../shared/jobs.js';
import { CAMPAIGN_ACTIONS, campaignRequest, contactImportJson, contactListQuery, dncRequest } from '../../shared/campaigns.js';
import { missedCallPolicy, missedCallReport } from '../../shared/missed-calls.js';
import { createOrgRequest, orgPlan } from '../../shared/orgs.js';
import { pbxSettingsRequest } from '../../shared/pbx.js';
import { statusCallbackSettings, statusEvent, webhookSecretRequest } from '../../shared/webhooks.js';
import { widgetCallbackRequest, widgetConfig } from '../../shared/widget.js';
import { createApiKeyRequest, createPbxRequest } from './admin.js';

const problem = z.object({ status: z.int(), code: z.string(), message: z.string(), field: z.string().optional(), requestId: z.string().optional() });

type Io = 'input' | 'output';
const schema = (s: z.ZodType, io: Io = 'output'): unknown => z.toJSONSchema(s, { io, unrepresentable: 'any' });
const json = (s: z.ZodType, io: Io = 'output') => ({ content: { 'application/json': { schema: schema(s, io) } } });
const problems = (...codes: number[]) => Object.fromEntries(codes.map((code) => [String(code), { description: 'problem', ...json(problem) }]));

type Auth = 'apiKey' | 'orgKey' | 'admin' | 'signature' | 'public';
interface Operation {
  summary: string;
  auth: Auth;
  body?: z.ZodType;
  /** The body is an upload: text/csv, or JSON of this schema (bounded by MAX_UPLOAD_BYTES, not the JSON bound). */
  upload?: z.ZodType;
  query?: z.ZodObject;
  headers?: string[];
  /** Status → what it means; a schema when the answer has one. */
  ok: Record<string, string | [string, z.ZodType]>;
  errors: number[];
}

const op = (summary: string, auth: Auth, ok: Operation['ok'], errors: number[], more: Partial<Operation> = {}): Operation => ({ summary, auth, ok, errors, ...more });
const SIGNED = ['webhook-id', 'webhook-timestamp', 'webhook-signature'];
const jobs = z.object({ jobs: z.array(jobView), nextCursor: z.string().nullable() });

/** Every route the Worker registers, by `METHOD /path/{param}`. */
export const OPERATIONS: Readonly<Record<string, Operation>> = {
  'GET /': op('Service name and where this document is', 'public', { 200: 'service' }, []),
  'GET /healthz': op('Liveness', 'public', { 200: 'ok' }, []),
  'GET /openapi.json': op('This document', 'public', { 200: 'OpenAPI 3.1' }, []),
  'GET /widget.js': op('The embeddable website widget script', 'public', { 200: 'JavaScript' }, []),
  // API (an API key of the PBX)
  'POST /v1/pbxes/{pbx}/callbacks': op('Queue a callback', 'apiKey', { 202: ['queued', jobView], 200: ['the job of an earlier request with the same Idempotency-Key', jobView] }, [400, 401, 409, 413, 415, 422], { body: callbackRequest, headers: ['Idempotency-Key'] }),
  'GET /v1/pbxes/{pbx}/jobs': op('List jobs, oldest first', 'apiKey', { 200: ['a page of jobs', jobs] }, [400, 401], { query: jobListQuery }),
  'GET /v1/pbxes/{pbx}/jobs/{id}': op('A job with its attempts', 'apiKey', { 200: ['the job', jobView] }, [401, 404]),
  'DELETE /v1/pbxes/{pbx}/jobs/{id}': op('Cancel a job that has not connected', 'apiKey', { 200: ['cancelled', jobView], 202: ['the call is being hung up', jobView] }, [401, 404, 409]),
  'GET /v1/pbxes/{pbx}/jobs/{id}/deliveries': op("Status-callback deliveries of a job and their attempts (each event body as in the schema)", 'apiKey', { 200: ['deliveries', z.object({ event: statusEvent })] }, [401, 404]),
  'GET /v1/pbxes/{pbx}/status': op('Relay connected, AMI state, last heartbeat, calls in flight, jobs queued', 'apiKey', { 200: 'status' }, [401]),
  'GET /v1/pbxes/{pbx}/missed-calls': op('Missed calls and the callbacks made of them', 'apiKey', { 200: 'missed calls' }, [400, 401]),
  'POST /v1/pbxes/{pbx}/events/missed-call': op('Report a missed call (API key, or a Standard Webhooks signature)', 'apiKey', { 202: 'a new callback', 200: 'merged into the pending callback of that number, or ignored' }, [400, 401, 413, 415], { body: missedCallReport }),
  'GET /v1/pbxes/{pbx}/conference-groups': op('Conference groups', 'apiKey', { 200: ['groups', z.object({ groups: z.array(conferenceGroupView) })] }, [401]),
  'POST /v1/pbxes/{pbx}/conference-groups': op('Create a conference group', 'apiKey', { 201: ['created', conferenceGroupView] }, [400, 401, 409, 422], { body: conferenceGroupInput }),
  'GET /v1/pbxes/{pbx}/conference-groups/{id}': op('A conference group', 'apiKey', { 200: ['the group', conferenceGroupView] }, [401, 404]),
  'PUT /v1/pbxes/{pbx}/conference-groups/{id}': op('Replace a conference group', 'apiKey', { 200: ['saved', conferenceGroupView] }, [400, 401, 404, 409, 422], { body: conferenceGroupInput }),
  'DELETE /v1/pbxes/{pbx}/conference-groups/{id}': op('Delete a conference group', 'apiKey', { 204: 'deleted' }, [401, 404]),
  'POST /v1/pbxes/{pbx}/conferences': op('Assemble a conference: dial every member into the room (within the PBX call limit)', 'apiKey', { 202: 'members queued for dialling' }, [400, 401, 404, 422], { body: conferenceRequest }),
  'GET /v1/pbxes/{pbx}/conferences': op('Recent conference assemblies', 'apiKey', { 200: 'assemblies' }, [400, 401]),
  'GET /v1/pbxes/{pbx}/conferences/{id}': op('An assembly: members, their dials and outcomes, who is in the room', 'apiKey', { 200: 'the assembly' }, [401, 404]),
  'POST /v1/pbxes/{pbx}/conferences/{id}/redial': op('Dial members who are not in the room again', 'apiKey', { 202: 'requeued' }, [400, 401, 404], { body: redialRequest }),
  'GET /v1/pbxes/{pbx}/rooms/{room}': op('Who is in a room now, and its rule', 'apiKey', { 200: 'the room' }, [400, 401]),
  'GET /v1/pbxes/{pbx}/rooms/{room}/external-participant': op("A room's permanent external participant rule", 'apiKey', { 200: 'the rule' }, [401, 404]),
  'PUT /v1/pbxes/{pbx}/rooms/{room}/external-participant': op("Set a room's permanent external participant", 'apiKey', { 200: 'the rule' }, [400, 401, 422], { body: externalParticipantInput }),
  'DELETE /v1/pbxes/{pbx}/rooms/{room}/external-participant': op("Remove a room's rule", 'apiKey', { 204: 'removed' }, [401, 404]),
  // Campaigns and the do-not-call list (an API key of the PBX)
  'POST /v1/pbxes/{pbx}/campaigns': op("Create a campaign (draft): target, caller ID pool, schedule in the customer's local time, retry rules, limits", 'apiKey', { 201: 'the campaign with its counters' }, [400, 401, 413, 415, 422], { body: campaignRequest }),
  'GET /v1/pbxes/{pbx}/campaigns': op('Campaigns, newest first', 'apiKey', { 200: 'campaigns' }, [401]),
  'GET /v1/pbxes/{pbx}/campaigns/{id}': op('A campaign with its counters (contacts by state, attempts, answered, ASR, talk time, outcomes, causes)', 'apiKey', { 200: 'the campaign' }, [401, 404]),
  'POST /v1/pbxes/{pbx}/campaigns/{id}/{action}': op(`${CAMPAIGN_ACTIONS.join(' | ')}`, 'apiKey', { 200: 'the campaign' }, [401, 404, 409]),
  'POST /v1/pbxes/{pbx}/campaigns/{id}/contacts': op('Import contacts: text/csv (header row: number, name, timeZone, other columns as variables) or JSON, up to 16 MiB; report of imported, merged and rejected rows', 'apiKey', { 200: '{ imported, merged, rejected, rejections: [{ row, field, reason }] }' }, [400, 401, 404, 409, 413, 415], { upload: contactImportJson }),
  'GET /v1/pbxes/{pbx}/campaigns/{id}/contacts': op('Contacts changed since an instant, by state, paged by cursor', 'apiKey', { 200: '{ contacts, nextCursor }' }, [400, 401, 404], { query: contactListQuery }),
  'GET /v1/pbxes/{pbx}/campaigns/{id}/export.csv': op('Every contact with its state, attempts and last outcome, as CSV', 'apiKey', { 200: 'text/csv' }, [401, 404]),
  'POST /v1/pbxes/{pbx}/dnc': op("Add numbers to the PBX's do-not-call list (JSON or CSV with a number column, up to 16 MiB)", 'apiKey', { 200: '{ added, rejected, rejections }' }, [400, 401, 413, 415], { upload: dncRequest }),
  'GET /v1/pbxes/{pbx}/dnc': op('The do-not-call list, paged by cursor', 'apiKey', { 200: '{ numbers, nextCursor }' }, [400, 401]),
  'DELETE /v1/pbxes/{pbx}/dnc/{number}': op('Remove a number from the do-not-call list', 'apiKey', { 204: 'removed' }, [400, 401, 404]),
  'GET /v1/pbxes/{pbx}/tasks': op('Campaigns, conference assemblies and missed-call recalls as one task table', 'apiKey', { 200: 'tasks' }, [400, 401]),
  // Signed or token-checked hooks, and the relay
  'POST /v1/pbxes/{pbx}/hooks/generic': op('CRM webhook (Standard Webhooks signature): call this customer from this operator', 'signature', { 202: ['queued', jobView], 200: ['the job of an earlier delivery with the same webhook-id', jobView] }, [400, 401, 409, 413, 415, 422], { body: callbackRequest, headers: SIGNED }),
  'POST /v1/pbxes/{pbx}/hooks/bitrix24': op("Bitrix24 OnExternalCallStart (form-encoded; the application token is checked)", 'public', { 202: 'queued', 200: 'the job of an earlier event with the same CALL_ID' }, [400, 401, 409, 413, 415, 422]),
  'GET /v1/pbxes/{pbx}/relay/check': op("The relay token checked without opening a session (perezvon-relay doctor): the Worker's clock, protocol and the PBX's contexts", 'public', { 200: 'ok' }, [401]),
  'GET /v1/pbxes/{pbx}/relay': op("The relay's WebSocket (relay token in Authorization, subprotocol perezvon.relay.v2)", 'public', { 101: 'switching protocols' }, [400, 401, 426]),
  // Website widget (public)
  'GET /v1/widget/{key}/config': op('Widget configuration for the page (CORS to the widget origins)', 'public', { 200: '{ turnstileSiteKey, open, outside }' }, [403, 404]),
  'OPTIONS /v1/widget/{key}/callbacks': op('CORS preflight of the widget request', 'public', { 204: 'allowed' }, [403, 404]),
  'POST /v1/widget/{key}/callbacks': op('Website button: ask for a callback (CORS to the widget origins; Turnstile when configured; rate-limited)', 'public', { 202: '{ token, state, duplicate: false, scheduledFor }', 200: '{ token: null, duplicate: true }: this number already has a pending callback' }, [400, 403, 404, 413, 415, 422, 429, 503], { body: widgetCallbackRequest }),
  'GET /v1/widget/status/{token}': op("A widget callback's coarse state, nothing else", 'public', { 200: '{ state: queued | calling | connected | failed | cancelled }' }, [404]),
  // Admin (ADMIN_TOKEN)
  'POST /v1/admin/pbxes': op('Create a PBX; returns its relay token once', 'admin', { 201: 'created' }, [400, 401, 409], { body: createPbxRequest }),
  'GET /v1/admin/pbxes/{pbx}': op('A PBX: settings and status', 'admin', { 200: 'the PBX' }, [401, 404]),
  'POST /v1/admin/pbxes/{pbx}/relay-token': op('Rotate the relay token', 'admin', { 201: 'the new token, shown once' }, [401, 404]),
  'POST /v1/admin/pbxes/{pbx}/api-keys': op('Issue an API key', 'admin', { 201: 'the key, shown once' }, [400, 401, 404], { body: createApiKeyRequest }),
  'GET /v1/admin/pbxes/{pbx}/api-keys': op('List the API keys (ids, labels, creation times; never the keys)', 'admin', { 200: 'the keys' }, [401, 404]),
  'DELETE /v1/admin/pbxes/{pbx}/api-keys/{key}': op('Revoke an API key (at once in the isolate that revokes it; within 60 s everywhere)', 'admin', { 204: 'revoked' }, [401, 404]),
  'POST /v1/admin/pbxes/{pbx}/widgets': op('Create a widget key bound to origins, a PBX target and policies (the answer warns when Turnstile is off)', 'admin', { 201: 'the key and a ready-to-paste embed' }, [400, 401, 404], { body: widgetConfig }),
  'GET /v1/admin/pbxes/{pbx}/widgets': op('List widget keys', 'admin', { 200: 'widgets' }, [401, 404]),
  'GET /v1/admin/pbxes/{pbx}/widgets/{id}': op('A widget key', 'admin', { 200: 'the widget' }, [401, 404]),
  'DELETE /v1/admin/pbxes/{pbx}/widgets/{id}': op('Revoke a widget key', 'admin', { 204: 'revoked' }, [401, 404]),
  'POST /v1/admin/pbxes/{pbx}/webhook-secrets': op('Create an inbound or outbound webhook secret (shown once)', 'admin', { 201: 'the whsec_ secret' }, [400, 401, 404, 409], { body: webhookSecretRequest }),
  'GET /v1/admin/pbxes/{pbx}/webhook-secrets': op('List webhook secrets (ids and labels only)', 'admin', { 200: 'secrets' }, [401, 404]),
  'DELETE /v1/admin/pbxes/{pbx}/webhook-secrets/{id}': op('Delete a webhook secret', 'admin', { 204: 'deleted' }, [401, 404]),
  'GET /v1/admin/pbxes/{pbx}/status-callbacks': op('Default status-callback URL and retry backoff', 'admin', { 200: ['settings', statusCallbackSettings] }, [401, 404]),
  'PUT /v1/admin/pbxes/{pbx}/status-callbacks': op('Set the default status-callback URL and retry backoff (public hosts only)', 'admin', { 200: 'saved' }, [400, 401, 404, 422], { body: statusCallbackSettings }),
  'GET /v1/admin/pbxes/{pbx}/missed-calls/policy': op('Missed-call callback policy', 'admin', { 200: 'the policy' }, [401, 404]),
  'PUT /v1/admin/pbxes/{pbx}/missed-calls/policy': op('Set the missed-call callback policy', 'admin', { 200: 'saved' }, [400, 401, 404, 422], { body: missedCallPolicy }),
  'GET /v1/admin/pbxes/{pbx}/integrations/bitrix24': op('Bitrix24 integration (the token is never shown)', 'admin', { 200: 'the integration' }, [401, 404]),
  'PUT /v1/admin/pbxes/{pbx}/integrations/bitrix24': op('Set the Bitrix24 integration', 'admin', { 200: 'saved' }, [400, 401, 404, 422], { body: bitrix24Config }),
  'PUT /v1/admin/pbxes/{pbx}/settings': op("Replace a PBX's settings (numbering plan, destination rules, extension plan, limits)", 'admin', { 200: 'saved' }, [400, 401, 404], { body: pbxSettingsRequest }),
  // amoCRM (Kommo)
  'PUT /v1/admin/pbxes/{pbx}/integrations/amocrm': op('Set the amoCRM connection (the token is sealed, never shown again)', 'admin', { 200: 'saved', 201: 'created, with its click-to-call secret shown once' }, [400, 401, 404, 503], { body: amoCrmConfig }),
  'GET /v1/admin/pbxes/{pbx}/integrations/amocrm': op('The amoCRM connection (a hint of the token only) and its health', 'admin', { 200: 'the connection' }, [401, 404]),
  'DELETE /v1/admin/pbxes/{pbx}/integrations/amocrm': op('Remove the amoCRM connection', 'admin', { 204: 'removed' }, [401, 404]),
  'POST /v1/admin/pbxes/{pbx}/integrations/amocrm/click-to-call-secret': op('Rotate the click-to-call secret (the old one stops at once)', 'admin', { 201: 'the new secret, shown once' }, [401, 404]),
  'POST /v1/pbxes/{pbx}/hooks/amocrm': op('amoCRM click-to-call (X-Perezvon-Secret header): ring the user, then the number', 'public', { 202: 'queued', 200: 'the job of an earlier request with the same requestId' }, [400, 401, 409, 413, 415, 422], { body: amoClickToCall, headers: ['X-Perezvon-Secret'] }),
  'OPTIONS /v1/pbxes/{pbx}/hooks/amocrm': op("CORS preflight of an amoCRM widget's request", 'public', { 204: 'allowed for amoCRM/Kommo account origins' }, []),
  // Organisations (several PBXes, one numbering plan)
  'POST /v1/admin/orgs': op('Create an organisation of existing PBXes with its numbering plan (overlapping ranges refused)', 'admin', { 201: 'created' }, [400, 401, 409, 422], { body: createOrgRequest }),
  'GET /v1/admin/orgs/{org}': op("An organisation's plan", 'admin', { 200: 'the plan' }, [401, 404]),
  'PUT /v1/admin/orgs/{org}/plan': op("Replace an organisation's plan", 'admin', { 200: 'saved' }, [400, 401, 404, 422], { body: orgPlan }),
  'POST /v1/admin/orgs/{org}/api-keys': op('Issue an org API key (pzo_…, shown once)', 'admin', { 201: 'the key, shown once' }, [400, 401, 404], { body: createApiKeyRequest }),
  'POST /v1/orgs/{org}/callbacks': op('Queue a callback on the PBX that owns the operator extension or queue', 'orgKey', { 202: ['queued', jobView], 200: ['the job of an earlier request with the same Idempotency-Key', jobView] }, [400, 401, 409, 413, 415, 422], { body: callbackRequest, headers: ['Idempotency-Key'] }),
  'GET /v1/orgs/{org}/jobs/{id}': op('A job created through the organisation', 'orgKey', { 200: ['the job', jobView] }, [401, 404]),
  'GET /v1/orgs/{org}/presence': op("Every site's extension states (unavailable while a site's relay is gone)", 'orgKey', { 200: 'extensions' }, [401]),
};

/** `/v1/pbxes/:pbx/jobs/:id` → `/v1/pbxes/{pbx}/jobs/{id}`; a parameter's pattern (`:action{start|stop}`) is dropped. */
export const openApiPath = (honoPath: string): string => honoPath.replace(/:([A-Za-z0-9_]+)(\{[^}]*\})?/g, '{$1}');

/** The registered routes as `METHOD /path/{param}` keys (middleware excluded; the dashboard's pages under /app are not API). */
export function routeKeys(routes: ReadonlyArray<{ method: string; path: string }>): string[] {
  const api = routes.filter((r) => r.method !== 'ALL' && r.path !== '/app' && !r.path.startsWith('/app/'));
  return [...new Set(api.map((r) => `${r.method} ${openApiPath(r.path)}`))];
}

const SECURITY: Record<Auth, unknown[] | undefined> = { apiKey: [{ apiKey: [] }], orgKey: [{ orgKey: [] }], admin: [{ admin: [] }], signature: [], public: [] };

export function openApiDocument(routes: ReadonlyArray<{ method: string; path: string }>): unknown {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const key of routeKeys(routes)) {
    const [method = '', path = ''] = key.split(' ');
    const o = OPERATIONS[key] ?? op(`${method} ${path}`, 'public', { 200: 'ok' }, []);
    const parameters = [
      ...[...path.matchAll(/\{([^}]+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } })),
      ...Object.keys(o.query?.shape ?? {}).map((name) => ({ name, in: 'query', required: false, schema: { type: 'string' } })),
      ...(o.headers ?? []).map((name) => ({ name, in: 'header', required: o.auth === 'signature', schema: { type: 'string' } })),
    ];
    const responses = Object.fromEntries(Object.entries(o.ok).map(([status, v]) => [status, typeof v === 'string' ? { description: v } : { description: v[0], ...json(v[1]) }]));
    (paths[path] ??= {})[method.toLowerCase()] = {
      summary: o.summary, security: SECURITY[o.auth], parameters,
      ...(o.body === undefined ? {} : { requestBody: { required: true, ...json(o.body, 'input') } }),
      ...(o.upload === undefined ? {} : { requestBody: { required: true, content: { 'text/csv': { schema: { type: 'string' } }, ...json(o.upload, 'input').content } } }),
      responses: { ...responses, ...problems(...o.errors) },
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Perezvon', version: '1', description: 'Callbacks through your Asterisk PBX.' },
    components: {
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', description: 'pzk_… key issued by the admin API for one PBX' },
        orgKey: { type: 'http', scheme: 'bearer', description: 'pzo_… key issued by the admin API for one organisation' },
        admin: { type: 'http', scheme: 'bearer', description: 'the ADMIN_TOKEN Worker secret' },
      },
    },
    paths,
  };
}
