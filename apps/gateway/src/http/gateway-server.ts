import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Ledger } from '@rota/ledger';
import type { GatewayRuntime } from '../config/runtime-types.js';
import { GatewayStartError, openRotaProcess, type StartProcessOptions } from '../process/rota-process.js';
import { buildGateway } from './build-gateway.js';

export { GatewayStartError };

export interface StartGatewayOptions extends StartProcessOptions {
  /** Overrides gateway.listen (the main job and tests pick their own ports). */
  listen?: { host?: string; port?: number };
  /**
   * On a PostgreSQL store, also do a worker's work in this process (send,
   * follow reports, deliver webhooks). Default false: a gateway there records
   * and enqueues, and `rota worker` processes send. Other stores: one process
   * does everything anyway.
   */
  worker?: boolean;
}

export interface RunningGateway {
  /** `http://host:port` the gateway answers on. */
  url: string;
  app: FastifyInstance;
  runtime: GatewayRuntime;
  ledger: Ledger;
  logger: Logger;
  /** Stops accepting connections, waits for in-flight requests, then shuts the router (breakers) and providers down. */
  close(): Promise<void>;
}

/** Reads and validates the configuration, builds the runtime and the HTTP server, and listens. */
export async function startGateway(options: StartGatewayOptions): Promise<RunningGateway> {
  // On PostgreSQL a gateway records and enqueues; workers send. Elsewhere one process does everything.
  const core = await openRotaProcess(options, (config) => (config.store.kind === 'postgres' && !options.worker ? 'gateway' : 'embedded'));
  const { config, runtime, ledger, logger, metrics, operator } = core;
  const { timeouts } = config.gateway;
  const app = buildGateway({ runtime, ledger, logger, metrics, timeouts, operator });

  const host = options.listen?.host ?? config.gateway.listen.host;
  const port = options.listen?.port ?? config.gateway.listen.port;
  try {
    await app.listen({ host, port });
  } catch (error) {
    await app.close();
    await core.close();
    throw listenError(error, host, port);
  }
  const address = app.server.address();
  const boundPort = typeof address === 'object' && address ? address.port : port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${boundPort}`;
  logger.info({ url, development: options.development ?? false, role: ledger.role }, `Rota gateway listening on ${url}`);

  let closing: Promise<void> | undefined;
  return {
    url,
    app,
    runtime,
    ledger,
    logger,
    close: () =>
      (closing ??= (async () => {
        await closeWithin(app, timeouts.shutdownMs, logger, () => ledger.stopTrying());
        await core.close();
        logger.info({}, 'Rota gateway stopped');
      })()),
  };
}

/** After the bound, the longest wait for the requests to answer with what their sends have come to. */
const ANSWER_GRACE_MS = 5_000;

/**
 * Stops accepting and waits for requests in flight, but not for ever. Past
 * `boundMs` no provider try starts here (`stopTrying`): a request waiting for
 * its sends (a long batch) answers with what they have come to, the messages
 * not tried `queued` for the next start, rather than being cut off while its
 * messages go on being sent (on PostgreSQL it stops waiting for the workers,
 * and answers the records as they stand). The connections still open after a
 * grace (as long again, at most 5 s: a client sending its body slowly, a call
 * at a provider) are closed, and shutdown goes on.
 */
async function closeWithin(app: FastifyInstance, boundMs: number, logger: Logger, stopTrying: () => void): Promise<void> {
  const graceMs = Math.min(boundMs, ANSWER_GRACE_MS);
  let grace: NodeJS.Timeout | undefined;
  const bound = setTimeout(() => {
    logger.warn({ boundMs, graceMs }, 'shutdown: requests still in flight after gateway.timeouts.shutdownMs; no new provider try starts, and their connections close after the grace');
    stopTrying();
    grace = setTimeout(() => app.server.closeAllConnections(), graceMs);
  }, boundMs);
  try {
    await app.close();
  } finally {
    clearTimeout(bound);
    clearTimeout(grace);
  }
}

function listenError(error: unknown, host: string, port: number): GatewayStartError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EADDRINUSE') return new GatewayStartError(`port ${port} on ${host} is already in use`, [], port);
  if (code === 'EACCES') return new GatewayStartError(`no permission to listen on port ${port} on ${host}`, [], port);
  if (code === 'EADDRNOTAVAIL') return new GatewayStartError(`cannot listen on ${host}: the address is not available on this machine`, [], port);
  return new GatewayStartError(`cannot listen on ${host}:${port}: ${error instanceof Error ? error.message : String(error)}`, [], port);
}

export interface ShutdownOptions {
  logger: Logger;
  /** Where the signals come from (default: the process). */
  signals?: NodeJS.EventEmitter;
  exit?: (code: number) => void;
}

/**
 * SIGTERM/SIGINT: stop accepting, let in-flight requests finish, close the
 * router and providers, exit 0 (1 if closing failed). A second signal while
 * closing exits 1 at once, for an operator who will not wait.
 */
export function installShutdown(close: () => Promise<void>, options: ShutdownOptions): () => void {
  const signals = options.signals ?? process;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let stopping = false;
  const onSignal = (signal: string): void => {
    if (stopping) {
      options.logger.warn({ signal }, 'second signal while shutting down: exiting now');
      exit(1);
      return;
    }
    stopping = true;
    options.logger.info({ signal }, 'shutting down: finishing in-flight requests');
    close().then(
      () => exit(0),
      (error: unknown) => {
        options.logger.error({ error: error instanceof Error ? error.message : String(error) }, 'shutdown failed');
        exit(1);
      },
    );
  };
  const onTerm = () => onSignal('SIGTERM');
  const onInt = () => onSignal('SIGINT');
  signals.on('SIGTERM', onTerm);
  signals.on('SIGINT', onInt);
  return () => {
    signals.off('SIGTERM', onTerm);
    signals.off('SIGINT', onInt);
  };
}
