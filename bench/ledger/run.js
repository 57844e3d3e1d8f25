// The message ledger's cost, each case side by side with a yardstick in one run.
// Processes as in bench/load: this load generator, the gateway (the built
// @rota/gateway) in its own process, the bare relay in its own, the FigenSoft
// sandbox in another; all on loopback, sharing the machine's cores. Run: pnpm bench:ledger
//
//   (a) accept   asynchronous accept (Prefer: respond-async), 64 in flight: gateway on SQLite
//                vs a bare fastify route doing the same JSON parse and answering 202   target ≥ 0.5
//   (b) memory   the synchronous path with recording: SQLite store vs memory store         target ≥ 0.85
//   (c) bulk     a 100,000-recipient bulk, POST /v1/bulk → last Send_1_N at the sandbox,
//                vs router.sendBulk straight to the sandbox                               target ≥ 0.6
//   (d) otp      OTP queue wait p99 with a 200,000-recipient CAMPAIGN backlog vs none        target ≤ 2×
//   (e) insert   recordMessages of one message, a 5,000,000-record store vs an empty one    target ≤ 1.5×
//
// BENCH_ONLY=a,c (or accept,bulk, …) runs some. Knobs, with their defaults:
//   ACCEPT_ROUNDS 10, ACCEPT_COUNT 2000, ACCEPT_IN_FLIGHT 64
//   SYNC_ROUNDS 10, SYNC_COUNT 1000, SYNC_IN_FLIGHT 64
//   BULK_RECIPIENTS 100000 (at most 100,000: the gateway's limit), BULK_ROUNDS 3, BULK_POLL_MS 10,
//   BULK_PARTS_UNITS 25 (units of 800 in the dispatch taken apart; 0 skips it)
//   OTP_BACKLOG 200000, OTP_RATE 50 (a second), OTP_COUNT 500, OTP_PAIRS 2
//   INSERT_FILL 5000000, INSERT_FILL_CHUNK 100000, INSERT_FILL_KEYED_SHARE 0.02, INSERT_ROUNDS 11, INSERT_COUNT 2000
//   WARMUP_COUNT 2000, BENCH_SYNCHRONOUS normal (the SQLite stores' durability: the gateway's default),
//   BENCH_IDEMPOTENCY_KEYS (on), GATEWAY_CONNECTIONS 64, BENCH_LOG_LEVEL warn, GATEWAY_EXEC_ARGV, BARE_EXEC_ARGV
// A failed check exits 1; a target not met is a figure, not a failure.
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { envNumber } from '../lib/knobs.js';
import { bulkCase } from './bulk-case.js';
import { acceptCase, memoryCase } from './http-cases.js';
import { insertCase } from './insert-case.js';
import { otpCase } from './otp-case.js';
import { createReport } from './report.js';

const synchronous = process.env.BENCH_SYNCHRONOUS ?? 'normal';
if (synchronous !== 'normal' && synchronous !== 'full') throw new Error(`BENCH_SYNCHRONOUS must be normal or full, got "${synchronous}"`);
const k = {
  acceptRounds: envNumber('ACCEPT_ROUNDS', 10),
  acceptCount: envNumber('ACCEPT_COUNT', 2_000),
  acceptInFlight: envNumber('ACCEPT_IN_FLIGHT', 64),
  syncRounds: envNumber('SYNC_ROUNDS', 10),
  syncCount: envNumber('SYNC_COUNT', 1_000),
  syncInFlight: envNumber('SYNC_IN_FLIGHT', 64),
  bulkRecipients: envNumber('BULK_RECIPIENTS', 100_000),
  bulkRounds: envNumber('BULK_ROUNDS', 3),
  bulkPollMs: envNumber('BULK_POLL_MS', 10),
  bulkPartsUnits: envNumber('BULK_PARTS_UNITS', 25),
  otpBacklog: envNumber('OTP_BACKLOG', 200_000),
  otpRate: envNumber('OTP_RATE', 50),
  otpCount: envNumber('OTP_COUNT', 500),
  otpPairs: envNumber('OTP_PAIRS', 2),
  insertFill: envNumber('INSERT_FILL', 5_000_000),
  insertFillChunk: envNumber('INSERT_FILL_CHUNK', 100_000),
  insertFillKeyedShare: envNumber('INSERT_FILL_KEYED_SHARE', 0.02),
  insertRounds: envNumber('INSERT_ROUNDS', 11),
  insertCount: envNumber('INSERT_COUNT', 2_000),
  warmup: envNumber('WARMUP_COUNT', 2_000),
  synchronous,
  idempotencyKeys: process.env.BENCH_IDEMPOTENCY_KEYS !== '0',
  connections: envNumber('GATEWAY_CONNECTIONS', 64),
  logLevel: process.env.BENCH_LOG_LEVEL ?? 'warn',
};
if (k.bulkRecipients > 100_000) throw new Error('BULK_RECIPIENTS must be at most 100000 (the gateway\'s maxBulkRecipients limit)');

const CASES = [
  ['a', 'accept', acceptCase],
  ['b', 'memory', memoryCase],
  ['c', 'bulk', bulkCase],
  ['d', 'otp', otpCase],
  ['e', 'insert', insertCase],
];
const only = (process.env.BENCH_ONLY ?? '').split(',').map((s) => s.trim()).filter(Boolean);
const selected = CASES.filter(([letter, name]) => only.length === 0 || only.includes(letter) || only.includes(name));
if (selected.length === 0) throw new Error(`BENCH_ONLY names no case: ${only.join(',')} (use ${CASES.map(([l, n]) => `${l}|${n}`).join(', ')})`);

const report = createReport();
const started = Date.now();
console.log(
  `node ${process.version}; ${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown CPU'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB; ` +
    `load average ${loadavg().map((x) => x.toFixed(2)).join(' / ')}; not pinned: client, gateway, bare relay and sandbox share the cores`,
);
console.log(`cases: ${selected.map(([letter, name]) => `(${letter}) ${name}`).join(', ')}; idempotency keys ${k.idempotencyKeys ? 'on' : 'off'}; SQLite synchronous=${k.synchronous}`);
for (const [letter, name, run] of selected) {
  const caseStarted = Date.now();
  try {
    await run(k, report);
  } catch (error) {
    report.check(`(${letter}) ${name} ran to the end`, false, error instanceof Error ? error.stack?.split('\n').slice(0, 3).join(' ') : String(error));
  }
  console.log(`(${letter}) took ${((Date.now() - caseStarted) / 1000).toFixed(0)} s; load average now ${loadavg().map((x) => x.toFixed(2)).join(' / ')}`);
}
console.log(`\nwhole run: ${((Date.now() - started) / 1000).toFixed(0)} s`);
if (!report.summary()) process.exitCode = 1;
