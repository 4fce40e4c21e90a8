// The edges of the relay WebSocket, kept out of the Durable Object class: checking an upgrade
// request (relay token against its stored hash, protocol version) and parsing a frame. Pure apart
// from hashing; used by pbx-queue.ts.
import { relayFrame, RELAY_SUBPROTOCOL, type RelayFrame } from '../../shared/relay-protocol.js';
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
    return Response.json({ status: 400, code: 'validation_failed', message: `relay protocol ${RELAY_SUBPROTOCOL} required`, field: 'sec-websocket-protocol' }, { status: 400 });
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
