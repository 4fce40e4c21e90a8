// /openapi.json is generated from the Worker's route table: every route is in it, described, and
// nothing is described that is not a route. Unsupported methods on known paths are 405 with Allow.
import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../worker/app.js';
import { ADMIN } from './helpers.js';
import { OPERATIONS, routeKeys } from '../../worker/routes/openapi.js';

const registered = routeKeys(createApp().routes);

describe('/openapi.json', () => {
  it('describes every registered route, and only those', async () => {
    const doc = (await (await SELF.fetch('http://w/openapi.json')).json()) as { paths: Record<string, Record<string, { summary: string }>> };
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    expect(documented.sort()).toEqual([...registered].sort());
    expect(registered.filter((key) => OPERATIONS[key] === undefined)).toEqual([]);
    expect(Object.keys(OPERATIONS).filter((key) => !registered.includes(key))).toEqual([]);
  });

  it.each(['GET /v1/widget/status/{token}', 'GET /v1/pbxes/{pbx}/missed-calls', 'POST /v1/pbxes/{pbx}/hooks/bitrix24', 'GET /v1/pbxes/{pbx}/rooms/{room}', 'GET /v1/widget/{key}/config', 'GET /v1/pbxes/{pbx}/conferences/{id}', 'GET /v1/pbxes/{pbx}/status'])(
    'includes %s, which an earlier hand-written document lacked', (key) => {
      expect(registered).toContain(key);
    });
});

describe('a known path asked with an unsupported method', () => {
  it.each([
    ['PATCH', '/v1/pbxes/office/callbacks', 'POST'],
    ['GET', '/v1/pbxes/office/callbacks', 'POST'],
    ['PUT', '/v1/pbxes/office/jobs/job_0123456789abcdef', 'DELETE, GET, HEAD'],
    ['DELETE', '/v1/admin/pbxes', 'POST'],
    ['POST', '/v1/widget/status/pzs_x.y', 'GET, HEAD'],
    ['GET', '/v1/pbxes/office/hooks/generic', 'POST'],
    ['DELETE', '/openapi.json', 'GET, HEAD'],
  ])('answers %s %s with 405 and Allow: %s', async (method, path, allow) => {
    // Admin paths answer 401 to anyone without the token, whatever the method: they reveal nothing.
    const res = await SELF.fetch(`http://w${path}`, { method, headers: path.startsWith('/v1/admin') ? ADMIN : {} });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe(allow);
    expect(await res.json()).toMatchObject({ status: 405, code: 'method_not_allowed' });
  });

  it('still answers 404 for a path that does not exist', async () => {
    const res = await SELF.fetch('http://w/v1/pbxes/office/nothing-here', { method: 'POST' });
    expect(res.status).toBe(404);
  });
});
