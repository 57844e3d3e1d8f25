import type { Ledger } from '@rota/ledger';
import type { Logger } from 'pino';
import type { GatewayRuntime } from '../config/runtime-types.js';
import { GatewayStartError, openRotaProcess, type StartProcessOptions } from '../process/rota-process.js';

export interface RunningWorker {
  runtime: GatewayRuntime;
  ledger: Ledger;
  logger: Logger;
  /** Stops taking units, lets those in flight finish within dispatch.shutdownMs, then closes the router and the store. */
  close(): Promise<void>;
}

/**
 * A worker (`rota worker --config FILE`): on a PostgreSQL store shared with
 * gateways, it takes queued units and sends them, follows delivery reports,
 * delivers webhooks and prunes; it serves no HTTP. It reads the same
 * configuration file as the gateways (providers, limits, reports, webhooks),
 * reloads it on change and SIGHUP, and applies the operator's settings the
 * gateways store.
 */
export async function startWorker(options: StartProcessOptions): Promise<RunningWorker> {
  const core = await openRotaProcess(options, (config) => {
    if (config.store.kind !== 'postgres') {
      throw new GatewayStartError(
        `${options.configPath}: a worker takes its work from a PostgreSQL store shared with gateways; store.kind is ${config.store.kind} (there one gateway sends by itself: run only the gateway)`,
        [{ path: 'store.kind', reason: 'must be postgres for rota worker' }],
      );
    }
    return 'worker';
  });
  const { runtime, ledger, logger } = core;
  // Serving no HTTP, a worker's handles are the database's, and an idle pool lets go of them: it lives until close().
  const alive = setInterval(() => {}, 1 << 30);
  logger.info({ role: 'worker', pid: process.pid }, 'Rota worker started: sending what gateways queue');
  return {
    runtime,
    ledger,
    logger,
    close: async () => {
      clearInterval(alive);
      await core.close();
      logger.info({}, 'Rota worker stopped');
    },
  };
}
