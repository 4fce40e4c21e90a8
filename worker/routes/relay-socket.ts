// GET /v1/pbxes/{pbx}/relay: the relay's WebSocket. The relay token travels in the Authorization
// header of the upgrade request (never in the URL); the PBX's queue checks it against its hash.
// GET /v1/pbxes/{pbx}/relay/check: the same token check without a session (`perezvon-relay doctor`
// runs it beside a live relay, which an upgrade would displace), with the Worker's clock, protocol and
// the PBX's contexts the relay dials into.
import { Hono } from 'hono';
import type { RelayCheckResponse } from '../../shared/relay-check.js';
import { PROTOCOL_VERSION } from '../../shared/relay-protocol.js';
import { bearer, sha256Hex } from '../auth/tokens.js';
import type { AppEnv } from '../env.js';
import { findPbx } from '../http/pbx.js';
import { refuseUpgrade } from '../pbx-queue/relay-endpoint.js';
import { HttpProblem, unauthorized } from '../http/problem.js';

export const relaySocketRoute = new Hono<AppEnv>();

relaySocketRoute.get('/', async (c) => {
  if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') {
    throw new HttpProblem(426, 'validation_failed', 'this endpoint takes a WebSocket upgrade', 'upgrade');
  }
  const target = await findPbx(c.env, c.req.param('pbx') ?? '');
  // An unknown PBX is refused here, as a wrong token would be, without reaching any queue.
  if (target === undefined) return (await refuseUpgrade(c.req.raw, undefined)) ?? c.body(null, 401);
  return target.stub.fetch(c.req.raw);
});

relaySocketRoute.get('/check', async (c) => {
  const token = bearer(c.req.header('authorization'));
  if (token === undefined || !token.startsWith('pzr_')) throw unauthorized('a relay token is required: Authorization: Bearer pzr_…');
  // An unknown PBX answers as a wrong token does, without touching any queue.
  const target = await findPbx(c.env, c.req.param('pbx') ?? '');
  const found = target === undefined ? null : await target.stub.relayCheck(await sha256Hex(token));
  if (target === undefined || found === null) throw unauthorized('invalid relay token');
  const id = target.id;
  const body: RelayCheckResponse = { pbx: id, protocol: PROTOCOL_VERSION, time: new Date().toISOString(), contexts: found.contexts };
  return c.json(body);
});
