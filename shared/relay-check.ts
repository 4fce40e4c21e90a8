// GET /v1/pbxes/{pbx}/relay/check: what the Worker answers a relay token check with. The Worker builds
// it, `perezvon-relay doctor` validates it; the relay token is checked without opening a session.
import { z } from 'zod';
import { contextName } from './dial.js';
import { pbxId } from './pbx.js';

export const relayCheckResponse = z.object({
  pbx: pbxId,
  /** The Worker's relay protocol (shared/relay-protocol.ts PROTOCOL_VERSION). */
  protocol: z.int(),
  /** The Worker's clock when it answered, for the relay's clock check. */
  time: z.iso.datetime(),
  /** Contexts of the PBX's settings the relay dials into. */
  contexts: z.object({ operator: contextName, customer: contextName, queue: contextName }),
});
export type RelayCheckResponse = z.infer<typeof relayCheckResponse>;
