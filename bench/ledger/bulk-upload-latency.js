// What a bulk upload does to the messages recorded beside it: one SQLite file store in
// this process, a message recorded every MESSAGE_EVERY_MS (a small call, as each POST
// /v1/messages is), and after a second a bulk of UPLOAD_RECIPIENTS recorded. Prints, for
// the messages due while the bulk was recorded, how long each waited from when it was due
// until it was recorded (p50 / p99 / max), and how long the bulk took to record. Not one of the
// targets: run it in two builds (this one and another checkout) to compare; the store
// decides by itself whether to record the bulk in slices (only while small calls come).
//
//   node bench/ledger/bulk-upload-latency.js     (after a build)
//   UPLOAD_RECIPIENTS 100000, MESSAGE_EVERY_MS 5, UPLOAD_ROUNDS 3
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openLedgerStore } from '@rota/ledger';
import { validateBulkMessage, validateMessage } from '@rota/provider';
import { e164Numbers } from '../lib/bench-messages.js';
import { envNumber } from '../lib/knobs.js';
import { percentile } from '../lib/measure.js';

const recipients = envNumber('UPLOAD_RECIPIENTS', 100_000);
const everyMs = envNumber('MESSAGE_EVERY_MS', 5);
const rounds = envNumber('UPLOAD_ROUNDS', 3);

const folder = mkdtempSync(join(tmpdir(), 'rota-bench-upload-'));
process.on('exit', () => rmSync(folder, { recursive: true, force: true }));

const validation = validateBulkMessage({ to: ['+905300000000'], text: 'Kış indirimi başladı', iysType: 'CAMPAIGN' });
if (!validation.ok) throw new Error('bad bulk');
const { to: _to, ...template } = validation.bulk;
const numbers = e164Numbers(recipients, 0, 8);
let serial = 0;
const message = () => {
  const result = validateMessage({ to: `+9053${String(serial++).padStart(8, '0')}`, text: 'Kodunuz 4711', iysType: 'NOTIFICATION', otp: true });
  if (!result.ok) throw new Error('bad message');
  return result.message;
};

const rows = [];
for (let round = 1; round <= rounds; round++) {
  const store = await openLedgerStore({ kind: 'sqlite', path: join(folder, `r${round}.db`) }, { hashKey: randomBytes(32) });
  /** [due, waited ms] of every message. */
  const waits = [];
  const calls = [];
  // Each message is due on a fixed schedule, and its wait counts from then: a tick the event
  // loop could not run on time (the bulk held it) issues every message due since, late.
  const began = performance.now();
  let issued = 0;
  const ticker = setInterval(() => {
    for (const now = performance.now(); began + issued * everyMs <= now; issued++) {
      const due = began + issued * everyMs;
      calls.push(store.recordMessages([{ message: message(), owner: 'acme' }]).then(() => waits.push([due, performance.now() - due])));
    }
  }, everyMs);
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const t0 = performance.now();
  const outcome = await store.recordBulk({ template, owner: 'acme' }, numbers);
  const uploadMs = performance.now() - t0;
  // One more tick: it issues the messages that fell due while the bulk held the event loop.
  await new Promise((resolve) => setTimeout(resolve, everyMs * 4));
  clearInterval(ticker);
  await Promise.all(calls);
  if (outcome.kind !== 'created') throw new Error(`bulk: ${outcome.kind}`);
  // The messages due while the bulk was being recorded.
  const sorted = Float64Array.from(waits.filter(([due]) => due >= t0 && due <= t0 + uploadMs).map(([, waited]) => waited)).sort();
  rows.push({
    round,
    'bulk recorded in ms': uploadMs.toFixed(0),
    'messages due meanwhile': sorted.length,
    'message p50 / p99 / max ms': `${percentile(sorted, 50).toFixed(1)} / ${percentile(sorted, 99).toFixed(1)} / ${(sorted[sorted.length - 1] ?? 0).toFixed(1)}`,
  });
  await store.close();
}
console.log(`node ${process.version}; load average ${loadavg().map((n) => n.toFixed(2)).join(' / ')}; a bulk of ${recipients.toLocaleString('en-US')} recorded while a message is recorded every ${everyMs} ms`);
console.table(rows);
