// Campaigns over HTTP, all under an API key of the PBX: create, lifecycle actions, contact imports
// (CSV or JSON, checked here and stored in chunks), results (counters, incremental contact list,
// CSV export), the PBX's do-not-call list and the task list. Each answer comes from the PBX's queue.
import { Hono, type Context } from 'hono';
import {
  CAMPAIGN_ACTIONS, campaignRequest, contactImportJson, contactListQuery, dncRequest,
  type CampaignAction, type ContactView, type ImportReport, type RejectedRow,
} from '../../shared/campaigns.js';
import type { AppEnv } from '../env.js';
import { parseJsonBody, parseOrThrow, readJson } from '../http/body.js';
import { requireApiKey } from '../http/pbx.js';
import { HttpProblem, notFound } from '../http/problem.js';
import { assertCallbackUrl } from '../http/signed-request.js';
import { readUpload, uploadKind } from '../http/upload.js';
import type { CampaignDesk, CampaignMethod } from '../campaigns/campaign-desk.js';
import { contactsFromCsv, contactsFromJson, type CheckedContact, type NumberReader } from '../campaigns/contact-import.js';
import { gateNumberFrom, policyOf, readE164, type Policy } from '../pbx-queue/number-gate.js';

const CAMPAIGN_ID = /^cmp_[A-Za-z0-9_-]{16}$/;
/** Contacts per RPC call: one chunk is one short turn of the Durable Object, so callbacks interleave. */
const IMPORT_CHUNK = 2_000;

export const campaignRoutes = new Hono<AppEnv>();

/**
 * The queue's `campaign` RPC method, typed per desk method: RPC stubs lose a method's generic
 * parameters, so the one cast that restores them lives here.
 */
async function campaignDesk(c: Context<AppEnv>): Promise<<M extends CampaignMethod>(method: M, ...args: Parameters<CampaignDesk[M]>) => Promise<ReturnType<CampaignDesk[M]>>> {
  const { stub } = await requireApiKey(c);
  const campaign = stub.campaign as unknown as (method: string, ...args: unknown[]) => Promise<unknown>;
  // Called on the stub itself (`.call` on an RPC stub would be a remote method named "call").
  return async (method, ...args) => (await (stub as unknown as { campaign: typeof campaign }).campaign(method, ...args)) as never;
}

function campaignId(c: Context<AppEnv>): string {
  const id = c.req.param('id') ?? '';
  if (!CAMPAIGN_ID.test(id)) throw notFound('campaign');
  return id;
}

campaignRoutes.post('/campaigns', async (c) => {
  const desk = await campaignDesk(c);
  const { value } = await readJson(c, campaignRequest);
  assertCallbackUrl(value.statusCallbackUrl, c.env, 'statusCallbackUrl');
  const result = await desk('create', value);
  if (result.kind === 'no-pbx') throw notFound('PBX');
  if (result.kind === 'invalid') throw new HttpProblem(422, 'validation_failed', result.message, result.field);
  return c.json(result.campaign, 201);
});

campaignRoutes.get('/campaigns', async (c) => {
  const desk = await campaignDesk(c);
  return c.json({ campaigns: await desk('list', 100) });
});

campaignRoutes.get('/campaigns/:id', async (c) => {
  const desk = await campaignDesk(c);
  const view = await desk('view', campaignId(c));
  if (view === undefined) throw notFound('campaign');
  return c.json(view);
});

campaignRoutes.post('/campaigns/:id/:action{start|pause|resume|stop}', async (c) => {
  const desk = await campaignDesk(c);
  const action = c.req.param('action') as CampaignAction;
  if (!CAMPAIGN_ACTIONS.includes(action)) throw notFound('route');
  const result = await desk('act', campaignId(c), action);
  if (result.kind === 'not-found') throw notFound('campaign');
  if (result.kind === 'conflict') throw new HttpProblem(409, 'conflict', result.message, 'state');
  return c.json(result.campaign);
});

campaignRoutes.post('/campaigns/:id/contacts', async (c) => {
  const { stub } = await requireApiKey(c);
  const desk = await campaignDesk(c);
  const id = campaignId(c);
  const kind = uploadKind(c);
  const [campaign, settings] = await Promise.all([desk('view', id), stub.pbxSettings()]);
  if (campaign === undefined || settings === null) throw notFound('campaign');
  const text = await readUpload(c);
  // The one numbering judge, as for every number that may be dialled; stored in E.164.
  const policy = policyOf(settings);
  const readNumber: NumberReader = (raw) => {
    const n = gateNumberFrom(policy, raw, campaign.request.defaultCountry, 'number');
    return n.ok ? { ok: true, e164: n.value.e164 } : { ok: false, reason: n.refusal.message };
  };
  const rules = { readNumber, campaignVariables: Object.keys(campaign.request.variables ?? {}).length };
  const checked = kind === 'csv' ? contactsFromCsv(text, rules) : contactsFromJson(jsonContacts(text), rules);
  if (!checked.ok) throw new HttpProblem(checked.status, checked.status === 413 ? 'body_too_large' : 'validation_failed', checked.message, checked.field);
  const report: ImportReport = { imported: 0, merged: checked.merged, rejected: 0, rejections: [...checked.rejections] };
  for (let i = 0; i < checked.contacts.length; i += IMPORT_CHUNK) {
    const chunk: CheckedContact[] = checked.contacts.slice(i, i + IMPORT_CHUNK);
    const result = await desk('importChunk', id, chunk);
    if (result.kind === 'not-found') throw notFound('campaign');
    if (result.kind === 'conflict') throw new HttpProblem(409, 'conflict', result.message, 'state');
    report.imported += result.imported;
    report.merged += result.merged;
    for (const row of result.overCap) report.rejections.push({ row, field: 'row', reason: 'the campaign already has the most contacts it may have (1,000,000)' });
  }
  report.rejections.sort((a: RejectedRow, b: RejectedRow) => a.row - b.row);
  report.rejected = report.rejections.length;
  return c.json(report, 200);
});

function jsonContacts(text: string): unknown[] {
  return parseOrThrow(contactImportJson, parseJsonBody(text)).contacts;
}

campaignRoutes.get('/campaigns/:id/contacts', async (c) => {
  const desk = await campaignDesk(c);
  const page = await desk('contacts', campaignId(c), parseOrThrow(contactListQuery, c.req.query()));
  if (page === undefined) throw notFound('campaign');
  return c.json(page);
});

const EXPORT_COLUMNS = ['id', 'number', 'name', 'timeZone', 'state', 'attempts', 'lastOutcome', 'lastCause', 'updatedAt'] as const;

/** RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled. */
const csvField = (v: string | number | null): string => {
  const s = v === null ? '' : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
};

campaignRoutes.get('/campaigns/:id/export.csv', async (c) => {
  const desk = await campaignDesk(c);
  const id = campaignId(c);
  const first = await desk('contacts', id, { limit: 1000 });
  if (first === undefined) throw notFound('campaign');
  const encoder = new TextEncoder();
  const line = (r: ContactView): string => `${EXPORT_COLUMNS.map((k) => csvField(r[k])).join(',')}\r\n`;
  const stream = new ReadableStream<Uint8Array>({
    async start(controller) {
      controller.enqueue(encoder.encode(`${EXPORT_COLUMNS.join(',')}\r\n`));
      let page = first;
      for (;;) {
        controller.enqueue(encoder.encode(page.contacts.map(line).join('')));
        if (page.nextCursor === null) break;
        const next = await desk('contacts', id, { limit: 1000, cursor: page.nextCursor });
        if (next === undefined) break;
        page = next;
      }
      controller.close();
    },
  });
  return new Response(stream, { headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="${id}.csv"` } });
});

// ── do-not-call list (per PBX, checked at dial time) ─────────────────────────────────────────

/** A do-not-call number: any valid number read by the PBX's plan, in E.164 (it is never dialled, so no destination rule applies). */
function dncNumber(policy: Policy, raw: string): string | undefined {
  const n = readE164(policy, raw.trim(), 'number');
  return n.ok ? n.value : undefined;
}

async function pbxPolicy(c: Context<AppEnv>): Promise<Policy> {
  const { stub } = await requireApiKey(c);
  const settings = await stub.pbxSettings();
  return settings === null ? undefined : policyOf(settings);
}

campaignRoutes.post('/dnc', async (c) => {
  const desk = await campaignDesk(c);
  const policy = await pbxPolicy(c);
  const kind = uploadKind(c);
  const text = await readUpload(c);
  let numbers: string[];
  if (kind === 'json') {
    numbers = parseOrThrow(dncRequest, parseJsonBody(text)).numbers;
  } else {
    const parsed = contactsFromCsv(text, { readNumber: (raw) => ({ ok: true, e164: raw }), campaignVariables: 0 });
    if (!parsed.ok) throw new HttpProblem(parsed.status, 'validation_failed', parsed.message, parsed.field);
    numbers = [...parsed.contacts.map((k) => k.number), ...parsed.rejections.map(() => '')];
  }
  const valid = numbers.map((n) => dncNumber(policy, n));
  const rejections = valid.flatMap((n, i) => (n === undefined ? [{ row: i + 1, field: 'number', reason: "not a valid phone number in this PBX's numbering plan" }] : []));
  const added = await desk('addDnc', valid.filter((n): n is string => n !== undefined));
  return c.json({ added, rejected: rejections.length, rejections });
});

campaignRoutes.delete('/dnc/:number', async (c) => {
  const desk = await campaignDesk(c);
  const number = dncNumber(await pbxPolicy(c), c.req.param('number'));
  if (number === undefined || !(await desk('removeDnc', number))) throw notFound('do-not-call number');
  return c.body(null, 204);
});

campaignRoutes.get('/dnc', async (c) => {
  const desk = await campaignDesk(c);
  const after = c.req.query('cursor') ?? '';
  if (after !== '' && dncNumber(await pbxPolicy(c), after) === undefined) throw new HttpProblem(400, 'validation_failed', 'cursor must be a number from an earlier page', 'cursor');
  const numbers = await desk('dnc', after, 1000);
  return c.json({ numbers, nextCursor: numbers.length === 1000 ? numbers.at(-1)?.number ?? null : null });
});

campaignRoutes.get('/tasks', async (c) => {
  const desk = await campaignDesk(c);
  return c.json({ tasks: await desk('tasks', 100) });
});
