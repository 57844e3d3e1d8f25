// The database goes away under a running gateway: sends answer 503
// store-unavailable (never an accepted message without its record), readiness
// says why, and when the database is back the same process records and sends
// again, without a restart. It goes away in the two ways a network loses it:
// closed at once, or silent (packets dropped, no reset) until each connection
// misses its reply deadline.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_SANDBOX_ACCOUNTS, startSandbox, type Sandbox } from '@rota/figensoft-sandbox';
import { startGateway, type RunningGateway } from '@rota/gateway';
import { agent, call, until } from './support/http.js';
import { dropSchema, freshSchema, testDatabaseUrl } from './support/postgres-schema.js';
import { ADMIN, API_KEY, writeRotaConfig } from './support/rota-config.js';
import { TcpProxy } from '@rota/testkit';

describe('a lost database connection', () => {
  let dir: string;
  let sandbox: Sandbox;
  let schema: string;
  let proxy: TcpProxy;
  let gateway: RunningGateway;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rota-lost-db-'));
    sandbox = await startSandbox({ accounts: DEFAULT_SANDBOX_ACCOUNTS, deliveryDelayMs: 0, host: '127.0.0.1', port: 0 });
    schema = freshSchema('lostdb');
    const database = new URL(testDatabaseUrl());
    proxy = new TcpProxy({ host: database.hostname, port: Number(database.port) });
    await proxy.start();
    const viaProxy = new URL(database.href);
    viaProxy.port = String(proxy.port);
    const file = await writeRotaConfig(dir, 'rota', { sandboxUrl: sandbox.url, schema, databaseUrl: viaProxy.href, store: { connectTimeoutMs: 1_000, statementTimeoutMs: 1_000 } });
    // One process that records and sends: the dispatch must come back too.
    gateway = await startGateway({ configPath: file, watch: false, worker: true });
  });

  afterAll(async () => {
    await gateway.close();
    await proxy.stop();
    await agent.close();
    await sandbox.close();
    await dropSchema(schema);
    await rm(dir, { recursive: true, force: true });
  });

  const send = (text: string) => call(gateway.url, 'POST', '/v1/messages', API_KEY, { to: '+905321234567', text, iysType: 'NOTIFICATION', idempotencyKey: text }, { prefer: 'respond-async' });

  it('answers 503 while the database is away, says why, and records and sends again when it is back', async () => {
    const first = await send('before the loss');
    expect(first.status).toBe(202);

    await proxy.cut();
    const during = await send('during the loss');
    expect(during.status).toBe(503);
    expect(during.body).toMatchObject({ error: 'store-unavailable' });
    const batch = await call(gateway.url, 'POST', '/v1/messages/batch', API_KEY, { messages: [{ to: '+905321234567', text: 'batch during the loss', iysType: 'NOTIFICATION' }] });
    expect(batch.status).toBe(503);
    // A read is asked again; idempotency keys are a send's concern.
    const read = await call(gateway.url, 'GET', `/v1/messages/${first.body.id}`, API_KEY);
    expect(read).toMatchObject({ status: 503, body: { error: 'store-unavailable', message: 'the message store cannot be reached or did not answer in time; retry later' } });
    await until('readiness says the store is unreachable', async () => (await call(gateway.url, 'GET', '/readyz', ADMIN)).status === 503, 10_000, 200);
    const readiness = await call(gateway.url, 'GET', '/v1/readiness', ADMIN);
    expect(readiness.status).toBe(503);
    expect(readiness.body.store).toMatchObject({ kind: 'postgres', reachable: false });
    expect(readiness.body.store.detail).toMatch(/database cannot be reached/);
    // The providers are fine: only the store makes it unready.
    expect(readiness.body.providers.some((provider: { healthy: boolean | null }) => provider.healthy === true)).toBe(true);

    await proxy.restore();
    // The same process, no restart: the pool makes new connections, the queue and the listener come back.
    await until('a send is recorded again', async () => (await send('after the loss')).status === 202, 15_000, 200);
    await until('readiness is back', async () => (await call(gateway.url, 'GET', '/readyz', ADMIN)).status === 200, 15_000, 200);

    // The request answered 503 was never recorded; the client's retry with its key records it once.
    const retried = await send('during the loss');
    expect(retried.status).toBe(202);
    const again = await send('during the loss');
    expect(again.body.id).toBe(retried.body.id);

    // Everything accepted is sent, once each.
    await until('the sandbox has every message', () => ['before the loss', 'after the loss', 'during the loss'].every((text) => sandbox.records().some((record) => record.text === text)), 15_000, 100);
    const texts = sandbox.records().map((record) => record.text);
    expect(texts.filter((text) => text === 'during the loss')).toHaveLength(1);
    expect(texts).not.toContain('batch during the loss');
  });

  it('answers 503 when the database goes silent without closing, drops the silent connections, and records again when the path is back', async () => {
    expect((await send('before the silence')).status).toBe(202);

    proxy.silence();
    const started = Date.now();
    const during = await send('during the silence');
    expect(during.status).toBe(503);
    expect(during.body).toMatchObject({ error: 'store-unavailable' });
    // By the reply deadline (1 s statement timeout + 2 s), not TCP's fifteen minutes; the bound leaves room for a busy machine.
    expect(Date.now() - started).toBeLessThan(15_000);
    await until('readiness says the store is unreachable', async () => (await call(gateway.url, 'GET', '/readyz', ADMIN)).status === 503, 10_000, 200);

    await proxy.restore();
    await until('a send is recorded again', async () => (await send('after the silence')).status === 202, 20_000, 200);
    await until('readiness is back', async () => (await call(gateway.url, 'GET', '/readyz', ADMIN)).status === 200, 15_000, 200);
    // The pool, the queue's calls and the notification listener each closed the connections that went silent. The queue's
    // calls have the longest deadline (30 s and two statement timeouts, 34 s here): a worker's fetch may wait that long.
    await until('every silent connection is closed', () => proxy.silentConnections === 0, 45_000, 200);

    const retried = await send('during the silence');
    expect(retried.status).toBe(202);
    await until('the sandbox has every message', () => ['before the silence', 'after the silence', 'during the silence'].every((text) => sandbox.records().some((record) => record.text === text)), 45_000, 100);
    expect(sandbox.records().filter((record) => record.text === 'during the silence')).toHaveLength(1);
  });
});
