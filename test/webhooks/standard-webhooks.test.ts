// The Standard Webhooks signer/verifier against signatures computed independently with node:crypto.
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { newWebhookSecret, secretKey, sign, verify } from '../../worker/webhooks/standard-webhooks.js';

const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const id = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
const ts = 1614265330;
const body = '{"test": 2432232314}';

function nodeSignature(key: string, msgId: string, timestamp: number, payload: string): string {
  const raw = Buffer.from(key.slice('whsec_'.length), 'base64');
  return createHmac('sha256', raw).update(`${msgId}.${timestamp}.${payload}`).digest('base64');
}

describe('Standard Webhooks signatures', () => {
  it('signs exactly as an HMAC-SHA256 over id.timestamp.body with the decoded secret', async () => {
    expect(await sign([secret], id, ts, body)).toBe(`v1,${nodeSignature(secret, id, ts, body)}`);
  });

  it('matches the specification example vector', async () => {
    expect(await sign([secret], id, ts, body)).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('signs once per active secret, space-separated, for rotation', async () => {
    const other = newWebhookSecret();
    const header = await sign([secret, other], id, ts, body);
    expect(header.split(' ')).toEqual([`v1,${nodeSignature(secret, id, ts, body)}`, `v1,${nodeSignature(other, id, ts, body)}`]);
  });

  it('verifies a signature made with any of several active secrets', async () => {
    const old = newWebhookSecret();
    const signature = `v1,${nodeSignature(old, id, ts, body)}`;
    expect(await verify([secret, old], { id, timestamp: String(ts), signature, body }, ts * 1000, 300)).toEqual({ ok: true });
  });

  it('accepts a header listing several signatures when one matches', async () => {
    const signature = `v1,${Buffer.alloc(32).toString('base64')} v1a,xyz v1,${nodeSignature(secret, id, ts, body)}`;
    expect(await verify([secret], { id, timestamp: String(ts), signature, body }, ts * 1000, 300)).toEqual({ ok: true });
  });

  it.each([
    ['a tampered body', { body: body.replace('2432', '2433') }, 'invalid'],
    ['a changed id', { id: 'msg_other' }, 'invalid'],
    ['a signature by an unknown secret', { signature: `v1,${nodeSignature(newWebhookSecret(), id, ts, body)}` }, 'invalid'],
    ['a missing signature', { signature: undefined }, 'missing'],
    ['a missing id', { id: undefined }, 'missing'],
    ['a timestamp 6 minutes old', { timestamp: String(ts - 360) }, 'stale'],
    ['a timestamp 6 minutes ahead', { timestamp: String(ts + 360) }, 'stale'],
    ['a non-numeric timestamp', { timestamp: '2021-02-25' }, 'invalid'],
    ['a v2 scheme only', { signature: `v2,${nodeSignature(secret, id, ts, body)}` }, 'invalid'],
  ])('refuses %s', async (_name, change, reason) => {
    const good = { id, timestamp: String(ts), signature: `v1,${nodeSignature(secret, id, ts, body)}`, body };
    expect(await verify([secret], { ...good, ...change }, ts * 1000, 300)).toEqual({ ok: false, reason });
  });

  it('ignores secrets that are not whsec_ base64 keys', async () => {
    expect(secretKey('not-a-secret')).toBeUndefined();
    expect(secretKey('whsec_c2hvcnQ=')).toBeUndefined();
    expect(await sign(['not-a-secret'], id, ts, body)).toBe('');
  });
});
