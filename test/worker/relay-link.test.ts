// The queue's side of the relay protocol, inside workerd: a scripted relay on a real WebSocket
// against the PBX's Durable Object. Offers that authorise the dial, batched progress, fencing,
// takeover and leases.
import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { JobView } from '../../shared/jobs.js';
import type { RelayFrame } from '../../shared/relay-protocol.js';
import { createPbx, DEFAULT_SETTINGS, openRelay, postJson, relayUpgrade, TestRelay } from './helpers.js';
import { waitFor } from '../../testkit/wait.js';

/** A relay that also dials what it is offered, as the real one does. */
class ScriptedRelay extends TestRelay {
  /** Journals and dials the offer, and acknowledges it in its next heartbeat batch. */
  async dial(offer: { attemptId: string; fence: number }): Promise<void> {
    this.progress({ attemptId: offer.attemptId, fence: offer.fence, phase: 'originating' });
    await this.next('heartbeat.ack');
  }
}

const relayFor = (pbx: string, token: string): Promise<ScriptedRelay> => openRelay(pbx, token, (ws) => new ScriptedRelay(ws));

async function job(pbx: string, auth: Record<string, string>, id: string): Promise<JobView> {
  return (await (await SELF.fetch(`http://w/v1/pbxes/${pbx}/jobs/${id}`, { headers: auth })).json()) as JobView;
}

const request = { customer: '+79991234567', operator: { extension: '101' } };

async function queue(pbx: string, auth: Record<string, string>, body: unknown): Promise<JobView> {
  return (await (await postJson(`http://w/v1/pbxes/${pbx}/callbacks`, body, auth)).json()) as JobView;
}
const result = (attemptId: string, fence: number, outcome: 'answered' | 'busy', at = Date.now()): RelayFrame => ({
  type: 'attempt.result', attemptId, fence, outcome, certainty: 'known', cause: outcome === 'busy' ? 17 : 16, causeText: null, failedLeg: outcome === 'busy' ? 'customer' : null,
  originatedAt: at - 1000, answeredAt: outcome === 'answered' ? at - 500 : null, endedAt: at, durationMs: outcome === 'answered' ? 500 : null, note: null,
});

describe('relay link', () => {
  it('refuses a wrong relay token and a missing protocol', async () => {
    const { pbx, relayToken } = await createPbx();
    expect((await relayUpgrade(pbx, 'pzr_wrongwrongwrongwrongwrongwrong')).status).toBe(401);
    expect((await relayUpgrade(pbx, relayToken, 'other')).status).toBe(400);
  });

  it('offers a job to the session it fences it to, takes the batched progress, and records the result', async () => {
    const { pbx, relayToken, auth } = await createPbx();
    const relay = await relayFor(pbx, relayToken);
    relay.hello();
    const created = await queue(pbx, auth, request);
    const offer = await relay.next('job.offer');
    expect(offer.jobId).toBe(created.id);
    expect(offer.plan).toMatchObject({ direction: 'operator-first', customer: '+79991234567', contexts: { operator: 'from-internal', customer: 'from-internal' } });
    expect((await job(pbx, auth, created.id)).status).toBe('dispatched');
    const at = Date.now();
    relay.progress(
      { attemptId: offer.attemptId, fence: offer.fence, phase: 'originating', at: at - 1000 },
      { attemptId: offer.attemptId, fence: offer.fence, phase: 'answered', at: at - 500 },
    );
    await relay.next('heartbeat.ack');
    const running = await job(pbx, auth, created.id);
    expect(running.status).toBe('running');
    expect(running.attempts[0]).toMatchObject({ status: 'answered', originatedAt: new Date(at - 1000).toISOString(), answeredAt: new Date(at - 500).toISOString() });
    relay.send(result(offer.attemptId, offer.fence, 'answered', at));
    await relay.next('result.ack');
    const done = await job(pbx, auth, created.id);
    expect(done.status).toBe('succeeded');
    expect(done.attempts).toHaveLength(1);
    expect(done.attempts[0]).toMatchObject({ outcome: 'answered', status: 'ended', durationMs: 500 });
  });

  it('records an attempt whose operator gave up while the customer rang as abandoned by the operator: the job fails, it is not cancelled', async () => {
    const { pbx, relayToken, auth } = await createPbx();
    const relay = await relayFor(pbx, relayToken);
    relay.hello();
    const created = await queue(pbx, auth, { ...request, retry: { maxAttempts: 2, backoffSec: [60], retryOn: ['busy'] } });
    const offer = await relay.next('job.offer');
    await relay.dial(offer);
    relay.send({
      type: 'attempt.result', attemptId: offer.attemptId, fence: offer.fence, outcome: 'abandoned', certainty: 'known', cause: 16, causeText: null,
      failedLeg: 'operator', originatedAt: Date.now() - 1000, answeredAt: null, endedAt: Date.now(), durationMs: null, note: null,
    });
    await relay.next('result.ack');
    const done = await job(pbx, auth, created.id);
    expect(done.status).toBe('failed');
    expect(done.attempts[0]).toMatchObject({ outcome: 'abandoned', failedLeg: 'operator', status: 'ended' });
    expect(done.lastError).toBe('abandoned; not retried');
  });

  it('names the session in the offer, so a relay in any other session can tell the offer is not for it', async () => {
    const { pbx, relayToken, auth } = await createPbx();
    const relay = await relayFor(pbx, relayToken);
    relay.hello();
    await queue(pbx, auth, request);
    const offer = await relay.next('job.offer');
    expect(offer.sessionId).toBe(relay.sessionId);
    const other = await relayFor(pbx, relayToken);
    other.hello([], 'ready', 4, 'relay-b');
    await queue(pbx, auth, { ...request, customer: '+79990000000' });
    const second = await other.next('job.offer');
    expect(second.sessionId).toBe(other.sessionId);
    expect(second.sessionId).not.toBe(offer.sessionId);
  });

  it('ignores a result with a stale fence and keeps the job running', async () => {
    const { pbx, relayToken, auth } = await createPbx();
    const relay = await relayFor(pbx, relayToken);
    relay.hello();
    const created = await queue(pbx, auth, request);
    const offer = await relay.next('job.offer');
    await relay.dial(offer);
    relay.send(result(offer.attemptId, offer.fence + 100, 'answered'));
    await relay.next('result.ack');
    expect((await job(pbx, auth, created.id)).status).toBe('running');
  });

  it('offers nothing while the relay reports AMI down, and offers at once when it comes up', async () => {
    const { pbx, relayToken, auth } = await createPbx();
    const relay = await relayFor(pbx, relayToken);
    relay.hello([], 'down');
    await postJson(`http://w/v1/pbxes/${pbx}/callbacks`, request, auth);
    const status = (await (await SELF.fetch(`http://w/v1/pbxes/${pbx}/status`, { headers: auth })).json()) as { relay: { connected: boolean; ami: string }; queued: number };
    expect(status).toMatchObject({ relay: { connected: true, ami: 'down' }, queued: 1 });
    expect(relay.has('job.offer')).toBe(false);
    relay.send({ type: 'heartbeat', ami: 'ready', inFlight: 0 });
    await relay.next('job.offer');
  });

  it('never offers more calls than the PBX limit', async () => {
    const { pbx, relayToken, auth } = await createPbx({ ...DEFAULT_SETTINGS, maxConcurrentCalls: 1 });
    const relay = await relayFor(pbx, relayToken);
    relay.hello();
    await postJson(`http://w/v1/pbxes/${pbx}/callbacks`, request, auth);
    await postJson(`http://w/v1/pbxes/${pbx}/callbacks`, { ...request, customer: '+79990000000' }, auth);
    const first = await relay.next('job.offer');
    await relay.settled();
    expect(relay.has('job.offer')).toBe(false);
    await relay.dial(first);
    relay.send(result(first.attemptId, first.fence, 'answered'));
    const second = await relay.next('job.offer');
    expect(second.plan.customer).toBe('+79990000000');
  });

  it('hands the dispatch right to a newer session and tells the older one', async () => {
    const { pbx, relayToken, auth } = await createPbx();
    const older = await relayFor(pbx, relayToken);
    older.hello();
    const newer = await relayFor(pbx, relayToken);
    await older.next('superseded');
    newer.hello();
    await postJson(`http://w/v1/pbxes/${pbx}/callbacks`, request, auth);
    await newer.next('job.offer');
    expect(older.has('job.offer')).toBe(false);
  });

  it('re-offers an offer the relay died with before journalling it, but not one it journalled', async () => {
    const { pbx, relayToken, auth } = await createPbx();
    const first = await relayFor(pbx, relayToken);
    first.hello();
    const a = await queue(pbx, auth, request);
    const offerA = await first.next('job.offer');
    const b = await queue(pbx, auth, { ...request, customer: '+79990000000' });
    const offerB = await first.next('job.offer');
    await first.dial(offerB);
    first.ws.close(1000, 'relay killed');

    const second = await relayFor(pbx, relayToken);
    // The journal holds B (dialled) but not A (the relay died between receiving A and journalling it).
    second.hello([{ attemptId: offerB.attemptId, fence: offerB.fence }]);
    const again = await second.next('job.offer');
    expect(again.jobId).toBe(a.id);
    expect(again.attemptId).not.toBe(offerA.attemptId);
    expect(again.fence).toBeGreaterThan(offerA.fence);
    await second.settled();
    expect(second.frames.filter((f) => f.type === 'job.offer')).toHaveLength(0); // B is not offered again
    second.send(result(offerB.attemptId, offerB.fence, 'busy'));
    await second.next('result.ack');
    const jobB = await job(pbx, auth, b.id);
    expect(jobB.attempts).toHaveLength(1);
    expect(jobB.attempts[0]!.outcome).toBe('busy');
    expect(jobB.status).toBe('queued'); // busy retries later under the default policy
    expect(jobB.nextAttemptAt).not.toBeNull();
  });

  it('acknowledges the heartbeats of a displaced session, so its reports settle, but never lets it take the PBX back or offers it anything', async () => {
    const { pbx, relayToken, auth } = await createPbx();
    const old = await relayFor(pbx, relayToken);
    old.hello();
    old.send({ type: 'heartbeat', ami: 'ready', inFlight: 0 });
    await old.next('heartbeat.ack');
    const current = await relayFor(pbx, relayToken);
    current.hello();
    await old.next('superseded');
    old.send({ type: 'heartbeat', ami: 'ready', inFlight: 0 });
    await old.next('heartbeat.ack');
    old.hello();
    await old.next('superseded');
    await queue(pbx, auth, request);
    await current.next('job.offer');
    // The queue handles one session's frames in order: an ack after the offer proves none went to the old one.
    old.send({ type: 'heartbeat', ami: 'ready', inFlight: 0 });
    await old.next('heartbeat.ack');
    expect(old.has('job.offer')).toBe(false);
  });

  it('refuses a frame that does not match the protocol without changing anything', async () => {
    const { pbx, relayToken } = await createPbx();
    const relay = await relayFor(pbx, relayToken);
    relay.ws.send(JSON.stringify({ type: 'attempt.result', attemptId: 'x', fence: 1, outcome: 'answered\r\nAction: Ping' }));
    const err = await relay.next('error');
    expect(err.code).toBe('bad_frame');
  });

  it('closes a session that leaves an offer unacknowledged, and offers the job again only once the relay says it never journalled it', async () => {
    const { pbx, relayToken, auth } = await createPbx({ ...DEFAULT_SETTINGS, offerTimeoutSec: 1 });
    const relay = await relayFor(pbx, relayToken);
    relay.hello();
    const created = await queue(pbx, auth, request);
    const first = await relay.next('job.offer');
    // Silent past the offer timeout: the queue stops trusting the session instead of offering the job elsewhere.
    await waitFor(() => (relay.closed ? true : undefined), 'the queue to close the silent session', 8000, 50);
    expect(relay.has('job.offer')).toBe(false);
    expect((await job(pbx, auth, created.id)).attempts.map((a) => a.status)).toEqual(['offered']);
    const back = await relayFor(pbx, relayToken);
    back.hello([]);
    const second = await back.next('job.offer');
    expect(second.jobId).toBe(created.id);
    expect(second.attemptId).not.toBe(first.attemptId);
    expect(second.fence).toBeGreaterThan(first.fence);
    const view = await job(pbx, auth, created.id);
    expect(view.attempts.map((a) => a.status)).toEqual(['abandoned', 'offered']);
  });

  it('keeps an offer in flight during a takeover with the session it was made to, which dials and reports it', async () => {
    const { pbx, relayToken, auth } = await createPbx();
    const older = await relayFor(pbx, relayToken);
    older.hello();
    const created = await queue(pbx, auth, request);
    const offer = await older.next('job.offer');
    const newer = await relayFor(pbx, relayToken);
    newer.hello([], 'ready', 4, 'relay-b');
    await older.next('superseded');
    await newer.settled();
    expect(newer.has('job.offer')).toBe(false); // the offer may be dialling: never offered to the new relay
    // The displaced relay had journalled it when the takeover came: its progress and result still count.
    await older.dial(offer);
    older.send(result(offer.attemptId, offer.fence, 'answered'));
    await older.next('result.ack');
    const done = await job(pbx, auth, created.id);
    expect(done.status).toBe('succeeded');
    expect(done.attempts).toHaveLength(1);
    expect(newer.has('job.offer')).toBe(false);
  });

  it('fails an offer in flight during a takeover whose displaced relay never reports, instead of offering it to the new relay', async () => {
    const { pbx, relayToken, auth } = await createPbx({ ...DEFAULT_SETTINGS, reconcileTimeoutSec: 2 });
    const older = await relayFor(pbx, relayToken);
    older.hello();
    const created = await queue(pbx, auth, request);
    await older.next('job.offer');
    const newer = await relayFor(pbx, relayToken);
    newer.hello([], 'ready', 4, 'relay-b');
    await older.next('superseded');
    older.ws.close(1000, 'displaced relay gone');
    const view = await waitFor(async () => {
      const v = await job(pbx, auth, created.id);
      return v.status === 'failed' ? v : undefined;
    }, 'the unreported offer to fail', 8000, 200);
    expect(view.attempts).toHaveLength(1);
    expect(view.attempts[0]!.certainty).toBe('unknown');
    await newer.settled();
    expect(newer.has('job.offer')).toBe(false);
  });

  it('settles the offers of an older session by the hello of the newer one, so a stale offer never runs beside its re-offer', async () => {
    const { pbx, relayToken, auth } = await createPbx();
    const old = await relayFor(pbx, relayToken);
    old.hello();
    const created = await queue(pbx, auth, request);
    const stale = await old.next('job.offer');
    // The same relay reconnects (its old socket is gone for it): the offer may still be on the old wire.
    const current = await relayFor(pbx, relayToken);
    current.hello([]);
    const fresh = await current.next('job.offer');
    expect(fresh.jobId).toBe(created.id);
    expect(fresh.sessionId).not.toBe(stale.sessionId);
    // Whatever the old session says about the stale attempt now changes nothing.
    old.send(result(stale.attemptId, stale.fence, 'answered'));
    await old.next('result.ack');
    const view = await job(pbx, auth, created.id);
    expect(view.status).toBe('dispatched');
    expect(view.attempts.map((a) => a.status)).toEqual(['abandoned', 'offered']);
  });

  it('fails a started attempt whose relay never comes back, instead of guessing or dialling again', async () => {
    const { pbx, relayToken, auth } = await createPbx({ ...DEFAULT_SETTINGS, reconcileTimeoutSec: 2 });
    const relay = await relayFor(pbx, relayToken);
    relay.hello();
    const created = await queue(pbx, auth, request);
    const offer = await relay.next('job.offer');
    await relay.dial(offer);
    relay.ws.close(1000, 'relay gone');
    const view = await waitFor(async () => {
      const v = await job(pbx, auth, created.id);
      return v.status === 'failed' ? v : undefined;
    }, 'the silent attempt to fail', 8000, 200);
    expect(view.status).toBe('failed');
    expect(view.attempts).toHaveLength(1);
    expect(view.attempts[0]!.note).toMatch(/outcome unknown/);
    expect(view.attempts[0]!.certainty).toBe('unknown');
  });

  it('expires a queued job nobody could run before its expiry', async () => {
    const { pbx, auth } = await createPbx();
    const expiresAt = new Date(Date.now() + 1500).toISOString();
    const created = await queue(pbx, auth, { ...request, expiresAt });
    const view = await waitFor(async () => {
      const v = await job(pbx, auth, created.id);
      return v.status === 'queued' ? undefined : v;
    }, 'the job to leave the queue', 8000, 200);
    expect(view.status).toBe('expired');
    expect(view.attempts).toHaveLength(0);
  });

  it('applies the retry policy of the job over the PBX default', async () => {
    const { pbx, relayToken, auth } = await createPbx();
    const relay = await relayFor(pbx, relayToken);
    relay.hello();
    const created = await queue(pbx, auth, { ...request, retry: { maxAttempts: 1 } });
    const offer = await relay.next('job.offer');
    await relay.dial(offer);
    relay.send(result(offer.attemptId, offer.fence, 'busy'));
    await relay.next('result.ack');
    const view = await job(pbx, auth, created.id);
    expect(view.status).toBe('failed');
    expect(view.lastError).toMatch(/busy after 1 attempt/);
  });
});
