// The relay's opt-in HTTP listener (PEREZVON_METRICS_ADDR, meant for loopback): /healthz (the process
// answers), /readyz (200 only while the AMI login and the Worker link are both up, else 503) and
// /metrics (Prometheus text). Serves nothing else and reads no request body.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { RelayMetrics } from './metrics.js';

export interface HealthServerOptions {
  host: string;
  port: number;
  metrics: RelayMetrics;
  /** What is down, or an empty list when the relay can take calls. */
  notReady: () => string[];
  logger: Logger;
}

export function startHealthServer(o: HealthServerOptions): Server {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'text/plain', 'GET only\n');
    if (path === '/healthz') return send(200, 'text/plain', 'ok\n');
    if (path === '/readyz') {
      const down = o.notReady();
      return down.length === 0 ? send(200, 'text/plain', 'ready\n') : send(503, 'text/plain', `not ready: ${down.join(', ')}\n`);
    }
    if (path === '/metrics') {
      void o.metrics.registry.metrics().then((text) => send(200, o.metrics.registry.contentType, text), () => send(500, 'text/plain', 'metrics failed\n'));
      return;
    }
    return send(404, 'text/plain', 'not found: /healthz, /readyz, /metrics\n');

    function send(status: number, type: string, body: string): void {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    }
  });
  server.on('error', (err) => o.logger.error({ err: err.message, host: o.host, port: o.port }, 'the metrics listener failed (check PEREZVON_METRICS_ADDR)'));
  server.listen(o.port, o.host, () => {
    const { address, port } = server.address() as AddressInfo;
    o.logger.info({ address, port }, 'metrics and health listening on /healthz /readyz /metrics');
  });
  // It must not hold a stopping relay open.
  server.unref();
  return server;
}
