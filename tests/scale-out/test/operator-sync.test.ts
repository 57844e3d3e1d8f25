// An operator's change on one gateway reaches every process on the database
// within a second: gateway A disables a provider, and a worker that takes its
// work from gateway B's side routes around it. Stored settings also reach a
// process started later, and survive a configuration reload.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_SANDBOX_ACCOUNTS, startSandbox, type Sandbox } from '@rota/figensoft-sandbox';
import { startGateway, startWorker, type RunningGateway, type RunningWorker } from '@rota/gateway';
import { agent, call, until } from './support/http.js';
import { dropSchema, freshSchema } from './support/postgres-schema.js';
import { ADMIN, API_KEY, writeRotaConfig } from './support/rota-config.js';

describe('operator changes on a shared database', () => {
  let dir: string;
  let sandbox: Sandbox;
  let schema: string;
  let file: string;
  let a: RunningGateway;
  let b: RunningGateway;
  let worker: RunningWorker;
  const started: { close(): Promise<void> }[] = [];

  const providerOf = (process: RunningGateway | RunningWorker, id: string) => process.runtime.router.status().find((status) => status.providerId === id)!;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rota-operator-'));
    sandbox = await startSandbox({ accounts: DEFAULT_SANDBOX_ACCOUNTS, deliveryDelayMs: 0, host: '127.0.0.1', port: 0 });
    schema = freshSchema('operator');
    file = await writeRotaConfig(dir, 'rota', { sandboxUrl: sandbox.url, schema, providers: ['figensoft-a', 'figensoft-b'] });
    a = await startGateway({ configPath: file, watch: false });
    b = await startGateway({ configPath: file, watch: false });
    worker = await startWorker({ configPath: file, watch: false });
    started.push(a, b, worker);
  });

  afterAll(async () => {
    for (const process of started.reverse()) await process.close();
    await agent.close();
    await sandbox.close();
    await dropSchema(schema);
    await rm(dir, { recursive: true, force: true });
  });

  it('a provider disabled on gateway A is skipped by a worker within a second', async () => {
    // Before: the first-ranked provider sends.
    const before = await call(b.url, 'POST', '/v1/messages', API_KEY, { to: '+905321234567', text: 'before the change', iysType: 'NOTIFICATION' });
    expect(before.status).toBe(202);
    expect(before.body).toMatchObject({ status: 'accepted', providerId: 'figensoft-a' });

    const changed = await call(a.url, 'PATCH', '/v1/providers/figensoft-a', ADMIN, { enabled: false });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ providerId: 'figensoft-a', enabled: false });
    const tookMs = await until('the worker sees figensoft-a disabled', () => providerOf(worker, 'figensoft-a').enabled === false, 1_000, 5);
    await until('gateway B sees figensoft-a disabled', () => providerOf(b, 'figensoft-a').enabled === false, 1_000, 5);
    console.log(`operator change reached the worker in ${tookMs} ms`);

    // After: sent through gateway B, by the worker, through the second provider.
    const after = await call(b.url, 'POST', '/v1/messages', API_KEY, { to: '+905321234567', text: 'after the change', iysType: 'NOTIFICATION' });
    expect(after.body).toMatchObject({ status: 'accepted', providerId: 'figensoft-b' });

    // The console's providers answer says the workers send: this gateway's breakers and counts are not the traffic's.
    const providers = await call(b.url, 'GET', '/v1/admin/providers', ADMIN);
    expect(providers.status).toBe(200);
    expect(providers.body.sendsHere).toBe(false);
  });

  it('a forced breaker and a rank reach every process, and a reset puts the configuration back everywhere', async () => {
    const account = providerOf(a, 'figensoft-b').accounts[0]!.accountId;
    expect((await call(a.url, 'POST', '/v1/providers/figensoft-b/breaker', ADMIN, { state: 'open', accountId: account })).status).toBe(200);
    expect((await call(b.url, 'PATCH', '/v1/providers/figensoft-b', ADMIN, { rank: 7 })).status).toBe(200);
    await until('the worker sees the forced breaker and the rank', () => {
      const status = providerOf(worker, 'figensoft-b');
      return status.rank === 7 && status.accounts.find((acc) => acc.accountId === account)?.override === 'open';
    }, 1_000, 5);

    for (const id of ['figensoft-a', 'figensoft-b']) expect((await call(a.url, 'DELETE', `/v1/providers/${id}/overrides`, ADMIN)).status).toBe(200);
    for (const process of [a, b, worker]) {
      await until('every process is back on the configuration', () => {
        const [first, second] = [providerOf(process, 'figensoft-a'), providerOf(process, 'figensoft-b')];
        return first.enabled && first.rank === 0 && second.rank === 1 && second.accounts.every((acc) => acc.override === 'auto');
      }, 1_000, 5);
    }
  });

  it('a process started later, and one that reloads its file, apply what is stored', async () => {
    expect((await call(a.url, 'PATCH', '/v1/providers/figensoft-a', ADMIN, { enabled: false, rank: 5 })).status).toBe(200);
    const late = await startWorker({ configPath: file, watch: false });
    started.push(late);
    expect(providerOf(late, 'figensoft-a')).toMatchObject({ enabled: false, rank: 5 });

    // A reload builds the router from the file; the stored settings go back over it.
    expect((await worker.runtime.reload()).ok).toBe(true);
    await until('the reloaded worker applies the stored settings again', () => providerOf(worker, 'figensoft-a').enabled === false, 1_000, 5);
    expect(providerOf(worker, 'figensoft-a').rank).toBe(5);
    expect((await call(a.url, 'DELETE', '/v1/providers/figensoft-a/overrides', ADMIN)).status).toBe(200);
  });
});
