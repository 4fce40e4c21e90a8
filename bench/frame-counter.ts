// A WebSocket pass-through between the relay and the Worker that counts the frames the relay sends,
// by type: what each call costs the PBX's Durable Object (every inbound frame is a request to it).
// Bench-only, so neither side carries a counter; it speaks no protocol and forwards any subprotocol.
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';

export interface FrameCounter {
  /** Base URL to give the relay as PEREZVON_URL. */
  readonly url: string;
  /** Relay → Worker frames seen so far, by `type`. */
  counts(): Record<string, number>;
  total(): number;
  reset(): void;
  close(): Promise<void>;
}

export async function startFrameCounter(workerUrl: string): Promise<FrameCounter> {
  let counts: Record<string, number> = {};
  const upstreamBase = workerUrl.replace(/^http/, 'ws');
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: (protocols) => [...protocols][0] ?? false });
  server.on('connection', (down, req) => {
    const up = new WebSocket(`${upstreamBase}${req.url ?? '/'}`, req.headers['sec-websocket-protocol']?.split(',').map((p) => p.trim()) ?? [], {
      headers: { authorization: req.headers.authorization ?? '' },
    });
    const early: string[] = [];
    up.on('open', () => early.splice(0).forEach((m) => up.send(m)));
    up.on('message', (data) => down.readyState === WebSocket.OPEN && down.send(data.toString()));
    up.on('close', (code, reason) => down.readyState === WebSocket.OPEN && down.close(code === 1005 || code === 1006 ? 1000 : code, reason.toString()));
    up.on('error', () => down.terminate());
    down.on('message', (data) => {
      const text = data.toString();
      const type = typeOf(text);
      counts[type] = (counts[type] ?? 0) + 1;
      if (up.readyState === WebSocket.OPEN) up.send(text);
      else early.push(text);
    });
    down.on('close', () => up.close());
    down.on('error', () => up.terminate());
  });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    counts: () => ({ ...counts }),
    total: () => Object.values(counts).reduce((a, b) => a + b, 0),
    reset: () => void (counts = {}),
    close: () => new Promise<void>((resolve) => {
      for (const c of server.clients) c.terminate();
      server.close(() => resolve());
    }),
  };
}

function typeOf(text: string): string {
  try {
    const json: unknown = JSON.parse(text);
    return typeof json === 'object' && json !== null && 'type' in json && typeof json.type === 'string' ? json.type : 'unparsed';
  } catch {
    return 'unparsed';
  }
}
