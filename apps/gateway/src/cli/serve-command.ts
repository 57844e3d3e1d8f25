import 'reflect-metadata';
import { EXIT, type CliIo } from './cli-io.js';
import { GatewayStartError } from '../process/rota-process.js';
import { installShutdown, startGateway } from '../http/gateway-server.js';
import { startWorker } from '../worker/start-worker.js';

export interface ServeValues {
  config: string;
  development?: boolean;
  /** `rota gateway --worker`: on PostgreSQL, also send from this process. */
  worker?: boolean;
  /** `rota worker --metrics-listen HOST:PORT`. */
  metricsListen?: { host: string; port: number };
}

/**
 * `rota gateway` and `rota worker`: starts the process and runs until
 * SIGTERM/SIGINT, which drain it and exit (installShutdown). Resolves with
 * an exit code only when it could not start.
 */
export async function serveCommand(kind: 'gateway' | 'worker', values: ServeValues, io: CliIo): Promise<number> {
  const options = { configPath: values.config, development: values.development ?? false, processMetrics: true, env: io.env };
  try {
    const running = kind === 'gateway' ? await startGateway({ ...options, worker: values.worker ?? false }) : await startWorker({ ...options, ...(values.metricsListen ? { metricsListen: values.metricsListen } : {}) });
    installShutdown(running.close, { logger: running.logger });
  } catch (error) {
    if (!(error instanceof GatewayStartError)) throw error;
    io.err(`rota ${kind}: ${error.message}`);
    for (const issue of error.issues) io.err(`  ${issue.path}: ${issue.reason}`);
    return EXIT.failed;
  }
  // Running: the shutdown handler exits the process.
  return new Promise<number>(() => {});
}
