// A burst of queued single messages, each its own text, to a provider that takes BURST_LATENCY_MS
// to answer: how long the ledger's dispatcher takes to send them all, side by side in one run with
// two yardsticks that record nothing — the router sending the same messages at batchConcurrency
// (one unit's share: what the dispatcher did before its request budget, when a burst claimed as
// one unit went out that wide while its other slots stood idle), and at the budget's bound,
// (dispatch concurrency − 1) × batchConcurrency (the OTP slot's share is kept). Not one of the
// issue's targets: it shows where the dispatcher stands between the two.
//
//   node bench/ledger/queued-burst.js     (after a build)
//   BURST_COUNT 800, BURST_LATENCY_MS 20,100 (a list), BURST_ROUNDS 3, BURST_CALL_SIZE 20 (messages a
//   recordMessages call, as a client posting batches), DISPATCH_CONCURRENCY 4, BATCH_CONCURRENCY 4
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createRouter } from '@rota/core';
import { Ledger, openLedgerStore } from '@rota/ledger';
import { validateMessage } from '@rota/provider';
import { createFakeProvider } from '@rota/testkit';
import { envNumber } from '../lib/knobs.js';
import { printTable } from '../lib/measure.js';

const count = envNumber('BURST_COUNT', 800);
const latencies = (process.env.BURST_LATENCY_MS || '20,100').split(',').map(Number);
const rounds = envNumber('BURST_ROUNDS', 3);
const callSize = envNumber('BURST_CALL_SIZE', 20);
const slots = envNumber('DISPATCH_CONCURRENCY', 4);
const share = envNumber('BATCH_CONCURRENCY', 4);

const folder = mkdtempSync(join(tmpdir(), 'rota-bench-burst-'));
process.on('exit', () => rmSync(folder, { recursive: true, force: true }));

const messages = Array.from({ length: count }, (_, i) => {
  const result = validateMessage({ to: `+9053${String(20_000_000 + i).padStart(8, '0')}`, text: `Siparişiniz ${i} yola çıktı`, iysType: 'NOTIFICATION' });
  if (!result.ok) throw new Error('bad message');
  return result.message;
});

/** A fake provider answering after `latencyMs`, one request a message, counting the requests it has out at once. */
function provider(latencyMs) {
  const fake = createFakeProvider({ id: 'fake', maxRecipientsPerRequest: 1, accounts: [{ accountId: 'fake-notification', iysType: 'NOTIFICATION', senders: ['ROTA'] }], fallback: { type: 'accept', delayMs: latencyMs } });
  const seen = { out: 0, most: 0 };
  const send = fake.send.bind(fake);
  fake.send = async (...args) => {
    seen.most = Math.max(seen.most, ++seen.out);
    try {
      return await send(...args);
    } finally {
      seen.out -= 1;
    }
  };
  return { fake, seen };
}

/** The router alone, `inFlight` requests at once: the same messages, nothing recorded. */
async function routerAlone(latencyMs, inFlight) {
  const { fake, seen } = provider(latencyMs);
  const router = createRouter({ providers: [{ provider: fake, rank: 1 }], retry: { retries: 0 }, batchConcurrency: inFlight });
  const t0 = performance.now();
  const results = await router.sendBatchChecked(messages);
  const ms = performance.now() - t0;
  if (results.some((result) => result.status !== 'accepted')) throw new Error('the router did not accept every message');
  await router.close();
  return { ms, most: seen.most };
}

/** The ledger: the burst recorded queued in calls of `callSize` on a SQLite file, timed until the last is accepted. */
async function ledger(latencyMs, round) {
  const { fake, seen } = provider(latencyMs);
  const router = createRouter({ providers: [{ provider: fake, rank: 1 }], retry: { retries: 0 }, batchConcurrency: share });
  const store = await openLedgerStore({ kind: 'sqlite', path: join(folder, `${latencyMs}-${round}.db`) }, { hashKey: randomBytes(32) });
  const dispatcher = new Ledger({ store, router, dispatch: { concurrency: slots } });
  await dispatcher.start();
  const t0 = performance.now();
  for (let i = 0; i < count; i += callSize) await dispatcher.submit(messages.slice(i, i + callSize).map((message) => ({ message, owner: 'acme' })), 'queue');
  for (;;) {
    const { byState } = await store.stats(new Date());
    if (byState.accepted === count) break;
    if (byState.failed + byState.rejected + byState.unknown > 0) throw new Error(`the ledger ended some messages not accepted: ${JSON.stringify(byState)}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const ms = performance.now() - t0;
  if (fake.calls.length !== count) throw new Error(`the provider was called ${fake.calls.length} times for ${count} messages`);
  await dispatcher.stop(1_000);
  await router.close();
  await store.close();
  return { ms, most: seen.most };
}

const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];
console.log(`queued burst: ${count} single messages (texts apart), ${rounds} rounds a case, dispatch concurrency ${slots}, batchConcurrency ${share}; load average ${loadavg()[0].toFixed(1)}`);
const rows = [];
for (const latencyMs of latencies) {
  const runs = { before: [], ledger: [], bound: [] };
  for (let round = 0; round < rounds; round++) {
    runs.before.push(await routerAlone(latencyMs, share));
    runs.ledger.push(await ledger(latencyMs, round));
    runs.bound.push(await routerAlone(latencyMs, (slots - 1) * share));
  }
  const row = (name, list) => {
    const ms = median(list.map((run) => run.ms));
    return { case: `${latencyMs} ms: ${name}`, 'msg/s (median)': (count * 1_000) / ms, 'ms (median)': ms, 'most out at once': Math.max(...list.map((run) => run.most)) };
  };
  rows.push(row(`router alone at batchConcurrency (${share}; one unit's share)`, runs.before));
  rows.push(row('ledger: recorded queued, dispatched', runs.ledger));
  rows.push(row(`router alone at the budget's bound (${(slots - 1) * share})`, runs.bound));
  const ratio = median(runs.bound.map((run) => run.ms)) / median(runs.ledger.map((run) => run.ms));
  rows.push({ case: `${latencyMs} ms: ledger ÷ the bound`, 'msg/s (median)': ratio });
}
printTable('queued burst', rows);
