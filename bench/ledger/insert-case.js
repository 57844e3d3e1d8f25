// Case (e) of bench/ledger: what recording one message costs in a store that
// already holds millions of records, against an empty one. In this process,
// through the ledger API, two SQLite stores (the gateway's default settings) in a
// temporary folder that is deleted afterwards.
//
// The full store is filled first: INSERT_FILL records, INSERT_FILL_KEYED_SHARE of
// them single messages with an idempotency key (recordMessages, 5,000 a call) and
// the rest bulk recipients (recordBulk, INSERT_FILL_CHUNK a call), every number and
// id random as in production, so that the id and number indexes are as deep and as
// scattered as a real store's. Keyed singles cost ~8× a bulk recipient to record,
// so by default they are 2 %: the idempotency index then holds 100,000 random keys
// beside 4.9 million keyless entries, fewer keys than a store of single sends would. Then INSERT_ROUNDS alternating rounds of
// INSERT_COUNT calls of recordMessages with ONE message each (the gateway records a
// POST /v1/messages this way), one after the other, on each store.
import { randomBytes, randomInt } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openLedgerStore } from '@rota/ledger';
import { validateBulkMessage, validateMessage } from '@rota/provider';
import { TEXTS } from '../lib/bench-messages.js';
import { concurrent, paired } from '../lib/measure.js';

const randomNumber = () => `+90532${String(randomInt(10_000_000)).padStart(7, '0')}`;
const KEYED_PER_CALL = 5_000;

function checked(input) {
  const validation = validateMessage(input);
  if (!validation.ok) throw new Error(`invalid bench message: ${JSON.stringify(validation.issues)}`);
  return validation.message;
}

const fileSize = (path) => {
  let total = 0;
  for (const suffix of ['', '-wal']) {
    try {
      total += statSync(path + suffix).size;
    } catch {
      // no WAL file at this moment
    }
  }
  return total;
};

export async function insertCase(k, report) {
  const folder = mkdtempSync(join(tmpdir(), 'rota-bench-ledger-insert-'));
  const hashKey = randomBytes(32);
  const emptyPath = join(folder, 'empty', 'rota.db');
  const fullPath = join(folder, 'full', 'rota.db');
  let empty;
  let full;
  // The folder holds gigabytes: a Ctrl+C or a kill during the case must not leave it behind.
  const onSignal = (signal) => {
    rmSync(folder, { recursive: true, force: true });
    process.kill(process.pid, signal);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    empty = await openLedgerStore({ kind: 'sqlite', path: emptyPath, synchronous: k.synchronous }, { hashKey });
    full = await openLedgerStore({ kind: 'sqlite', path: fullPath, synchronous: k.synchronous }, { hashKey });

    // Fill.
    const fillStarted = performance.now();
    const keyed = Math.round(k.insertFill * k.insertFillKeyedShare);
    const runTag = Date.now().toString(36);
    let keyedDone = 0;
    let bulkDone = 0;
    const bulkTemplate = (() => {
      const validation = validateBulkMessage({ to: ['+905320000000'], text: 'Kampanya: bu hafta tüm ürünlerde %20 indirim', iysType: 'CAMPAIGN' });
      if (!validation.ok) throw new Error('invalid bench bulk');
      const { to: _to, ...template } = validation.bulk;
      return template;
    })();
    let lastLog = performance.now();
    while (keyedDone + bulkDone < k.insertFill) {
      // Interleaved, as a real store's singles and bulks are.
      if (keyedDone < keyed && keyedDone * (k.insertFill - keyed) <= bulkDone * keyed) {
        const size = Math.min(KEYED_PER_CALL, keyed - keyedDone);
        const entries = Array.from({ length: size }, (_, i) => ({
          message: checked({ to: randomNumber(), text: TEXTS[i % TEXTS.length], iysType: 'NOTIFICATION', idempotencyKey: `fill-${runTag}-${keyedDone + i}` }),
          owner: 'bench',
        }));
        await full.recordMessages(entries);
        keyedDone += size;
      } else {
        const size = Math.min(k.insertFillChunk, k.insertFill - keyed - bulkDone);
        await full.recordBulk({ template: bulkTemplate, owner: 'bench' }, Array.from({ length: size }, randomNumber));
        bulkDone += size;
      }
      if (performance.now() - lastLog > 30_000) {
        lastLog = performance.now();
        console.log(`  (e) filling: ${(keyedDone + bulkDone).toLocaleString('en-US')} of ${k.insertFill.toLocaleString('en-US')} records, ${((lastLog - fillStarted) / 1000).toFixed(0)} s`);
      }
    }
    const fillSeconds = (performance.now() - fillStarted) / 1000;

    // The messages to record: made before the rounds, each with its own number and key.
    let serial = 0;
    const messages = (withKey) => {
      return () => {
        const i = serial++;
        return checked({ to: randomNumber(), text: TEXTS[i % TEXTS.length], iysType: 'NOTIFICATION', ...(withKey ? { idempotencyKey: `insert-${runTag}-${i}` } : {}) });
      };
    };
    const rows = [];
    for (const withKey of [true, false]) {
      const next = messages(withKey);
      const pool = Array.from({ length: (k.insertRounds + 2) * k.insertCount * 2 }, next);
      let taken = 0;
      const round = (store) => () => concurrent(k.insertCount, 1, async () => {
        const [outcome] = await store.recordMessages([{ message: pool[taken++], owner: 'bench' }]);
        if (outcome.kind !== 'created') throw new Error(`recordMessages: ${outcome.kind}`);
      });
      // Warm-up: a round on each.
      await round(empty)();
      await round(full)();
      const result = await paired(k.insertRounds, round(empty), round(full));
      rows.push({ withKey, result });
    }

    report.section(
      `(e) recordMessages of one message a call (${k.insertCount.toLocaleString('en-US')} calls a round, one after the other, ${k.insertRounds} alternating rounds), ` +
        `SQLite synchronous=${k.synchronous}, WAL, in ${tmpdir()}: a store holding ${k.insertFill.toLocaleString('en-US')} records against an empty one. ` +
        `Filled in ${fillSeconds.toFixed(0)} s: ${keyed.toLocaleString('en-US')} single messages with an idempotency key, ${(k.insertFill - keyed).toLocaleString('en-US')} bulk recipients.`,
    );
    report.line(`files (database + WAL): empty store ${(fileSize(emptyPath) / 2 ** 20).toFixed(1)} MiB, full store ${(fileSize(fullPath) / 2 ** 30).toFixed(2)} GiB`);
    report.table(
      'best round of each store (µs per recordMessages call)',
      rows.flatMap(({ withKey, result }) => [
        { case: `empty store, ${withKey ? 'with' : 'without'} idempotency key`, 'µs/insert': result.a.microsEach, 'CPU µs/insert': result.a.cpuMicrosEach },
        { case: `${k.insertFill.toLocaleString('en-US')}-record store, ${withKey ? 'with' : 'without'} idempotency key`, 'µs/insert': result.b.microsEach, 'CPU µs/insert': result.b.cpuMicrosEach },
      ]),
    );
    for (const { withKey, result } of rows) {
      // Cost ratio full / empty: the reciprocal of the median rate ratio.
      const cost = 1 / result.medianRatio;
      report.target({
        label: `(e) insert cost, ${k.insertFill.toLocaleString('en-US')} records / empty, ${withKey ? 'with' : 'without'} an idempotency key (median of rounds)`,
        figure: `${cost.toFixed(2)}× (rounds ${(1 / result.highestRatio).toFixed(2)}–${(1 / result.lowestRatio).toFixed(2)}; CPU ${(1 / result.medianCpuRatio).toFixed(2)}×)`,
        bound: '≤ 1.5×',
        met: cost <= 1.5,
      });
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await empty?.close();
    await full?.close();
    rmSync(folder, { recursive: true, force: true });
  }
}
