#!/usr/bin/env node
// `node dist/main.js --config FILE [--development]`: the gateway as a service.
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { GatewayStartError, installShutdown, startGateway } from './http/gateway-server.js';

const USAGE = 'usage: node dist/main.js --config FILE [--worker] [--development]';

async function main(): Promise<number> {
  let values: { config?: string; development?: boolean; worker?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: { config: { type: 'string', short: 'c' }, development: { type: 'boolean' }, worker: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(
      `${USAGE}\n  --config FILE   the configuration (YAML or JSON)\n  --worker        on a PostgreSQL store, also send from this process (default: record and queue; rota worker sends)\n  --development   allow simulated transports (never in production)\n`,
    );
    return 0;
  }
  if (!values.config) {
    process.stderr.write(`--config is required\n${USAGE}\n`);
    return 2;
  }
  try {
    const gateway = await startGateway({ configPath: values.config, development: values.development ?? false, worker: values.worker ?? false, processMetrics: true });
    installShutdown(gateway.close, { logger: gateway.logger });
    return -1; // keep running until a signal
  } catch (error) {
    if (error instanceof GatewayStartError) {
      process.stderr.write(`rota gateway: ${error.message}\n`);
      for (const issue of error.issues) process.stderr.write(`  ${issue.path}: ${issue.reason}\n`);
      return 1;
    }
    throw error;
  }
}

main().then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (error: unknown) => {
    process.stderr.write(`rota gateway: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
