import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { ValidationIssue } from '@rota/provider';
import type { Env } from '../config/interpolate.js';
import { loadConfigFile } from '../config/load-config.js';
import type { RotaConfig } from '../config/rota-config.js';
import { createRuntime } from '../config/runtime.js';
import type { Ledger } from '@rota/ledger';
import { accountLimits, openGatewayLedger, type GatewayLedger } from '../ledger/open-gateway-ledger.js';
import type { GatewayRuntime } from '../config/runtime-types.js';
import { watchConfig } from '../config/watch-config.js';
import { createGatewayLogger } from '../logging/create-logger.js';
import { createGatewayMetrics } from '../metrics/gateway-metrics.js';
import { buildGateway } from './build-gateway.js';

/** Why the gateway did not start: every configuration problem with its path, or one plain reason (a port in use). */
export class GatewayStartError extends Error {
  override readonly name = 'GatewayStartError';
  readonly issues: ValidationIssue[];
  /** Set when the listen address was the problem. */
  readonly port: number | undefined;
  constructor(message: string, issues: ValidationIssue[] = [], port?: number) {
    super(message);
    this.issues = issues;
    this.port = port;
  }
}

export interface StartGatewayOptions {
  configPath: string;
  /** Allows the stubs' simulate transport. Never in production. */
  development?: boolean;
  /** For `${VAR}` interpolation, at start and on every reload (default: process.env). */
  env?: Env;
  /** Default: JSON lines on stdout at the configured level. */
  logger?: Logger;
  /** Overrides gateway.listen (the main job and tests pick their own ports). */
  listen?: { host?: string; port?: number };
  /** Reload on file change and SIGHUP (default true). */
  watch?: boolean;
  processMetrics?: boolean;
  /** Changes the configuration after it is read and before it runs. */
  adjust?: (config: RotaConfig) => RotaConfig;
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
  const env = options.env ?? process.env;
  const loaded = await loadConfigFile(options.configPath, env);
  if (!loaded.ok) throw new GatewayStartError(`${options.configPath}: the configuration is invalid`, loaded.issues);
  const config = options.adjust ? options.adjust(loaded.config) : loaded.config;

  const logger = options.logger ?? createGatewayLogger({ level: config.logging.level });
  // Set once the store is open; a reload before that has no limits to hand over.
  let ledgerForReloads: Ledger | undefined;
  let runtime: GatewayRuntime;
  try {
    runtime = createRuntime(config, {
      logger,
      development: options.development ?? false,
      configPath: options.configPath,
      env,
      onApplied: (next) => {
        if (logger.level !== next.logging.level) logger.level = next.logging.level;
        ledgerForReloads?.setLimits(accountLimits(next));
      },
    });
  } catch (error) {
    throw new GatewayStartError(error instanceof Error ? error.message : String(error));
  }

  const metrics = createGatewayMetrics({ processMetrics: options.processMetrics ?? false });
  let opened: GatewayLedger;
  try {
    opened = await openGatewayLedger(config, { router: runtime.router, logger, configPath: options.configPath, current: () => runtime.config(), observer: metrics.ledgerObserver });
  } catch (error) {
    await runtime.close();
    throw new GatewayStartError(`the message store could not be opened: ${error instanceof Error ? error.message : String(error)}`);
  }
  const { ledger } = opened;
  ledgerForReloads = ledger;
  metrics.observeLedger(ledger);
  const { timeouts } = config.gateway;
  const app = buildGateway({ runtime, ledger, logger, metrics, timeouts });
  const stopWatching = options.watch === false ? () => {} : watchConfig(runtime, options.configPath, logger);

  const host = options.listen?.host ?? config.gateway.listen.host;
  const port = options.listen?.port ?? config.gateway.listen.port;
  try {
    await app.listen({ host, port });
  } catch (error) {
    stopWatching();
    await app.close();
    await ledger.stop(0);
    await runtime.close();
    await opened.close();
    throw listenError(error, host, port);
  }
  const address = app.server.address();
  const boundPort = typeof address === 'object' && address ? address.port : port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${boundPort}`;
  logger.info({ url, development: options.development ?? false }, `Rota gateway listening on ${url}`);

  let closing: Promise<void> | undefined;
  return {
    url,
    app,
    runtime,
    ledger,
    logger,
    close: () =>
      (closing ??= (async () => {
        stopWatching();
        await closeWithin(app, timeouts.shutdownMs, logger);
        // Dispatches in flight finish within the bound; queued records wait for the next start.
        await ledger.stop(config.dispatch.shutdownMs);
        await runtime.close();
        await opened.close();
        logger.info({}, 'Rota gateway stopped');
      })()),
  };
}

/**
 * Stops accepting and waits for requests in flight, but not for ever: past
 * `boundMs` the connections still open (a client sending its body slowly, a
 * request waiting on a provider) are closed, and shutdown goes on.
 */
async function closeWithin(app: FastifyInstance, boundMs: number, logger: Logger): Promise<void> {
  const timer = setTimeout(() => {
    logger.warn({ boundMs }, 'shutdown: requests still in flight after gateway.timeouts.shutdownMs; closing their connections');
    app.server.closeAllConnections();
  }, boundMs);
  try {
    await app.close();
  } finally {
    clearTimeout(timer);
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
