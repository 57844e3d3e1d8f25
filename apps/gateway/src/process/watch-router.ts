import type { Logger } from 'pino';
import type { GatewayRuntime } from '../config/runtime-types.js';
import { secretsOf } from '../logging/redaction.js';
import { logRouterEvents } from '../logging/router-event-log.js';
import type { GatewayMetrics } from '../metrics/gateway-metrics.js';

/**
 * Logs and counts what a process's router does — its attempts, breakers and
 * outcomes — keeping the credentials of the configuration in force out of
 * the lines. Whoever runs the router calls it: a gateway's HTTP server, a
 * worker. Returns the detach.
 */
export function watchRouter(runtime: Pick<GatewayRuntime, 'router' | 'config'>, logger: Logger, metrics: GatewayMetrics): () => void {
  const detachLog = logRouterEvents(runtime.router, logger, () => secretsOf(runtime.config()));
  const detachMetrics = metrics.observeRouter(runtime.router);
  return () => {
    detachLog();
    detachMetrics();
  };
}
