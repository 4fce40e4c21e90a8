// Toll fraud tried against the whole system (the Worker in workerd, the relay process, the AMI
// simulator): forbidden numbers and "extensions" through the API, conferences and a room rule are
// refused, and the simulator's action log proves nothing was dialled: the one Originate it records
// is the allowed callback sent after all the attacks, which the queue handles after them. That
// callback is dialled as the dial string the Worker derived from E.164 (national format here).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answers } from '../../sim/index.js';
import { DEMO_SETTINGS, headerOf, startSystem, type System } from '../../testkit/system.js';

let system: System;

beforeAll(async () => {
  system = await startSystem({
    sim: { phones: { '101': answers({ ringMs: 100, holdMs: 500 }), '89990000001': answers({ ringMs: 100, holdMs: 500 }) } },
    settings: { ...DEMO_SETTINGS, numbering: { country: 'RU', dialFormat: 'national' }, retry: { maxAttempts: 1 } },
  });
}, 60_000);

afterAll(async () => {
  await system?.stop();
});

const json = (method: string, body: unknown): RequestInit => ({ method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const originates = () => system.sim.actions.filter((a) => headerOf(a.headers, 'Action') === 'Originate');

describe('dialling what the rules forbid, whole system', () => {
  it('refuses every forbidden number and extension, dials none of them, and dials the allowed callback as the derived string', async () => {
    const attempts: Array<[string, RequestInit]> = [
      ['/callbacks', json('POST', { customer: '81078091234567', operator: { extension: '101' } })],
      ['/callbacks', json('POST', { customer: '+881612345678', operator: { extension: '101' } })],
      ['/callbacks', json('POST', { customer: '+7916123456789012', operator: { extension: '101' } })],
      ['/callbacks', json('POST', { customer: '+79990000001', operator: { extension: '88091234567' } })],
      ['/callbacks', json('POST', { customer: '+79990000001', operator: { extension: '112' } })],
      ['/callbacks', json('POST', { customer: '+79990000001', operator: { extension: '1' } })],
      ['/conferences', json('POST', { room: '7001', members: [{ name: 'A', extension: '101' }, { name: 'M', number: '88091234567' }] })],
      ['/conferences', json('POST', { room: '7001', members: [{ name: 'A', extension: '101' }, { name: 'M', extension: '81078091234567' }] })],
      ['/rooms/7001/external-participant', json('PUT', { number: '81078091234567' })],
    ];
    for (const [path, init] of attempts) {
      const res = await system.api(path, init);
      const body = (await res.json()) as { code: string; field?: string };
      expect([400, 422], `${path} ${String(init.body)}`).toContain(res.status);
      expect(body.field, String(init.body)).toBeDefined();
    }
    const allowed = await system.requestCallback({ customer: '+79990000001', operator: { extension: '101' } });
    const done = await system.waitForStatus(allowed.id, ['succeeded', 'failed'], 20_000);
    expect(done.status).toBe('succeeded');
    const all = originates();
    expect(all).toHaveLength(1);
    expect(system.originatesFor(done)).toHaveLength(1);
    // Operator first: the operator's leg is originated, and the dialplan goes on to the customer's
    // number exactly as derived: national format, 8 and the national number.
    expect(headerOf(all[0]!.headers, 'Channel')).toBe('Local/101@from-internal');
    expect(headerOf(all[0]!.headers, 'Exten')).toBe('89990000001');
  });
});
