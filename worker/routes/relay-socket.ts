// GET /v1/pbxes/{pbx}/relay: the relay's WebSocket. The relay token travels in the Authorization
// header of the upgrade request (never in the URL); the PBX's queue checks it against its hash.
import { Hono } from 'hono';
import type { AppEnv } from '../env.js';
import { findPbx } from '../http/pbx.js';
import { refuseUpgrade } from '../pbx-queue/relay-endpoint.js';
import { HttpProblem } from '../http/problem.js';

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
