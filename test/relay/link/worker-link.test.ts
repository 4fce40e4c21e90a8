// The relay's Worker link over real WebSockets on loopback, against a stand-in queue: reports (member
// outcomes, missed calls…) reach the Worker at least once across link drops, and only what the
// Worker has not acknowledged is sent again.
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import { PROTOCOL_VERSION, RELAY_SUBPROTOCOL, type RelayFrame } from '../../../shared/relay-protocol.js';
import { WorkerLink } from '../../../relay/link/worker-link.js';
import { ReportBuffer, type ReportFrame } from '../../../relay/link/report-buffer.js';
import { waitFor } from '../../../testkit/wait.js';

const missed = (uniqueid: string): ReportFrame => ({ type: 'missed-call', caller: '+79991234567', target: '102', kind: 'extension', at: 1, uniqueid });

/** A queue stand-in: welcomes each session, records every frame, acks heartbeats while `acking`. */
class StandInQueue {
  readonly received: RelayFrame[] = [];
  acking = true;
  /** While set, new sessions are cut before their welcome (the Worker is unreachable). */
  refusing = false;
  private readonly sockets = new Set<WebSocket>();
  private constructor(readonly server: WebSocketServer) {
    server.on('connection', (ws) => {
      if (this.refusing) {
        ws.terminate();
        return;
      }
      this.sockets.add(ws);
      ws.on('close', () => this.sockets.delete(ws));
      ws.on('message', (data) => {
        const frame = JSON.parse(data.toString()) as RelayFrame;
        this.received.push(frame);
        if (frame.type === 'heartbeat' && this.acking) ws.send(JSON.stringify({ type: 'heartbeat.ack' }));
      });
      ws.send(JSON.stringify({ type: 'welcome', protocol: PROTOCOL_VERSION, sessionId: 'ses_1', pbx: 'demo' }));
    });
  }
  static async start(): Promise<StandInQueue> {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: (p) => (p.has(RELAY_SUBPROTOCOL) ? RELAY_SUBPROTOCOL : false) });
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    return new StandInQueue(server);
  }
  get url(): string {
    const addr = this.server.address();
    return typeof addr === 'object' && addr !== null ? `http://127.0.0.1:${addr.port}` : '';
  }
  get sessions(): number {
    return this.sockets.size;
  }
  /** Drops every session, as a Worker restart or a network cut does. */
  drop(): void {
    for (const ws of this.sockets) ws.terminate();
  }
  reports(): string[] {
    return this.received.filter((f): f is Extract<RelayFrame, { type: 'missed-call' }> => f.type === 'missed-call').map((f) => f.uniqueid);
  }
  hellos(): number {
    return this.received.filter((f) => f.type === 'hello').length;
  }
  close(): Promise<void> {
    this.drop();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

async function world(): Promise<{ queue: StandInQueue; link: WorkerLink }> {
  const queue = await StandInQueue.start();
  const link = new WorkerLink({
    url: queue.url, pbx: 'demo', token: 'relay-token', logger: pino({ level: 'silent' }),
    hello: () => ({ type: 'hello', protocol: PROTOCOL_VERSION, relayId: 'r1', software: 'test', ami: 'ready', capacity: 1, inFlight: [] }),
    heartbeat: () => ({ type: 'heartbeat', ami: 'ready', inFlight: 0 }),
    heartbeatMs: 60_000, // heartbeats only when the test sends one
  });
  cleanup.push(() => queue.close(), () => link.stop());
  link.start();
  await waitFor(() => (link.state === 'open' ? true : undefined), 'the link to open');
  return { queue, link };
}

const heartbeat = (link: WorkerLink): boolean => link.send({ type: 'heartbeat', ami: 'ready', inFlight: 0 });

describe('worker link reports', () => {
  it('sends a report made while the link is down right after the next hello', async () => {
    const { queue, link } = await world();
    queue.refusing = true;
    queue.drop();
    await waitFor(() => (link.state !== 'open' ? true : undefined), 'the link to notice the drop');
    link.report(missed('1.1'));
    link.report(missed('1.2'));
    expect(queue.reports()).toEqual([]);
    queue.refusing = false;
    await waitFor(() => (queue.reports().length === 2 ? true : undefined), 'the reports after reconnect', 5000);
    expect(queue.reports()).toEqual(['1.1', '1.2']);
    const order = queue.received.map((f) => f.type);
    expect(order.lastIndexOf('hello')).toBeLessThan(order.indexOf('missed-call'));
    // Resent reports are followed by a heartbeat at once, whose ack settles them.
    await waitFor(() => (link.unsettledReports === 0 ? true : undefined), 'the resent reports to be acknowledged');
  });

  it('sends again, after a reconnect, a report the Worker never acknowledged, and never one it did', async () => {
    const { queue, link } = await world();
    link.report(missed('2.1'));
    expect(heartbeat(link)).toBe(true);
    await waitFor(() => (link.unsettledReports === 0 ? true : undefined), 'the ack of the first report');
    queue.acking = false; // the Worker goes away before it handles what comes next
    link.report(missed('2.2'));
    heartbeat(link);
    await waitFor(() => (queue.reports().includes('2.2') ? true : undefined), 'the second report on the wire');
    expect(link.unsettledReports).toBe(1);
    queue.acking = true;
    queue.drop();
    await waitFor(() => (queue.hellos() === 2 && queue.reports().length === 3 ? true : undefined), 'the resend after reconnect', 5000);
    expect(queue.reports()).toEqual(['2.1', '2.2', '2.2']);
    await waitFor(() => (link.unsettledReports === 0 ? true : undefined), 'the resent report to be acknowledged');
  });

  it('refuses to keep a report the protocol would refuse, and goes on with the next', async () => {
    const { queue, link } = await world();
    link.report({ type: 'room.participants', room: '7001', participants: [], at: -1 }); // a negative time
    link.report(missed('3.1'));
    await waitFor(() => (queue.reports().length === 1 ? true : undefined), 'the good report');
    expect(link.unsettledReports).toBe(1);
    expect(queue.received.some((f) => f.type === 'room.participants')).toBe(false);
  });
});

describe('report buffer', () => {
  it('settles only the reports sent before the acknowledged heartbeat, oldest heartbeat first', () => {
    const buffer = new ReportBuffer();
    buffer.add(missed('a'));
    buffer.heartbeatSent();
    buffer.add(missed('b'));
    buffer.heartbeatSent();
    buffer.add(missed('c'));
    buffer.acknowledged();
    expect(buffer.resend().map((f) => (f.type === 'missed-call' ? f.uniqueid : ''))).toEqual(['b', 'c']);
    buffer.acknowledged(); // an ack of the old socket's heartbeat after resend(): nothing in flight, nothing settled
    expect(buffer.size).toBe(2);
  });

  it('stays within its limit by dropping the oldest report and saying which', () => {
    const buffer = new ReportBuffer(2);
    expect(buffer.add(missed('a'))).toBeUndefined();
    expect(buffer.add(missed('b'))).toBeUndefined();
    expect(buffer.add(missed('c'))).toMatchObject({ uniqueid: 'a' });
    expect(buffer.size).toBe(2);
  });

  it('in a file, gives back after a crash what was not settled, and nothing that was', () => {
    const dir = mkdtempSync(join(tmpdir(), 'perezvon-reports-'));
    cleanup.push(async () => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'journal.jsonl.reports');
    const before = ReportBuffer.open(path);
    before.add(missed('a'));
    before.heartbeatSent();
    before.add(missed('b'));
    before.acknowledged(); // settles a
    before.add(missed('c'));
    // The process dies here (no close); a torn last line is what a crash mid-write leaves.
    writeFileSync(path, readFileSync(path, 'utf8') + '{"op":"add","seq":4,"fra');
    const after = ReportBuffer.open(path);
    expect(after.resend().map((f) => (f.type === 'missed-call' ? f.uniqueid : ''))).toEqual(['b', 'c']);
    after.add(missed('d'));
    after.heartbeatSent();
    after.acknowledged();
    after.close();
    expect(ReportBuffer.open(path).size).toBe(0);
  });
});
