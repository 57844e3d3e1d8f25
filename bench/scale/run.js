// Scale-out on PostgreSQL, side by side in one run. Processes: this load generator,
// the FigenSoft sandbox (bench/lib/sandbox-process.js), and per installation the
// gateway(s) and each worker in a process of its own (installation.js); PostgreSQL
// is a throwaway cluster of this run (deleted at the end, also on Ctrl+C) unless
// ROTA_BENCH_POSTGRES_URL names one. All on loopback, sharing the machine's cores.
// Run: pnpm bench:scale
//
//   (1) throughput  end-to-end msg/s, POST → the sandbox's charge for the last message:
//                   embedded (SQLite) and one gateway with 1, 2 and 4 workers on PostgreSQL;
//                   single messages, then batches of 100
//   (2)             PostgreSQL with one worker ÷ embedded                                  target ≥ 0.5
//   (3) otp         OTP queue wait p99 with a 200,000-recipient CAMPAIGN backlog vs none,
//                   on PostgreSQL (bench/ledger case (d)'s method)                         target ≤ 2×
//
// BENCH_ONLY=throughput or otp (or 1, 3) runs one. Knobs, with their defaults:
//   SCALE_WORKERS 1,2,4 (worker counts beside the embedded gateway), SCALE_GATEWAYS 1, SCALE_ROUNDS 3,
//   SCALE_COUNT 3000, SCALE_IN_FLIGHT 64 (single messages: a round's, and requests in flight; 0 skips),
//   SCALE_BATCH_SIZE 100, SCALE_BATCH_COUNT 20000, SCALE_BATCH_IN_FLIGHT 8 (POST /v1/messages/batch: messages
//   a request, a round's messages, requests in flight; a count of 0 skips), SCALE_WARMUP 2000,
//   SCALE_POLL_MS 10 (the sandbox's credit), SCALE_ROUND_TIMEOUT_MS 600000,
//   SCALE_POOL_SIZE 10 (store.poolSize of every process), SCALE_CONCURRENCY 4 (dispatch.concurrency),
//   SCALE_PG_COMMIT off (the throwaway cluster: off | on | nofsync, see postgres.js),
//   SCALE_REPORTS 0 (1: delivery reports read on the default schedule during the run),
//   SCALE_PG_STATEMENTS 0 (N: load pg_stat_statements and print each installation's N costliest
//     statements of its last round; a diagnosis, it slows the server a little),
//   OTP_BACKLOG 200000, OTP_RATE 50 (a second), OTP_COUNT 500, OTP_PAIRS 2, SCALE_OTP_WORKERS 1,
//   BENCH_SYNCHRONOUS normal (the embedded SQLite store), BENCH_IDEMPOTENCY_KEYS (on),
//   GATEWAY_CONNECTIONS 64, BENCH_LOG_LEVEL warn, GATEWAY_EXEC_ARGV, WORKER_EXEC_ARGV,
//   ROTA_BENCH_POSTGRES_URL (a server of your own: its settings are used as they are).
// A failed check exits 1; a target not met is a figure, not a failure.
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { envNumber } from '../lib/knobs.js';
import { createReport } from '../ledger/report.js';
import { otpCase } from './otp-case.js';
import { openBenchPostgres } from './postgres.js';
import { throughputCase } from './throughput-case.js';

const synchronous = process.env.BENCH_SYNCHRONOUS ?? 'normal';
if (synchronous !== 'normal' && synchronous !== 'full') throw new Error(`BENCH_SYNCHRONOUS must be normal or full, got "${synchronous}"`);
const workerCounts = (process.env.SCALE_WORKERS ?? '1,2,4').split(',').map((s) => Number(s.trim()));
if (workerCounts.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`SCALE_WORKERS must list whole numbers of 1 or more, got "${process.env.SCALE_WORKERS}"`);
const k = {
  workerCounts,
  gateways: Math.max(1, envNumber('SCALE_GATEWAYS', 1)),
  count: envNumber('SCALE_COUNT', 3_000),
  inFlight: envNumber('SCALE_IN_FLIGHT', 64),
  batchSize: envNumber('SCALE_BATCH_SIZE', 100),
  batchCount: envNumber('SCALE_BATCH_COUNT', 20_000),
  batchInFlight: envNumber('SCALE_BATCH_IN_FLIGHT', 8),
  rounds: envNumber('SCALE_ROUNDS', 3),
  warmup: envNumber('SCALE_WARMUP', 2_000),
  pollMs: envNumber('SCALE_POLL_MS', 10),
  roundTimeoutMs: envNumber('SCALE_ROUND_TIMEOUT_MS', 600_000),
  poolSize: envNumber('SCALE_POOL_SIZE', 10),
  dispatch: { concurrency: envNumber('SCALE_CONCURRENCY', 4) },
  // Delivery reports off the run by default: the first status read would come 15 s after
  // acceptance, in the middle of another installation's round.
  reports: process.env.SCALE_REPORTS === '1' ? undefined : { scheduleSeconds: [86_400] },
  statements: envNumber('SCALE_PG_STATEMENTS', 0),
  otpBacklog: envNumber('OTP_BACKLOG', 200_000),
  otpRate: envNumber('OTP_RATE', 50),
  otpCount: envNumber('OTP_COUNT', 500),
  otpPairs: envNumber('OTP_PAIRS', 2),
  otpWorkers: Math.max(1, envNumber('SCALE_OTP_WORKERS', 1)),
  synchronous,
  idempotencyKeys: process.env.BENCH_IDEMPOTENCY_KEYS !== '0',
  connections: envNumber('GATEWAY_CONNECTIONS', 64),
  logLevel: process.env.BENCH_LOG_LEVEL ?? 'warn',
};

const CASES = [
  ['1', 'throughput', throughputCase],
  ['3', 'otp', otpCase],
];
const only = (process.env.BENCH_ONLY ?? '').split(',').map((s) => s.trim()).filter(Boolean);
const selected = CASES.filter(([number, name]) => only.length === 0 || only.includes(number) || only.includes(name));
if (selected.length === 0) throw new Error(`BENCH_ONLY names no case: ${only.join(',')} (use ${CASES.map(([n, name]) => `${n}|${name}`).join(', ')})`);

const loadText = () => loadavg().map((x) => x.toFixed(2)).join(' / ');
const report = createReport();
const started = Date.now();
console.log(
  `${new Date().toISOString()}; node ${process.version}; ${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown CPU'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB; ` +
    `load average ${loadText()}; not pinned: client, sandbox, gateways, workers and PostgreSQL share the cores`,
);
const postgres = await openBenchPostgres({ commit: process.env.SCALE_PG_COMMIT ?? 'off', statements: k.statements > 0 });
try {
  console.log(`PostgreSQL: ${postgres.describe()}`);
  console.log(
    `cases: ${selected.map(([number, name]) => `(${number}) ${name}`).join(', ')}; idempotency keys ${k.idempotencyKeys ? 'on' : 'off'}; embedded SQLite synchronous=${k.synchronous}; ` +
      `delivery reports ${k.reports ? 'not read during the run' : 'read on the default schedule'}`,
  );
  for (const [number, name, run] of selected) {
    const caseStarted = Date.now();
    try {
      await run(k, report, postgres);
    } catch (error) {
      report.check(`(${number}) ${name} ran to the end`, false, error instanceof Error ? error.stack?.split('\n').slice(0, 3).join(' ') : String(error));
    }
    console.log(`(${number}) took ${((Date.now() - caseStarted) / 1000).toFixed(0)} s; load average now ${loadText()}`);
  }
} finally {
  postgres.stop();
}
console.log(`\nwhole run: ${((Date.now() - started) / 1000).toFixed(0)} s; load average at the end ${loadText()}`);
if (!report.summary()) process.exitCode = 1;
