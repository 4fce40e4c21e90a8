// The Bitrix24 adapter end to end: a click-to-call event (form-encoded, with the application token)
// becomes a callback in the simulator, and its result is written back to a local stand-in of the
// portal's REST API with telephony.externalcall.finish.
import { afterEach, describe, expect, it } from 'vitest';
import { startSystem, type System } from '../support/system.js';
import { waitFor } from '../support/wait.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { TEST_ADMIN_TOKEN } from '../support/worker-runtime.js';

let system: System | undefined;
let portal: WebhookReceiver | undefined;

afterEach(async () => {
  await system?.stop();
  await portal?.close();
  system = portal = undefined;
});

describe('Bitrix24 click-to-call', () => {
  it('calls the clicked number from the user’s extension and writes the result back', async () => {
    const s = (system = await startSystem());
    const p = (portal = await startWebhookReceiver());
    const config = { applicationToken: 'bx-app-token-123456', restUrl: `${p.url}/rest/1/abc123/`, users: { '7': { extension: '101' } } };
    const put = await fetch(`${s.worker.url}/v1/admin/pbxes/${s.pbx}/integrations/bitrix24`, {
      method: 'PUT', headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(config),
    });
    expect(put.status).toBe(200);
    const res = await fetch(`${s.worker.url}/v1/pbxes/${s.pbx}/hooks/bitrix24`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ event: 'ONEXTERNALCALLSTART', 'data[USER_ID]': '7', 'data[PHONE_NUMBER]': '89991234567', 'data[CALL_ID]': 'externalCall.e2e.1', 'auth[application_token]': config.applicationToken }).toString(),
    });
    expect(res.status).toBe(202);
    const { jobId } = (await res.json()) as { jobId: string };
    const job = await s.waitForStatus(jobId, 'succeeded', 20_000);
    expect(s.originatesFor(job)).toHaveLength(1);
    const finish = await waitFor(() => p.received.find((r) => r.path === '/rest/1/abc123/telephony.externalcall.finish.json'), 'the finish write-back', 10_000);
    expect(JSON.parse(finish.body)).toMatchObject({ CALL_ID: 'externalCall.e2e.1', USER_ID: 7, STATUS_CODE: '200' });
    expect(p.received).toHaveLength(1);
  });
});
