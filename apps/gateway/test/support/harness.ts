import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { Ledger, openLedgerStore } from '@rota/ledger';
import { createRouter, type RoutedProvider, type Router } from '@rota/core';
import { createFigenSoftProvider, type FigenSoftProvider } from '@rota/figensoft';
import { DEFAULT_SANDBOX_ACCOUNTS, DEFAULT_SANDBOX_CONSENT, startSandbox, type Sandbox } from '@rota/figensoft-sandbox';
import type { FastifyInstance } from 'fastify';
import { Agent, request } from 'undici';
import { RotaConfigSchema, type RotaConfig, type RotaConfigInput } from '../../src/config/rota-config.js';
import type { GatewayRuntimeView } from '../../src/http/gateway-context.js';
import { buildGateway } from '../../src/http/build-gateway.js';
import { createGatewayLogger, type Logger } from '../../src/logging/create-logger.js';
import { createGatewayMetrics, type GatewayMetrics } from '../../src/metrics/gateway-metrics.js';

/** Credentials distinctive enough that a test can search every output for them. */
export const SECRETS = {
  notifyPassword: 'sandbox-notify-secret',
  campaignPassword: 'sandbox-campaign-secret',
  apiKey: 'test-send-KEY-7f3a9c1e5b',
  otherApiKey: 'test-other-KEY-2d8e4f6a0c',
  adminToken: 'test-admin-TOKEN-9b1d3f5e7a',
} as const;

export const NUMBERS = {
  /** Approved for CAMPAIGN in the sandbox's default consent. */
  approved: '+905321234567',
  approvedWire: '905321234567',
  other: '+905551112233',
  optedOut: '+905559998877',
} as const;

/** A sendAt `days` from now, as a client writes it: within gateway.maxScheduleDays (365 by default) for up to a year. */
export function daysAhead(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString();
}

export function figensoftSettings(url: string, passwords: { notify: string; campaign: string } = { notify: SECRETS.notifyPassword, campaign: SECRETS.campaignPassword }) {
  return {
    accounts: [
      { username: 'rota-notify', password: passwords.notify, smsIysMessageType: 'NOTIFICATION' as const, senderList: ['ROTA', 'ROTAOTP'], customApiActive: true, customApiUrl: url },
      { username: 'rota-campaign', password: passwords.campaign, smsIysMessageType: 'CAMPAIGN' as const, senderList: ['ROTA'], customApiActive: true, customApiUrl: url },
    ],
  };
}

/** A whole, valid configuration (figensoft through the sandbox); `gateway` fields may be overridden. */
export function testConfig(
  sandboxUrl: string,
  gateway: Partial<RotaConfigInput['gateway']> = {},
  passwords?: { notify: string; campaign: string },
): RotaConfig {
  return RotaConfigSchema.parse({
    providers: [{ type: 'figensoft', rank: 3, settings: figensoftSettings(sandboxUrl, passwords) }],
    gateway: {
      listen: { host: '127.0.0.1', port: 0 },
      apiKeys: [
        { name: 'campaign-service', key: SECRETS.apiKey },
        { name: 'billing', key: SECRETS.otherApiKey },
      ],
      adminToken: SECRETS.adminToken,
      ...gateway,
    },
    logging: { level: 'debug' },
  });
}

export function startTestSandbox(): Promise<Sandbox> {
  // deliveryDelayMs 0: a status read right after the send already sees the final state.
  return startSandbox({ accounts: DEFAULT_SANDBOX_ACCOUNTS, consent: DEFAULT_SANDBOX_CONSENT, deliveryDelayMs: 0 });
}

/** pino into memory: every line the gateway logged, for the secrets and masking checks. */
export function captureLogs(): { logger: Logger; text(): string; lines(): Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  const logger = createGatewayLogger({ level: 'debug', destination: stream });
  return {
    logger,
    text: () => chunks.join(''),
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((line) => line.length > 0)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  body: any;
}

/** An HTTP client for one gateway over loopback; every answer is recorded for the secrets check. */
export class GatewayClient {
  readonly answers: HttpAnswer[] = [];
  private readonly agent = new Agent();

  constructor(readonly url: string) {}

  async call(
    method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
    path: string,
    options: { key?: string | null; json?: unknown; raw?: string | Buffer; headers?: Record<string, string> } = {},
  ): Promise<HttpAnswer> {
    const headers: Record<string, string> = { ...options.headers };
    const key = options.key === undefined ? SECRETS.apiKey : options.key;
    if (key !== null) headers.authorization = `Bearer ${key}`;
    let body: string | Buffer | undefined;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers['content-type'] ??= 'application/json';
    } else if (options.raw !== undefined) {
      body = options.raw;
    }
    const response = await request(`${this.url}${path}`, { method, headers, body, dispatcher: this.agent });
    const text = await response.body.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    const answer = { status: response.statusCode, headers: response.headers, text, body: parsed };
    this.answers.push(answer);
    return answer;
  }

  send(message: unknown, key?: string | null) {
    return this.call('POST', '/v1/messages', { json: message, key });
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}

export interface Harness {
  sandbox: Sandbox;
  router: Router;
  ledger: Ledger;
  figensoft: FigenSoftProvider;
  config: { current: RotaConfig };
  app: FastifyInstance;
  metrics: GatewayMetrics;
  logs: ReturnType<typeof captureLogs>;
  client: GatewayClient;
  close(): Promise<void>;
}

/**
 * A gateway listening on loopback in front of a hand-built router: FigenSoft
 * (real provider, real sandbox) at rank 3, plus whatever `extra` providers a
 * test adds (a testkit fake at rank 1, say). The configuration is a literal the
 * test may swap (`config.current = …`) to act as a reload of the gateway block.
 */
export async function startHarness(
  options: { extra?: RoutedProvider[]; gateway?: Partial<RotaConfigInput['gateway']>; passwords?: { notify: string; campaign: string } } = {},
): Promise<Harness> {
  const sandbox = await startTestSandbox();
  const figensoft = createFigenSoftProvider(figensoftSettings(sandbox.url, options.passwords));
  const router = createRouter({
    providers: [{ provider: figensoft, rank: 3 }, ...(options.extra ?? [])],
    retry: { retries: 0 },
  });
  const config = { current: testConfig(sandbox.url, options.gateway, options.passwords) };
  const providers = [figensoft, ...(options.extra ?? []).map((r) => r.provider)];
  const runtime: GatewayRuntimeView = { router, config: () => config.current };
  const logs = captureLogs();
  const store = await openLedgerStore({ kind: 'memory' }, { hashKey: randomBytes(32) });
  const metrics = createGatewayMetrics();
  const ledger = new Ledger({ store, router, logger: logs.logger, dispatch: { pollMs: 50 }, observer: metrics.ledgerObserver });
  await ledger.start();
  metrics.observeLedger(ledger);
  const app = buildGateway({ runtime, ledger, logger: logs.logger, metrics, readiness: { cacheMs: 0, timeoutMs: 2_000 }, timeouts: config.current.gateway.timeouts });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const client = new GatewayClient(`http://127.0.0.1:${port}`);
  return {
    sandbox,
    router,
    ledger,
    figensoft,
    config,
    app,
    metrics,
    logs,
    client,
    async close() {
      await client.close();
      await app.close();
      await ledger.stop(1_000);
      await router.close();
      await store.close();
      await Promise.all(providers.map((p) => p.close?.()));
      await sandbox.close();
    },
  };
}
