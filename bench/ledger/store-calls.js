// The ledger's store calls one at a time, in this process, without HTTP: what each
// costs in CPU and how long it holds the event loop, on a SQLite file store and on
// the memory store, side by side. Not one of the targets: a tool for finding where
// the gateway's time goes (bench:ledger's cases price the whole path).
//
//   node bench/ledger/store-calls.js            (after a build)
//   STORE_CALLS_COUNT 4000   single calls per case (and sends of the synchronous path)
//   STORE_CALLS_IN_FLIGHT 64 concurrent callers in the "concurrent" rows
//   STORE_CALLS_BULK 100000  recipients of the bulk row; units of 800 after it
//   STORE_CALLS_ONLY=single,sync,bulk
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Ledger, openLedgerStore } from '@rota/ledger';
import { validateBulkMessage, validateMessage } from '@rota/provider';
import { e164Numbers } from '../lib/bench-messages.js';
import { envNumber } from '../lib/knobs.js';

const count = envNumber('STORE_CALLS_COUNT', 4_000);
const inFlight = envNumber('STORE_CALLS_IN_FLIGHT', 64);
const bulkSize = envNumber('STORE_CALLS_BULK', 100_000);
const only = (process.env.STORE_CALLS_ONLY ?? 'single,sync,bulk').split(',');

const folder = mkdtempSync(join(tmpdir(), 'rota-bench-store-calls-'));
process.on('exit', () => rmSync(folder, { recursive: true, force: true }));
let serial = 0;
const open = (kind) => openLedgerStore(kind === 'memory' ? { kind: 'memory' } : { kind: 'sqlite', path: join(folder, `s${serial++}.db`) }, { hashKey: randomBytes(32) });
const msg = (i, key = true) => {
  const result = validateMessage({ to: `+9053${String(i).padStart(8, '0')}`, text: 'Your order #1234 has shipped', iysType: 'NOTIFICATION', ...(key ? { idempotencyKey: `k-${serial}-${i}` } : {}) });
  if (!result.ok) throw new Error('bad message');
  return result.message;
};

/** Runs `call(i)` `n` times, `parallel` at once; CPU and wall µs a call. */
async function measure(n, parallel, call) {
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < n) await call(next++);
    }),
  );
  const wall = performance.now() - t0;
  const used = process.cpuUsage(cpu);
  return { 'wall µs/call': ((wall * 1000) / n).toFixed(1), 'CPU µs/call': ((used.user + used.system) / n).toFixed(1), 'calls/s': Math.round((n / wall) * 1000) };
}

/** A router that accepts every message at once (the synchronous path without a provider). */
function acceptingRouter() {
  const accepted = (to, ids, i) => ({ status: 'accepted', to, providerId: 'fake', accountId: 'acct', providerMessageId: `p-${ids}-${i}`, encoding: 'GSM7', segments: 1, simulated: false, attempts: [{ providerId: 'fake', accountId: 'acct', outcome: 'accepted', durationMs: 1 }] });
  let n = 0;
  const before = async (options, size) => options?.beforeAttempt?.({ providerId: 'fake', accountId: 'acct', index: Array.from({ length: size }, (_, i) => i) });
  return {
    on: () => () => undefined,
    async sendChecked(message, options) {
      await before(options, 1);
      return accepted(message.to, n++, 0);
    },
    async sendBatchChecked(messages, options) {
      await before(options, messages.length);
      const id = n++;
      return messages.map((m, i) => accepted(m.to, id, i));
    },
    async sendBulkChecked(bulk, options) {
      await before(options, bulk.to.length);
      const id = n++;
      return bulk.to.map((to, i) => accepted(to, id, i));
    },
    deliveryStatus: async () => [],
    status: () => ({}),
  };
}

const rows = [];
const row = (name, kind, figures) => {
  rows.push({ case: name, store: kind, ...figures });
  console.log(name, kind, JSON.stringify(figures));
};

console.log(`load average ${loadavg().map((x) => x.toFixed(2)).join(' / ')}`);
for (const kind of ['memory', 'sqlite']) {
  if (only.includes('single')) {
    const store = await open(kind);
    await measure(500, 1, (i) => store.recordMessages([{ message: msg(i), owner: 'bench' }]));
    row('recordMessages of 1, one at a time', kind, await measure(count, 1, (i) => store.recordMessages([{ message: msg(i), owner: 'bench' }])));
    row(`recordMessages of 1, ${inFlight} at once`, kind, await measure(count, inFlight, (i) => store.recordMessages([{ message: msg(i), owner: 'bench' }])));
    const ids = (await store.list({ limit: 100 })).items.map((r) => r.id);
    row('get, one at a time', kind, await measure(count, 1, (i) => store.get(ids[i % ids.length])));
    await store.close();
  }
  if (only.includes('sync')) {
    const store = await open(kind);
    const ledger = new Ledger({ store, router: acceptingRouter(), dispatch: { pollMs: 60_000 } });
    await ledger.start();
    await measure(500, inFlight, (i) => ledger.submit([{ message: msg(i), owner: 'bench' }], 'wait'));
    row(`submit wait (record, mark, send, finish, answer), ${inFlight} at once`, kind, await measure(count, inFlight, (i) => ledger.submit([{ message: msg(i), owner: 'bench' }], 'wait')));
    row(`submit queue (record; the dispatcher sends), ${inFlight} at once`, kind, await measure(count, inFlight, (i) => ledger.submit([{ message: msg(i), owner: 'bench' }], 'queue')));
    const t0 = performance.now();
    while (Object.values((await store.stats(new Date())).queueDepth).reduce((a, b) => a + b, 0)) await new Promise((r) => setTimeout(r, 5));
    row('  drain of the queued ones after it (ms)', kind, { ms: (performance.now() - t0).toFixed(0) });
    await ledger.stop(5_000);
    await store.close();
  }
  if (only.includes('bulk')) {
    const store = await open(kind);
    const validation = validateBulkMessage({ to: ['+905300000000'], text: 'Kampanya: bu hafta %20 indirim', iysType: 'CAMPAIGN' });
    const { to: _to, ...template } = validation.bulk;
    const recipients = e164Numbers(bulkSize, 0, 9);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await store.recordBulk({ template, owner: 'bench' }, recipients);
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    row(`recordBulk of ${bulkSize}`, kind, { ms: ms.toFixed(0), 'µs/recipient': ((ms * 1000) / bulkSize).toFixed(2), 'CPU µs/recipient': ((cpu.user + cpu.system) / bulkSize).toFixed(2) });
    const parts = { claimDue: [], markDispatching: [], finishMany: [] };
    const cpuParts = { claimDue: [], markDispatching: [], finishMany: [] };
    const timed = async (name, work) => {
      const c = process.cpuUsage();
      const t = performance.now();
      const value = await work();
      parts[name].push(performance.now() - t);
      const used = process.cpuUsage(c);
      cpuParts[name].push((used.user + used.system) / 1000);
      return value;
    };
    const router = acceptingRouter();
    for (let unit = 0; unit < 25; unit++) {
      const records = await timed('claimDue', () => store.claimDue({ now: new Date(), limit: 800 }));
      const ids = records.map((r) => r.id);
      await timed('markDispatching', () => store.markDispatching(ids, { providerId: 'fake', accountId: 'acct' }));
      const results = await router.sendBulkChecked({ ...template, to: records.map((r) => r.to) });
      await timed('finishMany', () => store.finishMany(results.map((result, i) => ({ id: ids[i], result }))));
    }
    for (const [name, list] of Object.entries(parts)) {
      const mean = list.reduce((a, b) => a + b, 0) / list.length;
      const cpuMean = cpuParts[name].reduce((a, b) => a + b, 0) / list.length;
      row(`${name} of 800 (mean of 25)`, kind, { ms: mean.toFixed(1), 'µs/recipient': ((mean * 1000) / 800).toFixed(1), 'CPU µs/recipient': ((cpuMean * 1000) / 800).toFixed(1), 'max ms': Math.max(...list).toFixed(1) });
    }
    await store.close();
  }
}
console.table(rows);
console.log(`load average ${loadavg().map((x) => x.toFixed(2)).join(' / ')}`);
