import { EventEmitter } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Sandbox } from '@rota/figensoft-sandbox';
import { stringify } from 'yaml';
import { GatewayStartError, installShutdown, startGateway, type RunningGateway } from '../src/http/gateway-server.js';
import { captureLogs, figensoftSettings, GatewayClient, NUMBERS, SECRETS, startTestSandbox } from './support/harness.js';

/** A configuration file as an operator writes it: Message Center (simulated) first, FigenSoft through the sandbox third. */
function configYaml(sandboxUrl: string, options: { messageCenterRank?: number; latencyMs?: number; apiKey?: string; timeouts?: Record<string, number> } = {}): string {
  return stringify({
    providers: [
      {
        type: 'message-center',
        rank: options.messageCenterRank ?? 1,
        settings: {
          accounts: [{ key: 'mc-key', hash: 'mc-PASSWORD-4c2e6a8b', sender: 'ROTA' }],
          simulate: { latencyMs: options.latencyMs ?? 0 },
        },
      },
      { type: 'figensoft', rank: 3, settings: figensoftSettings(sandboxUrl) },
    ],
    routing: { retry: { retries: 0 } },
    gateway: {
      listen: { host: '127.0.0.1', port: 0 },
      apiKeys: [{ name: 'campaign-service', key: options.apiKey ?? SECRETS.apiKey }],
      adminToken: SECRETS.adminToken,
      ...(options.timeouts ? { timeouts: options.timeouts } : {}),
    },
    logging: { level: 'debug' },
  });
}

const message = { to: NUMBERS.other, text: 'Merhaba', iysType: 'NOTIFICATION' };

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`gave up waiting: ${what}`);
}

describe('the gateway service: start, reload, shut down', () => {
  let dir: string;
  let file: string;
  let sandbox: Sandbox;
  let gateway: RunningGateway | undefined;
  let client: GatewayClient | undefined;
  const logs = captureLogs();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rota-gateway-'));
    file = join(dir, 'rota.yaml');
    sandbox = await startTestSandbox();
  });
  afterEach(async () => {
    await client?.close();
    await gateway?.close();
    client = undefined;
    gateway = undefined;
    sandbox.clearRecords();
  });
  afterAll(async () => {
    await sandbox.close();
    await rm(dir, { recursive: true, force: true });
  });

  const start = async (extra: { development?: boolean; watch?: boolean } = {}) => {
    gateway = await startGateway({ configPath: file, development: extra.development ?? true, watch: extra.watch ?? true, logger: logs.logger });
    client = new GatewayClient(gateway.url);
    return { gateway, client };
  };

  it('serves from a configuration file, and a file change with a new rank takes effect without a restart', async () => {
    await writeFile(file, configYaml(sandbox.url));
    const { client } = await start();

    const first = await client.send(message);
    expect(first.body).toMatchObject({ status: 'accepted', providerId: 'message-center', simulated: true });
    expect(sandbox.records()).toHaveLength(0);

    await writeFile(file, configYaml(sandbox.url, { messageCenterRank: 5 }));
    await until(async () => {
      const providers = (await client.call('GET', '/v1/providers')).body.providers as { providerId: string; rank: number }[];
      return providers.find((p) => p.providerId === 'message-center')?.rank === 5;
    }, 'the new rank');

    const second = await client.send(message);
    expect(second.body).toMatchObject({ status: 'accepted', providerId: 'figensoft' });
    expect(sandbox.records().map((r) => r.username)).toEqual(['rota-notify']);
  });

  it('an invalid reload keeps the running configuration and logs every reason', async () => {
    await writeFile(file, configYaml(sandbox.url));
    const { gateway, client } = await start({ watch: false });

    await writeFile(file, configYaml(sandbox.url, { messageCenterRank: -4, apiKey: 'short' }));
    const result = await gateway.runtime.reload();
    expect(result.ok).toBe(false);
    if (!result.ok) {
      const paths = result.issues.map((i) => i.path);
      expect(paths).toEqual(expect.arrayContaining(['providers.0.rank', 'gateway.apiKeys.0.key']));
    }
    const refusal = logs.lines().filter((l) => typeof l.msg === 'string' && (l.msg as string).startsWith('configuration refused'));
    expect(refusal.length).toBeGreaterThan(0);

    // Same ranks, same keys, same routing.
    const providers = (await client.call('GET', '/v1/providers')).body.providers as { providerId: string; rank: number }[];
    expect(providers.map((p) => [p.providerId, p.rank])).toEqual([
      ['message-center', 1],
      ['figensoft', 3],
    ]);
    const sent = await client.send(message);
    expect(sent.body.providerId).toBe('message-center');
  });

  it('a reload rotates the API key: the new key works at once, the old one is refused', async () => {
    await writeFile(file, configYaml(sandbox.url));
    const { gateway, client } = await start({ watch: false });
    const rotated = 'rotated-KEY-0a1b2c3d4e5f';
    await writeFile(file, configYaml(sandbox.url, { apiKey: rotated }));
    expect((await gateway.runtime.reload()).ok).toBe(true);
    expect((await client.send(message, SECRETS.apiKey)).status).toBe(401);
    expect((await client.send(message, rotated)).status).toBe(202);
  });

  it('refuses a simulate block unless started in development mode', async () => {
    await writeFile(file, configYaml(sandbox.url));
    const error = await startGateway({ configPath: file, development: false, watch: false, logger: logs.logger }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GatewayStartError);
    expect((error as Error).message).toContain('providers.0.settings.simulate');
  });

  it('refuses an invalid file at start with every issue and its path', async () => {
    await writeFile(file, 'providers: []\ngateway:\n  apiKeys: []\n');
    const error = (await startGateway({ configPath: file, watch: false, logger: logs.logger }).catch((e: unknown) => e)) as GatewayStartError;
    expect(error).toBeInstanceOf(GatewayStartError);
    expect(error.issues.map((i) => i.path)).toEqual(expect.arrayContaining(['providers', 'gateway.apiKeys', 'gateway.adminToken']));
  });

  it('names the port when it is taken', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      await writeFile(file, configYaml(sandbox.url));
      const error = (await startGateway({ configPath: file, development: true, watch: false, logger: logs.logger, listen: { port } }).catch((e: unknown) => e)) as GatewayStartError;
      expect(error).toBeInstanceOf(GatewayStartError);
      expect(error.message).toContain(`port ${port}`);
      expect(error.port).toBe(port);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('SIGTERM: stops accepting, lets the in-flight request finish, closes the runtime, exits 0', async () => {
    await writeFile(file, configYaml(sandbox.url, { latencyMs: 400 }));
    const { gateway, client } = await start({ watch: false });
    const signals = new EventEmitter();
    const exits: number[] = [];
    let exited!: () => void;
    const exitedPromise = new Promise<void>((resolve) => (exited = resolve));
    installShutdown(gateway.close, { logger: logs.logger, signals, exit: (code) => (exits.push(code), exited()) });

    // The signal comes once the server has the request (the simulated transport then takes 400 ms to accept it).
    const received = new Promise<void>((resolve) => gateway.app.server.once('request', () => resolve()));
    const inFlight = client.send(message);
    await received;
    signals.emit('SIGTERM');

    const answer = await inFlight;
    expect(answer.status).toBe(202);
    expect(answer.body.providerId).toBe('message-center');
    await exitedPromise;
    expect(exits).toEqual([0]);
    // The router is closed (its breakers shut down): it refuses new work.
    expect((await gateway.runtime.router.send(message)).status).toBe('failed');
    // Nothing listens any more.
    await expect(new GatewayClient(gateway.url).send(message)).rejects.toThrow();
  });

  it('SIGTERM during a long batch a caller waits for: past the bound no new try starts, and the caller is answered with what went and what is queued again', async () => {
    // Before: the connection was closed with no answer after the bound while the batch went on being sent.
    // The grace (as long as the bound) leaves the calls out at the bound ample time to end (200 ms each).
    await writeFile(file, configYaml(sandbox.url, { latencyMs: 200, timeouts: { requestMs: 60_000, headersMs: 10_000, shutdownMs: 1_000 } }));
    const { gateway, client } = await start({ watch: false });
    const signals = new EventEmitter();
    let exited!: (code: number) => void;
    const exit = new Promise<number>((resolve) => (exited = resolve));
    installShutdown(gateway.close, { logger: logs.logger, signals, exit: (code) => exited(code) });

    const received = new Promise<void>((resolve) => gateway.app.server.once('request', () => resolve()));
    const messages = Array.from({ length: 40 }, (_, i) => ({ ...message, text: `Sipariş ${i}`, to: `+90532100${String(i).padStart(4, '0')}` }));
    const inFlight = client.call('POST', '/v1/messages/batch', { json: { messages } });
    await received;
    signals.emit('SIGTERM');

    const answer = await inFlight;
    expect(answer.status).toBe(200);
    const states = answer.body.results.map((result: { status: string }) => result.status);
    expect(states).toHaveLength(40);
    // Some went (before the bound, or at a provider when it passed); the others were never tried, and wait for the next start.
    expect(states.filter((state: string) => state === 'accepted').length).toBeGreaterThan(0);
    expect(states.filter((state: string) => state === 'queued').length).toBeGreaterThan(0);
    expect(states.every((state: string) => state === 'accepted' || state === 'queued')).toBe(true);
    expect(await exit).toBe(0);
  });

  it('SIGTERM with a client sending its body slowly: the drain is bounded by gateway.timeouts.shutdownMs', async () => {
    // Before: the process stayed "shutting down" until the slow client left (45 s).
    await writeFile(file, configYaml(sandbox.url, { timeouts: { requestMs: 60_000, headersMs: 10_000, shutdownMs: 500 } }));
    const { gateway } = await start({ watch: false });
    const signals = new EventEmitter();
    let exited!: (code: number) => void;
    const exit = new Promise<number>((resolve) => (exited = resolve));
    installShutdown(gateway.close, { logger: logs.logger, signals, exit: (code) => exited(code) });

    const { port } = new URL(gateway.url);
    const slow = connect(Number(port), '127.0.0.1');
    slow.on('error', () => {});
    slow.write(`POST /v1/messages HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${SECRETS.apiKey}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"to":`);
    const closed = new Promise<void>((resolve) => slow.on('close', () => resolve()));
    await new Promise((resolve) => setTimeout(resolve, 100));

    const started = performance.now();
    signals.emit('SIGTERM');
    expect(await exit).toBe(0);
    expect(performance.now() - started).toBeLessThan(3_000);
    await closed;
  });
});
