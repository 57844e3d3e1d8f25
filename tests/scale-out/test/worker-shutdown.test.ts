// A worker stopped the way a deploy stops it (SIGTERM) in the middle of a slow unit. Its
// dispatches get dispatch.shutdownMs; then the router's close ends the provider calls still
// out, and the unit writes what it knows and queues its untried messages again — before the
// store closes. Had the store closed first, those messages would stay `dispatching` until the
// unit timeout (a minute here) before another worker could send them.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_SANDBOX_ACCOUNTS, startSandbox, type Sandbox } from '@rota/figensoft-sandbox';
import { freePort } from '@rota/testkit';
import { agent, call, until } from './support/http.js';
import { dropSchema, freshSchema, query } from './support/postgres-schema.js';
import { RotaProcess } from './support/rota-process.js';
import { API_KEY, writeRotaConfig } from './support/rota-config.js';

const COUNT = 60;
const LATENCY_MS = 1_500;
const SHUTDOWN_MS = 500;
const UNIT_TIMEOUT_SECONDS = 60;
/** Provider requests one unit has out at once: three general slots × batchConcurrency 4. */
const OUT_AT_ONCE = 12;

describe('a worker stopped with SIGTERM in the middle of a slow unit', () => {
  let dir: string;
  let sandbox: Sandbox;
  let schema: string;
  let gateway: RotaProcess;
  let url: string;
  const workers: RotaProcess[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rota-worker-shutdown-'));
    sandbox = await startSandbox({ accounts: DEFAULT_SANDBOX_ACCOUNTS, deliveryDelayMs: 0, host: '127.0.0.1', port: 0 });
    sandbox.injectFault({ kind: 'latency', ms: LATENCY_MS, endpoint: 'Send_1_N' });
    schema = freshSchema('shutdown');
    const dispatch = { concurrency: 4, shutdownMs: SHUTDOWN_MS, unitTimeoutSeconds: UNIT_TIMEOUT_SECONDS };
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    gateway = await new RotaProcess('gateway', await writeRotaConfig(dir, 'gateway', { sandboxUrl: sandbox.url, schema, port, dispatch })).ready(url);
    workers.push(await new RotaProcess('worker', await writeRotaConfig(dir, 'worker', { sandboxUrl: sandbox.url, schema, dispatch })).ready());
  });

  afterAll(async () => {
    for (const process of [gateway, ...workers]) await process?.kill('SIGTERM');
    await agent.close();
    await sandbox.close();
    await dropSchema(schema);
    await rm(dir, { recursive: true, force: true });
  });

  const states = async (): Promise<Map<string, number>> =>
    new Map((await query<{ state: string; n: string }>(`select state, count(*) as n from "${schema}".messages group by state`)).map((row) => [row.state, Number(row.n)]));

  it('leaves no message dispatching, and another worker sends the untried ones at once', async () => {
    // One batch of distinct texts (one provider request each): the worker's claim takes them as one unit.
    const messages = Array.from({ length: COUNT }, (_, i) => ({ to: `+90532${String(4_000_000 + i)}`, text: `Siparişiniz ${i} hazır`, iysType: 'NOTIFICATION' }));
    expect((await call(url, 'POST', '/v1/messages/batch', API_KEY, { messages }, { prefer: 'respond-async' })).status).toBe(202);
    await until('the first results written mid-unit', async () => ((await states()).get('accepted') ?? 0) > 0, 30_000, 50);
    expect(sandbox.records().length).toBeLessThan(COUNT);

    const first = workers[0]!;
    const stopping = Date.now();
    await first.kill('SIGTERM');
    const stoppedInMs = Date.now() - stopping;
    expect(first.child.exitCode).toBe(0);
    // The bound, the router's close and the writes: seconds, not the provider's pace for the rest of the unit.
    expect(stoppedInMs).toBeLessThan(SHUTDOWN_MS + 5_000);

    // Before any other worker runs: every message is final or queued again, none left dispatching.
    const atStop = await states();
    expect(atStop.get('dispatching') ?? 0).toBe(0);
    expect(atStop.get('queued') ?? 0).toBeGreaterThan(0);

    workers.push(await new RotaProcess('worker', first.configPath).ready());
    // Well inside the unit timeout: the second worker does not wait for the first one's unit to expire.
    await until('every message final', async () => {
      const now = await states();
      return (now.get('queued') ?? 0) + (now.get('dispatching') ?? 0) === 0;
    }, (UNIT_TIMEOUT_SECONDS * 1_000) / 2, 100);

    const end = await states();
    const unknown = end.get('unknown') ?? 0;
    // Unknown: only what the provider was still being asked when the router closed.
    expect(unknown).toBeLessThanOrEqual(OUT_AT_ONCE);
    expect((end.get('accepted') ?? 0) + unknown).toBe(COUNT);
    // Nothing sent twice.
    const times = new Map<string, number>();
    for (const record of sandbox.records()) times.set(record.text, (times.get(record.text) ?? 0) + 1);
    expect([...times.values()].filter((n) => n !== 1)).toEqual([]);
    console.log(`worker SIGTERM mid-unit: stopped in ${stoppedInMs} ms; at the stop ${JSON.stringify(Object.fromEntries(atStop))}; at the end ${JSON.stringify(Object.fromEntries(end))}`);
  }, 90_000);
});
