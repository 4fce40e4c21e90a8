// The edges of the relay WebSocket, kept out of the Durable Object class: checking an upgrade
// request (relay token against its stored hash, protocol version) and parsing a frame. Pure apart
// from hashing; used by pbx-queue.ts.
import { PROTOCOL_VERSION, relayFrame, RELAY_SUBPROTOCOL, type RelayFrame } from '../../shared/relay-protocol.js';
import { bearer, hashesEqual, sha256Hex } from '../auth/tokens.js';

/** An error response for a bad upgrade, or null when the relay may connect. */
export async function refuseUpgrade(request: Request, expectedTokenHash: string | undefined): Promise<Response | null> {
  if (request.headers.get('upgrade')?.toLowerCase() !== 'websocket') return new Response('expected a WebSocket', { status: 426 });
  const token = bearer(request.headers.get('authorization') ?? undefined);
  if (token === undefined || expectedTokenHash === undefined || !hashesEqual(await sha256Hex(token), expectedTokenHash)) {
    return Response.json({ status: 401, code: 'unauthorized', message: 'invalid relay token', field: 'authorization' }, { status: 401 });
  }
  const protocols = (request.headers.get('sec-websocket-protocol') ?? '').split(',').map((s) => s.trim());
  if (!protocols.includes(RELAY_SUBPROTOCOL)) {
    // A relay of another version (protocol 1 waited for job.start, which this queue never sends)
    // must not connect at all: it is told which version to run, and it retries until it does.
    const offered = protocols.filter((p) => p !== '').join(', ') || 'none';
    return Response.json({
      status: 400, code: 'relay_protocol_unsupported', field: 'sec-websocket-protocol',
      message: `this Worker speaks relay protocol ${PROTOCOL_VERSION} (${RELAY_SUBPROTOCOL}); the relay offered ${offered}: update the relay`,
    }, { status: 400 });
  }
  return null;
}

export type ParsedFrame = { ok: true; frame: RelayFrame } | { ok: false; message: string };

export function parseFrame(message: string | ArrayBuffer): ParsedFrame {
  let json: unknown;
  try {
    json = JSON.parse(typeof message === 'string' ? message : new TextDecoder().decode(message));
  } catch {
    return { ok: false, message: 'not JSON' };
  }
  const frame = relayFrame.safeParse(json);
  return frame.success ? { ok: true, frame: frame.data } : { ok: false, message: frame.error.issues[0]?.message ?? 'invalid frame' };
}
