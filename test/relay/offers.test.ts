// The relay's side of protocol 2 over real TCP against the AMI simulator, with the Worker link
// stood in for: the offer is the authorisation to dial, journalled before its Originate, and only in
// the session it names (shared/relay-protocol.ts, case 4: a stale offer after a newer session started).
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AmiConnection } from '../../relay/ami/connection.js';
import { Journal } from '../../relay/journal.js';
import type { WorkerLink } from '../../relay/link/worker-link.js';
import { Relay } from '../../relay/relay.js';
import type { CallbackPlan, QueueFrame, RelayFrame } from '../../shared/relay-protocol.js';
import { answers, startAmiSimulator, type AmiSimulator } from '../../sim/index.js';
import { headerOf } from '../../testkit/system.js';
import { waitFor } from '../../testkit/wait.js';
import { captureLogger } from './ami/logger.js';

/** Stands in for the WorkerLink: records what the relay sends and lets the test play the queue's frames. */
class FakeLink extends EventEmitter<{ frame: [QueueFrame] }> {
  readonly sent: RelayFrame[] = [];
  send(frame: RelayFrame): boolean {
    this.sent.push(frame);
    return true;
  }
  start(): void {}
  async stop(): Promise<void> {}
  welcome(sessionId: string): void {
    this.emit('frame', { type: 'welcome', protocol: 2, sessionId, pbx: 'office' });
  }
}

const plan: CallbackPlan = {
  kind: 'callback', direction: 'operator-first', customer: '+79990000001', operator: { extension: '101' },
  contexts: { operator: 'from-internal', customer: 'from-internal', queue: 'ext-queues' },
  operatorCallerIdName: 'Callback', customerCallerId: null, ringTimeoutMs: 5000, variables: {},
};
const offer = (attemptId: string, fence: number, sessionId: string): QueueFrame => ({ type: 'job.offer', attemptId, fence, sessionId, jobId: `job_${attemptId}`, attempt: 1, plan });

let sim: AmiSimulator;
let dir: string;
let relay: Relay | undefined;
let journal: Journal;
let link: FakeLink;

beforeEach(async () => {
  sim = await startAmiSimulator({ timeScale: 0.05, phones: { '101': answers({ ringMs: 100, holdMs: 20_000 }), '+79990000001': answers({ ringMs: 100, holdMs: 200 }) } });
  dir = mkdtempSync(join(tmpdir(), 'perezvon-offers-'));
  journal = Journal.open(join(dir, 'journal.jsonl'));
  link = new FakeLink();
  const { logger } = captureLogger();
  const ami = new AmiConnection({ host: sim.host, port: sim.port, username: 'relay', secret: 'relaysecret', logger });
  relay = new Relay({ relayId: 'relay-t', capacity: 4, ami, link: link as unknown as WorkerLink, journal, logger });
  relay.start();
  await waitFor(() => (ami.state === 'ready' ? true : undefined), 'AMI ready');
});

afterEach(async () => {
  await relay?.stop(0);
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

const originates = (): number => sim.actions.filter((a) => headerOf(a.headers, 'Action') === 'Originate').length;

describe('an offer reaching the relay', () => {
  it('is journalled and dialled at once, with no further word from the queue, and acknowledged in the next heartbeat', async () => {
    link.welcome('ses_now');
    link.emit('frame', offer('att_1', 7, 'ses_now'));
    expect(journal.get('att_1')).toMatchObject({ fence: 7, jobId: 'job_att_1' });
    await waitFor(() => (originates() === 1 ? true : undefined), 'the Originate');
    const beat = await waitFor(() => link.sent.find((f) => f.type === 'heartbeat' && f.progress !== undefined), 'the batched progress');
    expect(beat).toMatchObject({ progress: [expect.objectContaining({ attemptId: 'att_1', fence: 7, phase: 'originating' })] });
    expect(link.sent.some((f) => f.type === 'job.reject')).toBe(false);
  });

  it('is dropped, neither journalled nor dialled, when it was made for a session older than the current one', async () => {
    link.welcome('ses_old');
    link.welcome('ses_new'); // the relay reconnected: the old socket's offers are stale
    link.emit('frame', offer('att_stale', 3, 'ses_old'));
    expect(journal.get('att_stale')).toBeUndefined();
    // An offer of the current session after it goes through, so the stale one had its turn and was refused.
    link.emit('frame', offer('att_fresh', 4, 'ses_new'));
    await waitFor(() => (originates() === 1 ? true : undefined), 'the fresh offer to be dialled');
    expect(sim.actions.filter((a) => headerOf(a.headers, 'Action') === 'Originate').map((a) => headerOf(a.headers, 'ChannelId'))).toEqual(['pz-att_fresh']);
    expect(relay!.helloFrame().inFlight).toEqual([{ attemptId: 'att_fresh', fence: 4 }]);
  });

  it('is refused, not journalled, while AMI is down, so the queue may offer it again', async () => {
    link.welcome('ses_now');
    sim.refuseLogins(true);
    sim.dropConnections();
    await waitFor(() => (relay!.heartbeatFrame().ami !== 'ready' ? true : undefined), 'AMI down');
    link.emit('frame', offer('att_2', 9, 'ses_now'));
    expect(link.sent.find((f) => f.type === 'job.reject')).toMatchObject({ attemptId: 'att_2', fence: 9, reason: 'AMI is not connected' });
    expect(journal.get('att_2')).toBeUndefined();
  });
});
