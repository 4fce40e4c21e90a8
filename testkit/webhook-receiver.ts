// A real HTTP receiver for status callbacks and CRM write-backs in whole-system tests: listens on
// 127.0.0.1, records every request, checks Standard Webhooks signatures with node:crypto (an
// implementation independent of the Worker's), and answers with scripted status codes.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';

export interface ReceivedRequest {
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  at: number;
  /** The status code this receiver answered with. */
  statusCode: number;
  /** Whether webhook-signature holds a valid v1 signature by `secret` over id.timestamp.body. */
  signatureValid: boolean;
}

export interface WebhookReceiver {
  readonly url: string;
  readonly received: ReceivedRequest[];
  /** Status codes for the next requests, in order; 200 once they run out. */
  respondWith(codes: number[]): void;
  /** Leaves the next `count` requests unanswered (a receiver that hangs) until `release()`. */
  stall(count: number): void;
  release(): void;
  /** The body answered to a request for this path (default `{}`), e.g. a portal's REST result. */
  answer(path: string, body: string): void;
  setSecret(secret: string): void;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedRequest[] = [];
  let script: number[] = [];
  let secret = '';
  const answers = new Map<string, string>();
  let stalls = 0;
  const stalled: Array<() => void> = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const statusCode = script.shift() ?? 200;
      received.push({ path: req.url ?? '', headers: req.headers, body, at: Date.now(), statusCode, signatureValid: verifies(secret, req.headers, body) });
      const answer = (): void => {
        res.statusCode = statusCode;
        res.end(answers.get(req.url ?? '') ?? '{}');
      };
      if (stalls > 0) {
        stalls--;
        stalled.push(answer);
      } else {
        answer();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    respondWith: (codes) => (script = [...codes]),
    stall: (count) => void (stalls = count),
    release: () => {
      for (const answer of stalled.splice(0)) answer();
    },
    answer: (path, body) => void answers.set(path, body),
    setSecret: (s) => (secret = s),
    close: () => new Promise<void>((resolve) => {
      for (const answer of stalled.splice(0)) answer();
      server.close(() => resolve());
    }),
  };
}

function verifies(secret: string, headers: IncomingMessage['headers'], body: string): boolean {
  const id = headers['webhook-id'];
  const ts = headers['webhook-timestamp'];
  const sigs = headers['webhook-signature'];
  if (typeof id !== 'string' || typeof ts !== 'string' || typeof sigs !== 'string' || !secret.startsWith('whsec_')) return false;
  const expected = createHmac('sha256', Buffer.from(secret.slice(6), 'base64')).update(`${id}.${ts}.${body}`).digest();
  return sigs.split(' ').some((s) => {
    if (!s.startsWith('v1,')) return false;
    const got = Buffer.from(s.slice(3), 'base64');
    return got.length === expected.length && timingSafeEqual(got, expected);
  });
}
