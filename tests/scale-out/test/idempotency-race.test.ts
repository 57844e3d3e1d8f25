// Two gateways on one database race one idempotency key, 1,000 times: the
// database's unique constraint makes one message each time, both callers get
// its id, and the worker sends each once.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_SANDBOX_ACCOUNTS, startSandbox, type Sandbox } from '@rota/figensoft-sandbox';
import { startGateway, startWorker, type RunningGateway, type RunningWorker } from '@rota/gateway';
import { agent, call, until } from './support/http.js';
import { dropSchema, freshSchema, query } from './support/postgres-schema.js';
import { API_KEY, OTHER_KEY, writeRotaConfig } from './support/rota-config.js';

const RACES = 1_000;
const AT_ONCE = 8;

describe('two gateways racing one idempotency key', () => {
  let dir: string;
  let sandbox: Sandbox;
  let schema: string;
  let a: RunningGateway;
  let b: RunningGateway;
  let worker: RunningWorker;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rota-race-'));
    sandbox = await startSandbox({ accounts: DEFAULT_SANDBOX_ACCOUNTS, deliveryDelayMs: 0, host: '127.0.0.1', port: 0 });
    schema = freshSchema('race');
    const file = await writeRotaConfig(dir, 'rota', { sandboxUrl: sandbox.url, schema });
    a = await startGateway({ configPath: file, watch: false });
    b = await startGateway({ configPath: file, watch: false });
    worker = await startWorker({ configPath: file, watch: false });
  });

  afterAll(async () => {
    for (const process of [a, b, worker]) await process.close();
    await agent.close();
    await sandbox.close();
    await dropSchema(schema);
    await rm(dir, { recursive: true, force: true });
  });

  const send = (gateway: RunningGateway, key: string, body: Record<string, unknown>) =>
    call(gateway.url, 'POST', '/v1/messages', key, { to: '+905321234567', iysType: 'NOTIFICATION', ...body }, { prefer: 'respond-async' });

  it(`makes one message per key, ${RACES} times`, async () => {
    let next = 0;
    const racer = async () => {
      while (next < RACES) {
        const i = next++;
        const message = { text: `race ${i}`, idempotencyKey: `race-key-${i}` };
        const [fromA, fromB] = await Promise.all([send(a, API_KEY, message), send(b, API_KEY, message)]);
        expect([fromA.status, fromB.status]).toEqual([202, 202]);
        expect(fromA.body.id).toBe(fromB.body.id);
      }
    };
    await Promise.all(Array.from({ length: AT_ONCE }, racer));

    const [{ count } = { count: '0' }] = await query<{ count: string }>(`select count(*) as count from "${schema}".messages`);
    expect(Number(count)).toBe(RACES);
    await until(`the worker sent all ${RACES}`, () => sandbox.records().length >= RACES, 60_000, 100);
    const times = new Map<string, number>();
    for (const record of sandbox.records()) times.set(record.text, (times.get(record.text) ?? 0) + 1);
    expect(times.size).toBe(RACES);
    expect([...times.values()].every((n) => n === 1)).toBe(true);
  });

  it('a key is its owner\'s: the same key for another message is a conflict, and another client\'s key is its own', async () => {
    const first = await send(a, API_KEY, { text: 'owned', idempotencyKey: 'shared-key' });
    const conflict = await send(b, API_KEY, { text: 'not the same message', idempotencyKey: 'shared-key' });
    expect(conflict.status).toBe(409);
    expect(conflict.body).toMatchObject({ error: 'idempotency-conflict', existingId: first.body.id });
    const other = await send(b, OTHER_KEY, { text: 'not the same message', idempotencyKey: 'shared-key' });
    expect(other.status).toBe(202);
    expect(other.body.id).not.toBe(first.body.id);
  });
});
