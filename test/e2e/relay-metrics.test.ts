// The relay's health and metrics listener (PEREZVON_METRICS_ADDR) during a whole-system run: the
// originate counter and the in-flight gauge follow a real call, and /readyz tells whether the relay
// can take calls (AMI logged in and the Worker link up).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callbackChannelIds } from '../../shared/channel-ids.js';
import { answers } from '../../sim/index.js';
import { startSystem, type System } from '../../testkit/system.js';
import { waitFor } from '../../testkit/wait.js';

const OPERATOR = '101';
const CUSTOMER = '+79990000011';

let system: System;
let base: string;

beforeAll(async () => {
  system = await startSystem({
    relay: false,
    // Both stay on the line until the test hangs up, so the call is in flight for as long as the test looks.
    sim: { phones: { [OPERATOR]: answers({ ringMs: 100, holdMs: 600_000 }), [CUSTOMER]: answers({ ringMs: 100, holdMs: 600_000 }) } },
  });
  const relay = await system.startRelay({ PEREZVON_METRICS_ADDR: '127.0.0.1:0' });
  const port = await waitFor(() => /"port":(\d+)[^\n]*metrics and health listening/.exec(relay.output())?.[1], 'the relay to say where its metrics listen');
  base = `http://127.0.0.1:${port}`;
}, 60_000);

afterAll(async () => {
  await system?.stop();
});

async function scrape(): Promise<string> {
  const res = await fetch(`${base}/metrics`);
  expect(res.headers.get('content-type')).toContain('text/plain');
  return res.text();
}

/** The value of one sample line, e.g. `perezvon_relay_originates_total{outcome="answered"}`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

const ANSWERED = 'perezvon_relay_originates_total{outcome="answered"}';
const IN_FLIGHT = 'perezvon_relay_calls_in_flight';

describe('relay metrics', () => {
  it('counts an originate by its outcome and shows the call in flight while it lasts', async () => {
    const before = await scrape();
    expect(sample(before, ANSWERED)).toBe(0);
    expect(sample(before, IN_FLIGHT)).toBe(0);
    expect(sample(before, 'perezvon_relay_ami_up')).toBe(1);
    expect(sample(before, 'perezvon_relay_worker_link_up')).toBe(1);
    expect(before).toMatch(/^perezvon_relay_build_info\{version="0\.1\.0",node="v\d+\.\d+\.\d+"\} 1$/m);

    const job = await system.requestCallback({ customer: CUSTOMER, operator: { extension: OPERATOR } });
    await waitFor(async () => (sample(await scrape(), IN_FLIGHT) === 1 ? true : undefined), 'the in-flight gauge to show the call');
    const connected = await system.waitForJob(job.id, (j) => j.attempts[0]?.answeredAt != null, 'the operator and the customer to be connected');
    expect(sample(await scrape(), 'perezvon_relay_journal_entries')).toBe(1);
    system.sim.hangup(callbackChannelIds(connected.attempts[0]!.id).channelId);
    await system.waitForStatus(job.id, 'succeeded');

    const after = await waitFor(async () => {
      const text = await scrape();
      return sample(text, ANSWERED) === 1 && sample(text, IN_FLIGHT) === 0 ? text : undefined;
    }, 'the answered originate to be counted and the call to leave the gauge');
    expect(sample(after, 'perezvon_relay_originate_response_seconds_count')).toBe(1);
    expect(sample(after, 'perezvon_relay_ami_events_total')).toBeGreaterThan(sample(before, 'perezvon_relay_ami_events_total') ?? Infinity);
    // Numbers never become labels.
    expect(after).not.toContain('79990000011');
    expect(after).not.toContain(`"${OPERATOR}"`);
  });

  it('answers /healthz, and /readyz 503 while the PBX refuses AMI and 200 once it is back', async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    system.sim.refuseLogins(true);
    system.sim.dropConnections();
    const down = await waitFor(async () => {
      const res = await fetch(`${base}/readyz`);
      return res.status === 503 ? res.text() : undefined;
    }, '/readyz to turn 503');
    expect(down).toContain('ami');
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    system.sim.refuseLogins(false);
    await waitFor(async () => ((await fetch(`${base}/readyz`)).status === 200 ? true : undefined), '/readyz to turn 200 again', 15_000);
    const text = await scrape();
    expect(sample(text, 'perezvon_relay_ami_up')).toBe(1);
    expect(sample(text, 'perezvon_relay_ami_reconnects_total')).toBeGreaterThanOrEqual(1);
  });
});
