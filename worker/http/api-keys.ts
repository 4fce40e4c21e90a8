// Issuing and revoking a PBX's API keys, for the admin API and the dashboard alike: the key is made
// from the CSPRNG, shown once, and only its hash is stored; a revocation also empties this isolate's
// cache of known keys (others forget within a minute, see pbx.ts).
import { newToken, sha256Hex } from '../auth/tokens.js';
import { forgetApiKeys, type PbxTarget } from './pbx.js';

type Stub = PbxTarget['stub'];

export const API_KEY_ID = /^key_[A-Za-z0-9_-]{1,64}$/;

/** A new key for the PBX (null when the PBX does not exist). */
export async function issueApiKey(stub: Stub, label: string | null): Promise<{ id: string; apiKey: string } | null> {
  const apiKey = newToken('api-key');
  const id = await stub.addApiKey(await sha256Hex(apiKey), label);
  return id === null ? null : { id, apiKey };
}

export async function revokeApiKey(stub: Stub, pbx: string, id: string): Promise<boolean> {
  if (!API_KEY_ID.test(id) || !(await stub.revokeApiKey(id))) return false;
  forgetApiKeys(pbx);
  return true;
}
