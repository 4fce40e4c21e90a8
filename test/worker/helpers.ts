// Builds worlds for Worker tests: a PBX created through the admin API, with an API key, addressed
// by a unique id per test so Durable Object state never leaks between tests.
import { SELF } from 'cloudflare:test';
import type { PbxSettingsInput } from '../../shared/pbx.js';

export const ADMIN = { authorization: 'Bearer test-admin-token-0123456789' };
let counter = 0;

export const DEFAULT_SETTINGS: PbxSettingsInput = {
  destinations: { allow: ['+7', '8'], deny: ['+7809', '8809'] },
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
