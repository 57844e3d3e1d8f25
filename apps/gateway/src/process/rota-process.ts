import type { Ledger, LedgerRole } from '@rota/ledger';
import type { Logger } from 'pino';
import type { ValidationIssue } from '@rota/provider';
import type { Env } from '../config/interpolate.js';
import { loadConfigFile } from '../config/load-config.js';
import type { RotaConfig } from '../config/rota-config.js';
import { createRuntime } from '../config/runtime.js';
import type { GatewayRuntime } from '../config/runtime-types.js';
import { watchConfig } from '../config/watch-config.js';
import { accountLimits, openGatewayLedger } from '../ledger/open-gateway-ledger.js';
import { OperatorControls } from '../ledger/operator-controls.js';
import { createGatewayLogger } from '../logging/create-logger.js';
import { createGatewayMetrics, type GatewayMetrics } from '../metrics/gateway-metrics.js';

/** Why a gateway or worker did not start: every configuration problem with its path, or one plain reason (a port in use). */
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

export interface StartProcessOptions {
  configPath: string;
  /** Allows the stubs' simulate transport. Never in production. */
  development?: boolean;
  /** For `${VAR}` interpolation, at start and on every reload (default: process.env). */
  env?: Env;
  /** Default: JSON lines on stdout at the configured level. */
  logger?: Logger;
  /** Reload on file change and SIGHUP (default true). */
  watch?: boolean;
  processMetrics?: boolean;
  /** Changes the configuration after it is read and before it runs. */
  adjust?: (config: RotaConfig) => RotaConfig;
}

/**
 * What a gateway and a worker have in common: the configuration (reloaded
 * on change), the providers and the router, the ledger in the role this
 * process plays, and the operator's settings applied over the configuration.
 */
export interface RotaProcess {
  /** The configuration the process started with (the one in force: runtime.config()). */
  config: RotaConfig;
  logger: Logger;
  runtime: GatewayRuntime;
  ledger: Ledger;
  operator: OperatorControls;
  metrics: GatewayMetrics;
  /** Stops the ledger's work (in-flight dispatches get dispatch.shutdownMs), then closes the router, the providers and the store. */
  close(): Promise<void>;
}

/** `role`: what this process does with the ledger, once the configuration (its store's kind) is known. */
export async function openRotaProcess(options: StartProcessOptions, roleFor: (config: RotaConfig) => LedgerRole): Promise<RotaProcess> {
  const env = options.env ?? process.env;
  const loaded = await loadConfigFile(options.configPath, env);
  if (!loaded.ok) throw new GatewayStartError(`${options.configPath}: the configuration is invalid`, loaded.issues);
  const config = options.adjust ? options.adjust(loaded.config) : loaded.config;
  const role = roleFor(config);

  const logger = options.logger ?? createGatewayLogger({ level: config.logging.level });
  // Set once the store is open; a reload before that has no limits to hand over.
  let ledgerForReloads: Ledger | undefined;
  let operatorForReloads: OperatorControls | undefined;
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
        // A reload builds the router from the file: the settings operators stored go back over it.
        void operatorForReloads?.refresh();
      },
    });
  } catch (error) {
    throw new GatewayStartError(error instanceof Error ? error.message : String(error));
  }

  const metrics = createGatewayMetrics({ processMetrics: options.processMetrics ?? false });
  let opened: Awaited<ReturnType<typeof openGatewayLedger>>;
  try {
    opened = await openGatewayLedger(config, { router: runtime.router, logger, configPath: options.configPath, current: () => runtime.config(), observer: metrics.ledgerObserver, role });
  } catch (error) {
    await runtime.close();
    throw new GatewayStartError(`the message store could not be opened: ${error instanceof Error ? error.message : String(error)}`);
  }
  const { ledger } = opened;
  // Dispatches in flight finish within the bound; queued records wait for the next start (or another worker). The
  // router's close then ends the calls still out, and the units they belonged to write their results and queue their
  // untried records again — before the store closes, or those records stay dispatching until a unit timeout.
  const shutDown = async (boundMs: number): Promise<void> => {
    await ledger.stop(boundMs);
    await runtime.close();
    await ledger.settle();
    await opened.close();
  };
  const operator = new OperatorControls(runtime, { ledger, logger });
  try {
    await operator.start();
  } catch (error) {
    await shutDown(0);
    throw new GatewayStartError(`the operator settings could not be read: ${error instanceof Error ? error.message : String(error)}`);
  }
  ledgerForReloads = ledger;
  operatorForReloads = operator;
  metrics.observeLedger(ledger);
  const stopWatching = options.watch === false ? () => {} : watchConfig(runtime, options.configPath, logger);

  let closing: Promise<void> | undefined;
  return {
    config,
    logger,
    runtime,
    ledger,
    operator,
    metrics,
    close: () =>
      (closing ??= (async () => {
        stopWatching();
        operator.stop();
        await shutDown(config.dispatch.shutdownMs);
      })()),
  };
}
