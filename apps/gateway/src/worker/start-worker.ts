import type { Ledger } from '@rota/ledger';
import type { Logger } from 'pino';
import type { GatewayRuntime } from '../config/runtime-types.js';
import { GatewayStartError, openRotaProcess, type StartProcessOptions } from '../process/rota-process.js';
import { startWorkerMetricsServer } from './worker-metrics-server.js';
import { watchRouter } from '../process/watch-router.js';

export interface RunningWorker {
  runtime: GatewayRuntime;
  ledger: Ledger;
  logger: Logger;
  /** Where its /metrics and /healthz are served, when `metricsListen` was given. */
  metricsUrl?: string;
  /** Stops taking units, lets those in flight finish within dispatch.shutdownMs, then closes the router and the store. */
  close(): Promise<void>;
}

/**
 * A worker (`rota worker --config FILE`): on a PostgreSQL store shared with
 * gateways, it takes queued units and sends them, follows delivery reports,
 * delivers webhooks and prunes; it serves no API, only, with `metricsListen`,
 * its own /metrics and /healthz (the figures of sending are a worker's). It reads the same
 * configuration file as the gateways (providers, limits, reports, webhooks),
 * reloads it on change and SIGHUP, and applies the operator's settings the
 * gateways store.
 */
export async function startWorker(options: StartProcessOptions & { metricsListen?: { host: string; port: number } }): Promise<RunningWorker> {
  const core = await openRotaProcess(options, (config) => {
    if (config.store.kind !== 'postgres') {
      throw new GatewayStartError(
        `${options.configPath}: a worker takes its work from a PostgreSQL store shared with gateways; store.kind is ${config.store.kind} (there one gateway sends by itself: run only the gateway)`,
        [{ path: 'store.kind', reason: 'must be postgres for rota worker' }],
      );
    }
    return 'worker';
  });
  const { runtime, ledger, logger, metrics } = core;
  // A worker's router is the one that sends: its attempts, breakers and outcomes are logged and counted here, as a
  // gateway's are by the HTTP server it builds.
  const unwatch = watchRouter(runtime, logger, metrics);
  let metricsServer: Awaited<ReturnType<typeof startWorkerMetricsServer>> | undefined;
  if (options.metricsListen) {
    try {
      metricsServer = await startWorkerMetricsServer({ ...options.metricsListen, runtime, metrics });
    } catch (error) {
      unwatch();
      await core.close();
      throw new GatewayStartError(`cannot serve the worker's metrics on ${options.metricsListen.host}:${options.metricsListen.port}: ${(error as Error).message}`, [
        { path: '--metrics-listen', reason: 'must be a free address of this host' },
      ]);
    }
  }
  // Serving no HTTP, a worker's handles are the database's, and an idle pool lets go of them: it lives until close().
  const alive = setInterval(() => {}, 1 << 30);
  logger.info({ role: 'worker', pid: process.pid, ...(metricsServer ? { metrics: `${metricsServer.url}/metrics` } : {}) }, 'Rota worker started: sending what gateways queue');
  return {
    runtime,
    ledger,
    logger,
    ...(metricsServer ? { metricsUrl: metricsServer.url } : {}),
    close: async () => {
      clearInterval(alive);
      await metricsServer?.close();
      // The units in flight finish inside core.close(): their attempts are still logged and counted.
      await core.close();
      unwatch();
      logger.info({}, 'Rota worker stopped');
    },
  };
}
