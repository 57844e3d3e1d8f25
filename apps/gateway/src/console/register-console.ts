import type { FastifyInstance } from 'fastify';
import type { GatewayContext } from '../http/gateway-context.js';
import { defaultConsoleDir, registerConsoleAssets } from './console-assets.js';
import { registerConsoleRoutes } from './console-routes.js';
import { TrafficSeries } from './traffic-series.js';

export interface ConsoleOptions {
  /** Where the built console is (default: @rota/console's dist); null serves none (503). */
  assetsDir?: string | null;
}

/**
 * The operations console: its page at /console and its admin data routes
 * under /v1/admin, with the traffic time series they read, fed from the
 * router until the server closes.
 */
export function registerConsole(app: FastifyInstance, context: GatewayContext, options: ConsoleOptions = {}): void {
  const traffic = new TrafficSeries();
  const detach = traffic.observeRouter(context.runtime.router);
  app.addHook('onClose', async () => detach());
  registerConsoleRoutes(app, context, traffic);
  registerConsoleAssets(app, options.assetsDir === undefined ? defaultConsoleDir() : (options.assetsDir ?? undefined));
}
