// GET /openapi.json: the public API described from the very zod schemas that validate it, so the
// document cannot drift from what the Worker accepts.
import { Hono } from 'hono';
import { z } from 'zod';
import { conferenceGroupInput, conferenceGroupView, conferenceRequest, externalParticipantInput, redialRequest } from '../../shared/conferences.js';
import { amoClickToCall, amoCrmConfig } from '../../shared/amocrm.js';
import { callbackRequest, jobListQuery, jobView } from '../../shared/jobs.js';
import { missedCallPolicy, missedCallReport } from '../../shared/missed-calls.js';
import { pbxSettingsRequest } from '../../shared/pbx.js';
import { statusCallbackSettings, statusEvent, webhookSecretRequest } from '../../shared/webhooks.js';
import { widgetCallbackRequest, widgetConfig } from '../../shared/widget.js';
import type { AppEnv } from '../env.js';
import { createApiKeyRequest, createPbxRequest } from './admin.js';

const problem = z.object({
  status: z.int(),
  code: z.string(),
  message: z.string(),
  field: z.string().optional(),
  requestId: z.string().optional(),
});

const schema = (s: z.ZodType, io: 'input' | 'output' = 'output'): unknown => z.toJSONSchema(s, { io, unrepresentable: 'any' });
const json = (s: z.ZodType, io: 'input' | 'output' = 'output') => ({ content: { 'application/json': { schema: schema(s, io) } } });
const problems = (...codes: number[]) =>
  Object.fromEntries(codes.map((code) => [String(code), { description: 'problem', ...json(problem) }]));
const pbxParam = { name: 'pbx', in: 'path', required: true, schema: { type: 'string' } };

export function openApiDocument(): unknown {
  return {
    openapi: '3.1.0',
    info: { title: 'Perezvon', version: '1', description: 'Callbacks through your Asterisk PBX.' },
    components: {
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', description: 'pzk_… key issued by the admin API for one PBX' },
        admin: { type: 'http', scheme: 'bearer', description: 'the ADMIN_TOKEN Worker secret' },
      },
    },
    paths: {
      '/v1/pbxes/{pbx}/callbacks': {
        post: {
          summary: 'Queue a callback',
          security: [{ apiKey: [] }],
          parameters: [pbxParam, { name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string' } }],
          requestBody: { required: true, ...json(callbackRequest, 'input') },
          responses: { '202': { description: 'queued', ...json(jobView) }, '200': { description: 'the job of an earlier request with the same Idempotency-Key', ...json(jobView) }, ...problems(400, 401, 409, 413, 415, 422) },
        },
      },
      '/v1/pbxes/{pbx}/jobs': {
        get: {
          summary: 'List jobs, oldest first',
          security: [{ apiKey: [] }],
          parameters: [pbxParam, ...Object.keys(jobListQuery.shape).map((name) => ({ name, in: 'query', required: false, schema: { type: 'string' } }))],
          responses: { '200': { description: 'a page of jobs', ...json(z.object({ jobs: z.array(jobView), nextCursor: z.string().nullable() })) }, ...problems(400, 401) },
        },
      },
      '/v1/pbxes/{pbx}/jobs/{id}': {
        get: { summary: 'A job with its attempts', security: [{ apiKey: [] }], parameters: [pbxParam, { name: 'id', in: 'path', required: true, schema: { type: 'string' } }], responses: { '200': { description: 'the job', ...json(jobView) }, ...problems(401, 404) } },
        delete: { summary: 'Cancel a job that has not connected', security: [{ apiKey: [] }], parameters: [pbxParam, { name: 'id', in: 'path', required: true, schema: { type: 'string' } }], responses: { '200': { description: 'cancelled', ...json(jobView) }, '202': { description: 'the call is being hung up', ...json(jobView) }, ...problems(401, 404, 409) } },
      },
      '/v1/pbxes/{pbx}/conference-groups': {
        get: { summary: 'Conference groups', security: [{ apiKey: [] }], parameters: [pbxParam], responses: { '200': { description: 'groups', ...json(z.object({ groups: z.array(conferenceGroupView) })) }, ...problems(401) } },
        post: { summary: 'Create a conference group', security: [{ apiKey: [] }], parameters: [pbxParam], requestBody: { required: true, ...json(conferenceGroupInput, 'input') }, responses: { '201': { description: 'created', ...json(conferenceGroupView) }, ...problems(400, 401, 409) } },
      },
      '/v1/pbxes/{pbx}/conferences': {
        post: { summary: 'Assemble a conference: dial every member into the room', security: [{ apiKey: [] }], parameters: [pbxParam], requestBody: { required: true, ...json(conferenceRequest, 'input') }, responses: { '202': { description: 'members queued for dialling' }, ...problems(400, 401, 404, 422) } },
      },
      '/v1/pbxes/{pbx}/conferences/{id}/redial': {
        post: { summary: 'Dial members who did not join again', security: [{ apiKey: [] }], parameters: [pbxParam, { name: 'id', in: 'path', required: true, schema: { type: 'string' } }], requestBody: { required: false, ...json(redialRequest, 'input') }, responses: { '202': { description: 'requeued' }, ...problems(400, 401, 404) } },
      },
      '/v1/pbxes/{pbx}/rooms/{room}/external-participant': {
        put: { summary: "Set a room's permanent external participant", security: [{ apiKey: [] }], parameters: [pbxParam, { name: 'room', in: 'path', required: true, schema: { type: 'string' } }], requestBody: { required: true, ...json(externalParticipantInput, 'input') }, responses: { '200': { description: 'the rule' }, ...problems(400, 401, 422) } },
      },
      '/v1/widget/{key}/callbacks': {
        post: { summary: 'Website button: ask for a callback (CORS to the widget origins; Turnstile when configured; rate-limited)', parameters: [{ name: 'key', in: 'path', required: true, schema: { type: 'string' } }], requestBody: { required: true, ...json(widgetCallbackRequest, 'input') }, responses: { '202': { description: '{ token, state, duplicate, scheduledFor }' }, '200': { description: 'the pending callback of the same number' }, ...problems(400, 403, 422, 429, 503) } },
      },
      '/v1/widget/status/{token}': {
        get: { summary: "A widget callback's coarse state, nothing else", parameters: [{ name: 'token', in: 'path', required: true, schema: { type: 'string' } }], responses: { '200': { description: '{ state: queued | calling | connected | failed | cancelled }' }, ...problems(404) } },
      },
      '/v1/pbxes/{pbx}/hooks/generic': {
        post: { summary: 'CRM webhook (Standard Webhooks signature): call this customer from this operator', parameters: [pbxParam, ...['webhook-id', 'webhook-timestamp', 'webhook-signature'].map((name) => ({ name, in: 'header', required: true, schema: { type: 'string' } }))], requestBody: { required: true, ...json(callbackRequest, 'input') }, responses: { '202': { description: 'queued', ...json(jobView) }, ...problems(400, 401, 422) } },
      },
      '/v1/pbxes/{pbx}/hooks/amocrm': {
        post: { summary: "amoCRM click-to-call: ring the user's extension, then the number (X-Perezvon-Secret header; same requestId, same job)", parameters: [pbxParam, { name: 'x-perezvon-secret', in: 'header', required: true, schema: { type: 'string' } }], requestBody: { required: true, ...json(amoClickToCall, 'input') }, responses: { '202': { description: '{ jobId, status }' }, '200': { description: 'the job of an earlier request with this requestId' }, ...problems(400, 401, 409, 422) } },
      },
      '/v1/pbxes/{pbx}/events/missed-call': {
        post: { summary: 'Report a missed call (API key or signature)', security: [{ apiKey: [] }], parameters: [pbxParam], requestBody: { required: true, ...json(missedCallReport, 'input') }, responses: { '202': { description: 'merged into the pending callback of that number, or a new one' }, ...problems(400, 401) } },
      },
      '/v1/pbxes/{pbx}/jobs/{id}/deliveries': {
        get: { summary: "Status-callback deliveries of a job and their attempts (each event body as in the schema below)", security: [{ apiKey: [] }], parameters: [pbxParam, { name: 'id', in: 'path', required: true, schema: { type: 'string' } }], responses: { '200': { description: 'deliveries', ...json(z.object({ event: statusEvent })) }, ...problems(401, 404) } },
      },
      '/v1/admin/pbxes/{pbx}/widgets': { post: { summary: 'Create a widget key bound to origins, a PBX target and policies', security: [{ admin: [] }], parameters: [pbxParam], requestBody: { required: true, ...json(widgetConfig, 'input') }, responses: { '201': { description: 'the key and a ready-to-paste embed' }, ...problems(400, 401, 404) } } },
      '/v1/admin/pbxes/{pbx}/webhook-secrets': { post: { summary: 'Create an inbound or outbound webhook secret (shown once)', security: [{ admin: [] }], parameters: [pbxParam], requestBody: { required: true, ...json(webhookSecretRequest, 'input') }, responses: { '201': { description: 'the whsec_ secret' }, ...problems(400, 401, 404, 409) } } },
      '/v1/admin/pbxes/{pbx}/status-callbacks': { put: { summary: 'Default status-callback URL and retry backoff of the PBX', security: [{ admin: [] }], parameters: [pbxParam], requestBody: { required: true, ...json(statusCallbackSettings, 'input') }, responses: { '200': { description: 'saved' }, ...problems(400, 401, 422) } } },
      '/v1/admin/pbxes/{pbx}/integrations/amocrm': { put: { summary: 'amoCRM connection (token sealed, never returned; the first PUT answers the click-to-call secret once)', security: [{ admin: [] }], parameters: [pbxParam], requestBody: { required: true, ...json(amoCrmConfig, 'input') }, responses: { '200': { description: 'the connection, with a token hint' }, ...problems(400, 401, 404, 503) } } },
      '/v1/admin/pbxes/{pbx}/missed-calls/policy': { put: { summary: 'Missed-call callback policy', security: [{ admin: [] }], parameters: [pbxParam], requestBody: { required: true, ...json(missedCallPolicy, 'input') }, responses: { '200': { description: 'saved' }, ...problems(400, 401) } } },
      '/v1/admin/pbxes': {
        post: { summary: 'Create a PBX; returns its relay token once', security: [{ admin: [] }], requestBody: { required: true, ...json(createPbxRequest, 'input') }, responses: { '201': { description: 'created' }, ...problems(400, 401, 409) } },
      },
      '/v1/admin/pbxes/{pbx}/settings': { put: { summary: 'Replace the PBX settings as a whole (numbering plan, destination rules, extension plan, …)', security: [{ admin: [] }], parameters: [pbxParam], requestBody: { required: true, ...json(pbxSettingsRequest, 'input') }, responses: { '200': { description: 'the settings saved' }, ...problems(400, 401, 404) } } },
      '/v1/admin/pbxes/{pbx}/relay-token': { post: { summary: 'Rotate the relay token', security: [{ admin: [] }], parameters: [pbxParam], responses: { '201': { description: 'the new token, shown once' }, ...problems(401, 404) } } },
      '/v1/admin/pbxes/{pbx}/api-keys': {
        post: { summary: 'Issue an API key', security: [{ admin: [] }], parameters: [pbxParam], requestBody: { required: false, ...json(createApiKeyRequest, 'input') }, responses: { '201': { description: 'the key, shown once' }, ...problems(400, 401, 404) } },
        get: { summary: 'List the API keys (ids, labels, creation times; never the keys)', security: [{ admin: [] }], parameters: [pbxParam], responses: { '200': { description: 'the keys' }, ...problems(401, 404) } },
      },
      '/v1/admin/pbxes/{pbx}/api-keys/{key}': {
        delete: {
          summary: 'Revoke an API key (at once in the isolate that revokes it; within 60 s everywhere)', security: [{ admin: [] }],
          parameters: [pbxParam, { name: 'key', in: 'path', required: true, schema: { type: 'string' } }], responses: { '204': { description: 'revoked' }, ...problems(401, 404) },
        },
      },
    },
  };
}

export const openApiRoute = new Hono<AppEnv>();
let cached: unknown;
openApiRoute.get('/', (c) => c.json((cached ??= openApiDocument())));
