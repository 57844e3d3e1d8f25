// Two gateways and three workers on one database, as separate processes,
// 50,000 messages. Mid-run one gateway and one worker are killed with SIGKILL
// and restarted; the client sends what it lost to the other gateway with the
// same idempotency keys, as a load balancer's retry would. Judged from the
// sandbox's own records and the database: 0 lost, 0 sent twice, every
// message in a final state.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_SANDBOX_ACCOUNTS, startSandbox, type Sandbox } from '@rota/figensoft-sandbox';
import { agent, call, until } from './support/http.js';
import { dropSchema, freshSchema, query } from './support/postgres-schema.js';
import { freePort } from '@rota/testkit';
import { RotaProcess } from './support/rota-process.js';
import { API_KEY, writeRotaConfig } from './support/rota-config.js';

const MESSAGES = Number(process.env.SCALE_OUT_MESSAGES ?? 50_000);
const BATCH = 500;
const IN_FLIGHT = 4;
const FINAL = new Set(['accepted', 'rejected', 'failed', 'unknown', 'expired']);

describe(`two gateways, three workers, ${MESSAGES} messages, SIGKILL mid-run`, () => {
  let dir: string;
  let sandbox: Sandbox;
  let schema: string;
  const gateways: { url: string; file: string; process: RotaProcess }[] = [];
  const workers: RotaProcess[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rota-scale-out-'));
    sandbox = await startSandbox({ accounts: DEFAULT_SANDBOX_ACCOUNTS, deliveryDelayMs: 0, host: '127.0.0.1', port: 0 });
    schema = freshSchema('killed');
    // A dead worker's unit moves to another after 10 s (300 s by default).
    const dispatch = { unitTimeoutSeconds: 10, concurrency: 4 };
    const workerFile = await writeRotaConfig(dir, 'worker', { sandboxUrl: sandbox.url, schema, dispatch });
    for (const name of ['gateway-a', 'gateway-b']) {
      const port = await freePort();
      const file = await writeRotaConfig(dir, name, { sandboxUrl: sandbox.url, schema, port, dispatch });
      const url = `http://127.0.0.1:${port}`;
      gateways.push({ url, file, process: await new RotaProcess('gateway', file).ready(url) });
    }
    for (let i = 0; i < 3; i++) workers.push(await new RotaProcess('worker', workerFile).ready());
  });

  afterAll(async () => {
    for (const process of [...gateways.map((g) => g.process), ...workers]) await process.kill('SIGTERM');
    await agent.close();
    await sandbox.close();
    await dropSchema(schema);
    await rm(dir, { recursive: true, force: true });
  });

  it('loses none, sends none twice, and finishes every message', async () => {
    const batches = Array.from({ length: Math.ceil(MESSAGES / BATCH) }, (_, b) =>
      Array.from({ length: Math.min(BATCH, MESSAGES - b * BATCH) }, (_, i) => {
        const n = b * BATCH + i;
        return { to: `+9053${String(n % 100_000_000).padStart(8, '0')}`, text: `scale-out message ${n}`, iysType: 'NOTIFICATION', idempotencyKey: `scale-out-${n}` };
      }),
    );
    let answered = 0;
    let retried = 0;
    let next = 0;
    // A client behind a load balancer: batches alternate between the gateways; a lost answer goes to the other one, same keys.
    const client = async (lane: number) => {
      while (next < batches.length) {
        const b = next++;
        for (let attempt = 0; ; attempt++) {
          const gateway = gateways[(b + lane + attempt) % gateways.length]!;
          try {
            const answer = await call(gateway.url, 'POST', '/v1/messages/batch', API_KEY, { messages: batches[b] }, { prefer: 'respond-async' });
            if (answer.status === 202) break;
            throw new Error(`answered ${answer.status}`);
          } catch {
            retried++;
            await new Promise((resolve) => setTimeout(resolve, 50));
          }
        }
        answered += batches[b]!.length;
      }
    };

    const chaos = (async () => {
      await until('a third of the messages answered', () => answered >= MESSAGES / 3, 240_000, 10);
      const gateway = gateways[0]!;
      await gateway.process.kill('SIGKILL');
      await until('half of the messages answered', () => answered >= MESSAGES / 2, 240_000, 10);
      await workers[0]!.kill('SIGKILL');
      await new Promise((resolve) => setTimeout(resolve, 500));
      gateway.process = await new RotaProcess('gateway', gateway.file).ready(gateway.url);
      workers[0] = await new RotaProcess('worker', workers[0]!.configPath).ready();
    })();
    await Promise.all([...Array.from({ length: IN_FLIGHT }, (_, lane) => client(lane)), chaos]);
    expect(answered).toBe(MESSAGES);

    const unfinished = async () => Number((await query<{ n: string }>(`select count(*) as n from "${schema}".messages where state in ('queued', 'dispatching')`))[0]!.n);
    await until('every message final', async () => (await unfinished()) === 0, 180_000, 500);

    const rows = await query<{ text: string; state: string }>(`select text, state from "${schema}".messages`);
    expect(rows).toHaveLength(MESSAGES); // none lost, none recorded twice
    const times = new Map<string, number>();
    for (const record of sandbox.records()) times.set(record.text, (times.get(record.text) ?? 0) + 1);
    const states = new Map<string, number>();
    for (const { text, state } of rows) {
      states.set(state, (states.get(state) ?? 0) + 1);
      expect({ text, final: FINAL.has(state) }).toEqual({ text, final: true });
      const sent = times.get(text) ?? 0;
      if (state === 'accepted') expect({ text, sent }).toEqual({ text, sent: 1 });
      else if (state === 'unknown') expect({ text, sentAtMostOnce: sent <= 1 }).toEqual({ text, sentAtMostOnce: true });
      else expect({ text, state, sent }).toEqual({ text, state, sent: 0 });
    }
    // Every text the sandbox has is one of ours, once.
    expect([...times.values()].filter((n) => n !== 1)).toEqual([]);
    expect(times.size).toBeLessThanOrEqual(MESSAGES);
    // Not vacuous: the kills happened mid-run and the rest went through.
    expect(retried).toBeGreaterThan(0);
    expect(states.get('accepted') ?? 0).toBeGreaterThan(MESSAGES * 0.9);
    console.log(`scale-out kill test: ${MESSAGES} messages, ${retried} batch retries, states ${JSON.stringify(Object.fromEntries(states))}, ${sandbox.records().length} at the sandbox`);
  });
});
