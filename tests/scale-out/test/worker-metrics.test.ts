// On PostgreSQL the workers send, so the figures of sending are theirs: a
// worker started with a metrics address serves its own /metrics (behind the
// metrics token when one is set), where a gateway's shows no provider attempt.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_SANDBOX_ACCOUNTS, startSandbox, type Sandbox } from '@rota/figensoft-sandbox';
import { startGateway, startWorker, type RunningGateway, type RunningWorker } from '@rota/gateway';
import { TcpProxy } from '@rota/testkit';
import { request } from 'undici';
import { agent, call, until } from './support/http.js';
import { dropSchema, freshSchema, testDatabaseUrl } from './support/postgres-schema.js';
import { runRota } from './support/rota-process.js';
import { API_KEY, writeRotaConfig } from './support/rota-config.js';

const METRICS_TOKEN = 'scale-out-METRICS-0123456789';

describe("a worker's metrics", () => {
  let dir: string;
  let sandbox: Sandbox;
  let schema: string;
  let file: string;
  let gateway: RunningGateway;
  let worker: RunningWorker;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rota-worker-metrics-'));
    sandbox = await startSandbox({ accounts: DEFAULT_SANDBOX_ACCOUNTS, deliveryDelayMs: 0, host: '127.0.0.1', port: 0 });
    schema = freshSchema('metrics');
    file = await writeRotaConfig(dir, 'rota', { sandboxUrl: sandbox.url, schema });
    gateway = await startGateway({ configPath: file, watch: false });
    worker = await startWorker({
      configPath: file,
      watch: false,
      metricsListen: { host: '127.0.0.1', port: 0 },
      adjust: (config) => ({ ...config, gateway: { ...config.gateway, metricsToken: METRICS_TOKEN } }),
    });
  });

  afterAll(async () => {
    await worker.close();
    await gateway.close();
    await agent.close();
    await sandbox.close();
    await dropSchema(schema);
    await rm(dir, { recursive: true, force: true });
  });

  const get = async (url: string, token?: string) => {
    const response = await request(url, { dispatcher: agent, headers: token ? { authorization: `Bearer ${token}` } : {} });
    return { status: response.statusCode, text: await response.body.text() };
  };
  const ATTEMPT = /^rota_provider_attempts_total\{[^}]*provider="figensoft"[^}]*outcome="accepted"[^}]*\} (\d+)$/m;

  it('counts the attempts the worker made, behind the metrics token; a gateway on the same database counts none', async () => {
    const sent = await call(gateway.url, 'POST', '/v1/messages', API_KEY, { to: '+905321234567', text: 'counted by the worker', iysType: 'NOTIFICATION' }, { prefer: 'respond-async' });
    expect(sent.status).toBe(202);
    await until('the sandbox has it', () => sandbox.records().some((record) => record.text === 'counted by the worker'), 15_000);

    expect((await get(`${worker.metricsUrl}/metrics`)).status).toBe(401);
    const scraped = await get(`${worker.metricsUrl}/metrics`, METRICS_TOKEN);
    expect(scraped.status).toBe(200);
    expect(Number(ATTEMPT.exec(scraped.text)?.[1])).toBe(1);
    expect(ATTEMPT.exec((await get(`${gateway.url}/metrics`)).text)).toBeNull();
    expect(await get(`${worker.metricsUrl}/healthz`)).toMatchObject({ status: 200 });
    expect((await get(`${worker.metricsUrl}/v1/messages`)).status).toBe(404);
    expect((await request(`${worker.metricsUrl}/metrics`, { method: 'POST', dispatcher: agent }).then(async (r) => (await r.body.text(), r.statusCode)))).toBe(404);
  });

  it("answers its own series and rota_store_up 0 while the database is away, the store's figures left out, and all of them again once it is back", async () => {
    const database = new URL(testDatabaseUrl());
    const proxy = new TcpProxy({ host: database.hostname, port: Number(database.port) });
    await proxy.start();
    const viaProxy = new URL(database.href);
    viaProxy.port = String(proxy.port);
    const proxied = await writeRotaConfig(dir, 'proxied', { sandboxUrl: sandbox.url, schema, databaseUrl: viaProxy.href, store: { connectTimeoutMs: 1_000 } });
    const away = await startWorker({ configPath: proxied, watch: false, metricsListen: { host: '127.0.0.1', port: 0 } });
    try {
      expect((await get(`${away.metricsUrl}/metrics`)).status).toBe(200);
      await proxy.cut();
      // The breakers and attempts matter most during an outage: a scrape still has them.
      const during = await get(`${away.metricsUrl}/metrics`);
      expect(during.status).toBe(200);
      expect(during.text).toMatch(/^rota_store_up 0$/m);
      expect(during.text).toMatch(/^rota_breaker_state\{/m);
      expect(during.text).not.toContain('rota_queue_depth{');
      await proxy.restore();
      await until('the figures are back', async () => /^rota_store_up 1$/m.test((await get(`${away.metricsUrl}/metrics`)).text), 15_000, 200);
      expect((await get(`${away.metricsUrl}/metrics`)).text).toContain('rota_queue_depth{');
    } finally {
      await away.close();
      await proxy.stop();
    }
  });

  it('refuses a --metrics-listen that is not HOST:PORT', async () => {
    const bad = await runRota(['worker', '--config', file, '--metrics-listen', '127.0.0.1:99999']);
    expect({ code: bad.code, err: bad.err }).toEqual({ code: 2, err: expect.stringContaining('--metrics-listen must be HOST:PORT') });
  });
});
