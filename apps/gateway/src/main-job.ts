#!/usr/bin/env node
// The main job (`pnpm start` at the repository root, through scripts/start.mjs):
// the sandbox — every provider's wire on one port — and the gateway in one
// process, configured by config/sandbox.yaml, with curl lines that work as printed.
import 'reflect-metadata';
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DEFAULT_SANDBOX_ACCOUNTS, DEFAULT_SANDBOX_CONSENT, DEFAULT_SANDBOX_WIRES, startSandbox, type Sandbox } from '@rota/figensoft-sandbox';
import type { Logger } from 'pino';
import type { Env } from './config/interpolate.js';
import { GatewayStartError, installShutdown, startGateway, type RunningGateway } from './http/gateway-server.js';

export const SANDBOX_CONFIG_PATH = fileURLToPath(new URL('../../../config/sandbox.yaml', import.meta.url));
const DEFAULT_SANDBOX_PORT = 8090;

export class MainJobError extends Error {
  override readonly name = 'MainJobError';
}

export interface MainJobOptions {
  env?: Env;
  /** Overrides ROTA_SANDBOX_PORT (0: any free port). */
  sandboxPort?: number;
  /** Overrides ROTA_GATEWAY_PORT and the file's gateway.listen.port (0: any free port). */
  gatewayPort?: number;
  logger?: Logger;
  configPath?: string;
}

export interface MainJob {
  gateway: RunningGateway;
  sandbox: Sandbox;
  /** What the job prints on start: the URLs and the curl lines. */
  banner: string;
  sendCurl: string;
  providersCurl: string;
  /** Switches the rank-1 provider (Message Center) off with the admin token: the next send goes through rank 2. */
  disableCurl: string;
  close(): Promise<void>;
}

function portFrom(env: Env, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const port = Number(raw);
  if (!/^\d{1,5}$/.test(raw) || port > 65_535) throw new MainJobError(`${name} must be a port number from 0 to 65535`);
  return port;
}

/** POSIX shell single-quoting: the printed line works when pasted, whatever the key holds. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

export async function startMainJob(options: MainJobOptions = {}): Promise<MainJob> {
  const env = options.env ?? process.env;
  const sandboxPort = options.sandboxPort ?? portFrom(env, 'ROTA_SANDBOX_PORT') ?? DEFAULT_SANDBOX_PORT;
  const gatewayPort = options.gatewayPort ?? portFrom(env, 'ROTA_GATEWAY_PORT');
  const configPath = options.configPath ?? SANDBOX_CONFIG_PATH;

  let sandbox: Sandbox;
  try {
    sandbox = await startSandbox({ accounts: DEFAULT_SANDBOX_ACCOUNTS, consent: DEFAULT_SANDBOX_CONSENT, ...DEFAULT_SANDBOX_WIRES, host: '127.0.0.1', port: sandboxPort });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new MainJobError(`port ${sandboxPort} (the sandbox) is already in use; set ROTA_SANDBOX_PORT to a free port`);
    }
    throw error;
  }

  // The configuration reaches the sandbox through ${ROTA_SANDBOX_URL} (FigenSoft's API) and ${ROTA_SANDBOX_ORIGIN} (every other wire's prefix).
  const origin = new URL(sandbox.url).origin;
  process.env.ROTA_SANDBOX_URL = sandbox.url;
  process.env.ROTA_SANDBOX_ORIGIN = origin;
  const gatewayEnv: Env = { ...env, ROTA_SANDBOX_URL: sandbox.url, ROTA_SANDBOX_ORIGIN: origin };
  let gateway: RunningGateway;
  try {
    gateway = await startGateway({
      configPath,
      development: true,
      env: gatewayEnv,
      processMetrics: true,
      ...(options.logger ? { logger: options.logger } : {}),
      ...(gatewayPort === undefined ? {} : { listen: { port: gatewayPort } }),
    });
  } catch (error) {
    await sandbox.close();
    if (error instanceof GatewayStartError && error.port !== undefined) {
      throw new MainJobError(`${error.message} (the gateway); set ROTA_GATEWAY_PORT to a free port`);
    }
    throw error;
  }

  const apiKey = gateway.runtime.config().gateway.apiKeys[0]!.key;
  const message = JSON.stringify({ to: '+905321234567', text: 'Merhaba from Rota', iysType: 'NOTIFICATION' });
  const sendCurl =
    `curl -sS -X POST ${gateway.url}/v1/messages -H ${shellQuote(`Authorization: Bearer ${apiKey}`)} ` +
    `-H 'Content-Type: application/json' -d ${shellQuote(message)}`;
  const providersCurl = `curl -sS ${gateway.url}/v1/providers -H ${shellQuote(`Authorization: Bearer ${apiKey}`)}`;
  const adminToken = gateway.runtime.config().gateway.adminToken;
  const disableCurl =
    `curl -sS -X PATCH ${gateway.url}/v1/providers/message-center -H ${shellQuote(`Authorization: Bearer ${adminToken}`)} ` +
    `-H 'Content-Type: application/json' -d '{"enabled":false}'`;
  const banner = [
    '',
    `Rota gateway:  ${gateway.url}   (OpenAPI: ${gateway.url}/openapi.json, metrics: ${gateway.url}/metrics)`,
    `Sandbox:       ${origin}   every provider's wire: /message-center, /mobildev, /api_json (FigenSoft), /infobip, /twilio`,
    `               records of all five: ${origin}/_admin/records?wire=all`,
    `Configuration: ${configPath} (development mode; ranks: message-center 1, mobildev 2, figensoft 3, infobip 4, twilio 5)`,
    '',
    'Send a NOTIFICATION message (rank 1, Message Center, takes it):',
    `  ${sendCurl}`,
    '',
    'Switch rank 1 off; the next send goes through rank 2 (Mobildev):',
    `  ${disableCurl}`,
    '',
    'Provider status:',
    `  ${providersCurl}`,
    '',
    'Ctrl+C stops both.',
    '',
  ].join('\n');

  let closing: Promise<void> | undefined;
  return {
    gateway,
    sandbox,
    banner,
    sendCurl,
    providersCurl,
    disableCurl,
    close: () =>
      (closing ??= (async () => {
        await gateway.close();
        await sandbox.close();
      })()),
  };
}

function isEntryPoint(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

/**
 * What `node dist/main-job.js` does: start, print the banner, stop on SIGINT or
 * SIGTERM (exit 0); exit 1 when it cannot start. Resolves once the signal
 * handlers are in place. Exported for the repository's start launcher
 * (scripts/start.mjs), which runs the job in its own process.
 */
export function runMainJob(): Promise<void> {
  return startMainJob().then(
    (job) => {
      process.stdout.write(job.banner);
      installShutdown(job.close, { logger: job.gateway.logger });
    },
    (error: unknown) => {
      if (error instanceof MainJobError) process.stderr.write(`rota main job: ${error.message}\n`);
      else if (error instanceof GatewayStartError) {
        process.stderr.write(`rota main job: ${error.message}\n`);
        for (const issue of error.issues) process.stderr.write(`  ${issue.path}: ${issue.reason}\n`);
      } else process.stderr.write(`rota main job: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}

if (isEntryPoint()) void runMainJob();
