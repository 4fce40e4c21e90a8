// Builds worlds for Worker tests: a PBX created through the admin API, with an API key, addressed
// by a unique id per test so Durable Object state never leaks between tests, and a stand-in relay session.
import { SELF } from 'cloudflare:test';
import type { PbxSettingsInput } from '../../shared/pbx.js';
import { PROTOCOL_VERSION, RELAY_SUBPROTOCOL, type QueueFrame, type RelayFrame } from '../../shared/relay-protocol.js';
import { waitFor } from '../../testkit/wait.js';

export const ADMIN = { authorization: 'Bearer test-admin-token-0123456789' };
let counter = 0;

export const DEFAULT_SETTINGS: PbxSettingsInput = {
  destinations: { allow: ['+7', '8'], deny: ['+7809', '8809'] },
  // Russia's service numbers 101–104 are this PBX's extensions (the simulator's phones).
  extensions: { serviceNumberExceptions: ['101', '102', '103', '104'] },
  customerCallerId: { name: 'Perezvon', number: '+74950000000' },
};

export async function createPbx(settings: PbxSettingsInput = DEFAULT_SETTINGS): Promise<{ pbx: string; apiKey: string; relayToken: string; auth: Record<string, string> }> {
  const pbx = `pbx-${Date.now().toString(36)}-${counter++}`;
  const created = await SELF.fetch('http://w/v1/admin/pbxes', {
    method: 'POST',
    headers: { ...ADMIN, 'content-type': 'application/json' },
    body: JSON.stringify({ id: pbx, settings }),
  });
  if (created.status !== 201) throw new Error(`create PBX: ${created.status} ${await created.text()}`);
  const { relayToken } = (await created.json()) as { relayToken: string };
  const key = await SELF.fetch(`http://w/v1/admin/pbxes/${pbx}/api-keys`, { method: 'POST', headers: ADMIN });
  const { apiKey } = (await key.json()) as { apiKey: string };
  return { pbx, apiKey, relayToken, auth: { authorization: `Bearer ${apiKey}` } };
}

export function postJson(url: string, body: unknown, headers: Record<string, string>): Promise<Response> {
  return SELF.fetch(url, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
}

/** A relay as the queue sees it: a WebSocket that collects the queue's frames. */
export class TestRelay {
  readonly frames: QueueFrame[] = [];
  closed = false;
  /** The session the queue welcomed this socket into (offers name it). */
  sessionId: string | undefined;

  constructor(readonly ws: WebSocket) {
    ws.addEventListener('message', (e) => {
      const frame = JSON.parse(String(e.data)) as QueueFrame;
      if (frame.type === 'welcome') this.sessionId = frame.sessionId;
      this.frames.push(frame);
    });
    ws.addEventListener('close', () => {
      this.closed = true;
    });
  }

  send(frame: RelayFrame): void {
    this.ws.send(JSON.stringify(frame));
  }

  hello(inFlight: Array<{ attemptId: string; fence: number }> = [], ami: 'ready' | 'down' = 'ready', capacity = 4, relayId = 'relay-a'): void {
    this.send({ type: 'hello', protocol: PROTOCOL_VERSION, relayId, software: 'test', ami, capacity, inFlight });
  }

  /** Reports progress the way the relay does: batched into a heartbeat (`originating` acknowledges the offer). */
  progress(...entries: Array<{ attemptId: string; fence: number; phase: 'originating' | 'ringing' | 'answered'; at?: number }>): void {
    this.send({ type: 'heartbeat', ami: 'ready', inFlight: entries.length, progress: entries.map((e) => ({ at: Date.now(), ...e })) });
  }

  /** Takes the first frame of this type the queue sent (waiting for it up to the timeout). */
  async next<T extends QueueFrame['type']>(type: T, timeoutMs = 3000): Promise<Extract<QueueFrame, { type: T }>> {
    return waitFor(() => {
      const i = this.frames.findIndex((f) => f.type === type);
      return i >= 0 ? (this.frames.splice(i, 1)[0] as Extract<QueueFrame, { type: T }>) : undefined;
    }, `a ${type} frame (got ${this.frames.map((f) => f.type).join(',') || 'none'})`, timeoutMs, 10);
  }

  /**
   * Resolves once the queue has handled every frame this relay sent so far: it handles one
   * session's frames in order and acknowledges a heartbeat after the work it caused (dispatch
   * included). The way to assert that something did NOT happen, without sleeping.
   */
  async settled(): Promise<void> {
    this.send({ type: 'heartbeat', ami: 'ready', inFlight: 0 });
    await this.next('heartbeat.ack');
  }

  has(type: QueueFrame['type']): boolean {
    return this.frames.some((f) => f.type === type);
  }
}

export function relayUpgrade(pbx: string, token: string, protocol = RELAY_SUBPROTOCOL): Promise<Response> {
  return SELF.fetch(`http://w/v1/pbxes/${pbx}/relay`, { headers: { upgrade: 'websocket', authorization: `Bearer ${token}`, 'sec-websocket-protocol': protocol } });
}

/** Opens a relay session for the PBX and waits for its welcome. */
export async function openRelay<R extends TestRelay>(pbx: string, relayToken: string, make: (ws: WebSocket) => R): Promise<R> {
  const res = await relayUpgrade(pbx, relayToken);
  if (res.status !== 101 || res.webSocket === null) throw new Error(`relay upgrade refused: ${res.status}`);
  res.webSocket.accept();
  const relay = make(res.webSocket);
  await relay.next('welcome');
  return relay;
}

/** Opens a relay session and says hello (AMI ready, room for 4 calls). */
export async function connectRelay(pbx: string, relayToken: string): Promise<TestRelay> {
  const relay = await openRelay(pbx, relayToken, (ws) => new TestRelay(ws));
  relay.hello();
  return relay;
}
