// GET /v1/pbxes/{pbx}/relay: the relay's WebSocket. The relay token travels in the Authorization
// header of the upgrade request (never in the URL); the PBX's queue checks it against its hash.
import { Hono } from 'hono';
import type { AppEnv } from '../env.js';
import { pbxStub } from '../http/pbx.js';
import { HttpProblem } from '../http/problem.js';

export const relaySocketRoute = new Hono<AppEnv>();

relaySocketRoute.get('/', async (c) => {
  if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') {
    throw new HttpProblem(426, 'validation_failed', 'this endpoint takes a WebSocket upgrade', 'upgrade');
  }
  const { stub } = pbxStub(c);
  return stub.fetch(c.req.raw);
});
