import { createServer, type Server } from 'node:http';
import type { GatewayRuntime } from '../config/runtime-types.js';
import { authorize } from '../http/auth.js';
import type { GatewayMetrics } from '../metrics/gateway-metrics.js';

/**
 * A worker's own `/metrics` and `/healthz` (`rota worker --metrics-listen`).
 * On PostgreSQL the workers send, so the figures of sending — provider
 * attempts and their latency, breakers, messages by outcome, delivery reports,
 * webhooks — are theirs, and a gateway's `/metrics` shows none of them.
 * `/metrics` asks for `gateway.metricsToken` (or the admin token) when one is
 * set, as a gateway's does.
 */
export async function startWorkerMetricsServer(options: { host: string; port: number; runtime: GatewayRuntime; metrics: GatewayMetrics }): Promise<{ url: string; close(): Promise<void> }> {
  const { runtime, metrics } = options;
  const server: Server = createServer((request, response) => {
    const json = (status: number, body: object) => response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    const path = (request.url ?? '/').split('?')[0];
    // As the gateway answers an unknown route or method: 404.
    if (request.method !== 'GET' || (path !== '/metrics' && path !== '/healthz')) return json(404, { error: 'not-found', message: 'a worker serves GET /metrics and GET /healthz only' });
    if (path === '/healthz') return json(200, { status: 'ok', role: 'worker' });
    const { gateway } = runtime.config();
    if (gateway.metricsToken !== undefined) {
      const decision = authorize(request.headers.authorization, 'metrics', gateway);
      if (!decision.ok) return json(decision.status, { error: decision.error, message: decision.message });
    }
    // The database away is no failure here: render() leaves out the series read from it (rota_store_up 0).
    metrics.render().then(
      (text) => response.writeHead(200, { 'content-type': metrics.contentType }).end(text),
      () => json(500, { error: 'internal-error', message: 'the metrics could not be rendered' }),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as { port: number };
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
