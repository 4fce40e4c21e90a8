// The amoCRM connection in workerd: what the admin API accepts (the host is derived from a subdomain
// and one of two domains, never a URL), that the token is stored sealed and never returned, how a
// finished attempt becomes a /api/v4/calls entry, and the pacing of requests per account.
import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { AttemptView, JobView } from '../../shared/jobs.js';
import { open, seal, sealKey } from '../../worker/auth/sealed-secret.js';
import { amoCallEntry, amoCallsUrl, loggedAttempt } from '../../worker/pbx-queue/amocrm-call.js';
import { SendPacer } from '../../worker/pbx-queue/send-pacer.js';
import { ADMIN, createPbx, postJson } from './helpers.js';

const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.workerd-test-token.sig-Q7pL';
const KEY = 'cGVyZXp2b24tdGVzdHMtYW1vY3JtLWtleS0zMmJ5dGU=';

function put(pbx: string, body: unknown): Promise<Response> {
  return SELF.fetch(`http://w/v1/admin/pbxes/${pbx}/integrations/amocrm`, { method: 'PUT', headers: { ...ADMIN, 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

const valid = { subdomain: 'acme', domain: 'kommo.com', token: TOKEN, users: { '1001': '101' } };

describe('amoCRM connection (admin API)', () => {
  it.each([
    ['a domain that is not amoCRM’s', { domain: 'evil.example' }, 'domain'],
    ['a subdomain that spells another host', { subdomain: 'evil.example#' }, 'subdomain'],
    ['a subdomain with a dot', { subdomain: 'acme.evil' }, 'subdomain'],
    ['a URL instead of a subdomain', { subdomain: 'https://acme.amocrm.ru' }, 'subdomain'],
    ['an extension that is no extension', { users: { '1001': '101\r\nAction: Command' } }, 'users.1001'],
    ['a user id that is no id', { users: { abc: '101' } }, 'users.abc'],
    ['an unknown source', { sources: ['api', 'fax'] }, 'sources.1'],
    ['an unknown field', { restUrl: 'https://acme.amocrm.ru/' }, undefined],
  ])('refuses %s', async (_what, change, field) => {
    const { pbx } = await createPbx();
    const res = await put(pbx, { ...valid, ...change });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { field?: string };
    if (field !== undefined) expect(body.field).toBe(field);
  });

  it('needs the token the first time, keeps it when left out later, and never shows it', async () => {
    const { pbx } = await createPbx();
    const { token: _, ...withoutToken } = valid;
    expect((await put(pbx, withoutToken)).status).toBe(400);
    const first = await put(pbx, { ...valid, sources: ['api', 'campaign'] });
    expect(first.status).toBe(200);
    const firstText = await first.text();
    expect(firstText).not.toContain(TOKEN.slice(0, 30));
    expect(JSON.parse(firstText)).toMatchObject({ tokenHint: '…Q7pL', sources: ['api', 'campaign'], clickToCallSecret: expect.stringMatching(/^pza_/) });
    // PUT replaces the connection as a whole; only the token may be left out to keep it.
    const second = (await (await put(pbx, { ...withoutToken, users: { '1001': '102' }, sources: ['api', 'campaign'] })).json()) as Record<string, unknown>;
    expect(second).toMatchObject({ tokenHint: '…Q7pL', users: { '1001': '102' } });
    expect(second.clickToCallSecret).toBeUndefined();
    // Another account is another token: moving the connection without one is refused.
    expect((await put(pbx, { ...withoutToken, subdomain: 'other' })).status).toBe(400);
    const got = await SELF.fetch(`http://w/v1/admin/pbxes/${pbx}/integrations/amocrm`, { headers: ADMIN });
    const text = await got.text();
    expect(text).not.toContain(TOKEN.slice(0, 30));
    expect(JSON.parse(text)).toEqual({ subdomain: 'acme', domain: 'kommo.com', tokenHint: '…Q7pL', users: { '1001': '102' }, sources: ['api', 'campaign'], state: 'connected', brokenAt: null, brokenReason: null });
  });

  it('rotates the click-to-call secret: the old one stops at once', async () => {
    const { pbx, auth } = await createPbx();
    const { clickToCallSecret: old } = (await (await put(pbx, valid)).json()) as { clickToCallSecret: string };
    const rotated = await postJson(`http://w/v1/admin/pbxes/${pbx}/integrations/amocrm/click-to-call-secret`, {}, ADMIN);
    const { clickToCallSecret: next } = (await rotated.json()) as { clickToCallSecret: string };
    expect(next).not.toBe(old);
    const click = (secret: string, requestId: string) => postJson(`http://w/v1/pbxes/${pbx}/hooks/amocrm`, { userId: '1001', phone: '8 999 123-45-67', requestId }, { 'x-perezvon-secret': secret });
    expect((await click(old, 'c-1')).status).toBe(401);
    const ok = await click(next, 'c-2');
    expect(ok.status).toBe(202);
    const { jobId } = (await ok.json()) as { jobId: string };
    const job = (await (await SELF.fetch(`http://w/v1/pbxes/${pbx}/jobs/${jobId}`, { headers: auth })).json()) as JobView;
    expect(job.request).toMatchObject({ customer: '+79991234567', operator: { extension: '101' }, direction: 'operator-first', metadata: { source: 'amocrm', amocrmUserId: '1001' } });
    const removed = await SELF.fetch(`http://w/v1/admin/pbxes/${pbx}/integrations/amocrm`, { method: 'DELETE', headers: ADMIN });
    expect(removed.status).toBe(204);
    expect((await click(next, 'c-3')).status).toBe(401);
  });

  it('answers a widget’s CORS preflight for an amoCRM or Kommo account origin only', async () => {
    const { pbx } = await createPbx();
    const preflight = (origin: string) => SELF.fetch(`http://w/v1/pbxes/${pbx}/hooks/amocrm`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST' } });
    const ok = await preflight('https://acme.kommo.com');
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://acme.kommo.com');
    expect(ok.headers.get('access-control-allow-headers')).toContain('x-perezvon-secret');
    expect((await preflight('https://acme.kommo.com.evil.example')).headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('amoCRM API host', () => {
  it('is derived from the subdomain and domain; the test override counts only as a loopback origin', () => {
    expect(amoCallsUrl('acme', 'amocrm.ru', undefined)).toBe('https://acme.amocrm.ru/api/v4/calls');
    expect(amoCallsUrl('acme', 'kommo.com', 'http://127.0.0.1:4321')).toBe('http://127.0.0.1:4321/api/v4/calls');
    expect(amoCallsUrl('acme', 'kommo.com', 'https://collector.evil.example')).toBe('https://acme.kommo.com/api/v4/calls');
    expect(amoCallsUrl('acme', 'kommo.com', 'http://127.0.0.1.evil.example:80')).toBe('https://acme.kommo.com/api/v4/calls');
  });
});

describe('sealed token', () => {
  it('opens with the same key and context only, and fails on any change', async () => {
    const key = await sealKey(KEY);
    if (typeof key === 'string') throw new Error(key);
    const sealed = await seal(key, TOKEN, 'amocrm-token:office');
    expect(sealed).not.toContain('workerd-test-token');
    expect(await open(key, sealed, 'amocrm-token:office')).toBe(TOKEN);
    expect(await open(key, sealed, 'amocrm-token:other')).toBeUndefined();
    const other = await sealKey(btoa('another-key-of-thirty-two-bytes!'));
    if (typeof other === 'string') throw new Error(other);
    expect(await open(other, sealed, 'amocrm-token:office')).toBeUndefined();
    const [v, iv, data] = sealed.split('.');
    const flipped = `${data!.slice(0, 5)}${data![5] === 'A' ? 'B' : 'A'}${data!.slice(6)}`;
    expect(await open(key, `${v}.${iv}.${flipped}`, 'amocrm-token:office')).toBeUndefined();
  });

  it('names what is wrong with the key instead of using a weak one', async () => {
    expect(await sealKey(undefined)).toBe('missing');
    expect(await sealKey('c2hvcnQ=')).toBe('malformed');
    expect(await sealKey('not base64 at all!')).toBe('malformed');
  });
});

function attempt(a: Partial<AttemptView>): AttemptView {
  return {
    id: 'att_1', number: 1, status: 'ended', outcome: 'answered', certainty: 'known', cause: 16, causeText: 'Normal Clearing', failedLeg: null,
    dispatchedAt: '2026-12-02T10:00:00.000Z', originatedAt: '2026-12-02T10:00:01.500Z', answeredAt: '2026-12-02T10:00:05.000Z',
    endedAt: '2026-12-02T10:01:00.000Z', durationMs: 48_600, note: null, ...a,
  };
}

function job(attempts: AttemptView[], operator: JobView['request']['operator'] = { extension: '101' }): JobView {
  return {
    id: 'job_1', pbx: 'office', type: 'callback', status: 'succeeded', request: { customer: '+79991234567', operator, direction: 'operator-first' },
    requestedAt: '2026-12-02T10:00:00.000Z', notBefore: null, expiresAt: '2026-12-02T11:00:00.000Z', nextAttemptAt: null, attempts, lastError: null,
  };
}

describe('amoCRM call entry', () => {
  it('describes an answered call: outbound, uniq = the attempt, talk time in seconds, when it was dialled', () => {
    const a = attempt({});
    expect(amoCallEntry(job([a]), a, 1001)).toEqual({
      direction: 'outbound', uniq: 'att_1', duration: 49, source: 'perezvon', phone: '+79991234567', call_status: 4,
      call_result: 'Conversation (Q.850 16: Normal Clearing)', responsible_user_id: 1001, created_at: Date.parse('2026-12-02T10:00:01.500Z') / 1000 - 0.5,
    });
  });

  it.each([
    ['no-answer', 19, 'No answer', 6],
    ['busy', 17, 'User busy', 7],
    ['congestion', 34, 'Circuit/channel congestion', 8],
    ['failed', 1, 'Unallocated (unassigned) number', 8],
    ['cancelled', null, null, 8],
    // issue 17's outcome for a leg that gave up: no conversation, call again (see amocrm-call.ts).
    ['abandoned', 16, 'Normal Clearing', 6],
  ])('maps %s (Q.850 %s: %s) to call_status %i, with the cause in words', (outcome, cause, causeText, status) => {
    const a = attempt({ outcome: outcome as AttemptView['outcome'], cause, causeText, failedLeg: 'customer', durationMs: null });
    const entry = amoCallEntry(job([a]), a, undefined);
    expect(entry.call_status).toBe(status);
    expect(entry.duration).toBe(0);
    expect(entry.responsible_user_id).toBeUndefined();
    if (cause !== null) expect(entry.call_result).toContain(`Q.850 ${cause}: ${causeText}`);
  });

  it('says when the operator never took the call, and when the end was not observed', () => {
    const operator = attempt({ outcome: 'no-answer', cause: 19, causeText: 'No answer', failedLeg: 'operator' });
    expect(amoCallEntry(job([operator]), operator, undefined).call_result).toMatch(/^No answer — the operator did not take the call; the customer was not called/);
    const unknown = attempt({ outcome: 'answered', certainty: 'unknown', cause: null, causeText: null });
    expect(amoCallEntry(job([unknown]), unknown, undefined)).toMatchObject({ call_status: 8, call_result: expect.stringMatching(/^Outcome unknown/) });
  });

  it('belongs to the job’s last dialled attempt; a job that dialled nothing has none', () => {
    const busy = attempt({ id: 'att_1', outcome: 'busy' });
    const answered = attempt({ id: 'att_2', number: 2 });
    const lapsed = attempt({ id: 'att_3', number: 3, status: 'abandoned', outcome: null });
    expect(loggedAttempt(job([busy, answered, lapsed]))?.id).toBe('att_2');
    expect(loggedAttempt(job([lapsed]))).toBeUndefined();
    expect(loggedAttempt(job([]))).toBeUndefined();
  });
});

describe('send pacer', () => {
  it('grants 7 sends per second per account and names when the next slot frees', () => {
    const pacer = new SendPacer(7, 1000);
    for (let i = 0; i < 7; i++) expect(pacer.take('acme.amocrm.ru', 10_000 + i * 10)).toEqual({ ok: true });
    expect(pacer.take('acme.amocrm.ru', 10_100)).toEqual({ ok: false, retryAt: 11_000 });
    expect(pacer.take('other.kommo.com', 10_100)).toEqual({ ok: true });
    // The first send has left the window, so one slot is free again; the next frees when the second leaves.
    expect(pacer.take('acme.amocrm.ru', 11_000)).toEqual({ ok: true });
    expect(pacer.take('acme.amocrm.ru', 11_001)).toEqual({ ok: false, retryAt: 11_010 });
  });
});
