// Load and soak through the gateway over HTTP (loopback), three processes: this
// load generator (undici Pool), the gateway (gateway-launcher.js, the built
// @rota/gateway, recording every message in its ledger) and the FigenSoft sandbox.
// A fourth, the bare relay (bare-launcher.js), is the gateway's yardstick.
// Run: pnpm bench:load
//
//   (a) side by side: PAIRED_ROUNDS (10) alternating rounds of PAIRED_COUNT (2,000) messages at
//       PAIRED_IN_FLIGHT (64) in flight, gateway (POST /v1/messages, synchronous) and bare relay
//       (same JSON, Send_1_N to the same sandbox, 202 with the provider's id); goal: the
//       gateway at 0.7 of the bare relay or better;
//   (b) load: LOAD_COUNT messages (default 100,000) at LOAD_IN_FLIGHT (256) in flight;
//   (c) soak: SOAK_SETTLE_SECONDS (60) then SOAK_SECONDS (300) measured, at SOAK_RATE msg/s (500),
//       with SOAK_FAULT_FRACTION (0.01) of the sandbox's requests faulted, the fault kind rotating
//       every SOAK_ROTATE_SECONDS (15).
//
// PAIRED_ROUNDS=0, LOAD_COUNT=0 or SOAK_SECONDS=0 skips a phase. Every answer is checked against the
// gateway's contract; the run exits 1 when any check fails. Other knobs: LOAD_IN_FLIGHT,
// WARMUP_COUNT, SOAK_MAX_IN_FLIGHT, BENCH_IDEMPOTENCY_KEYS=0, BENCH_LOG_LEVEL,
// BENCH_STORE=sqlite|memory (sqlite), BENCH_SYNCHRONOUS=normal|full (normal: the default),
// GATEWAY_CONNECTIONS (gateway → sandbox, and the bare relay's), GATEWAY_EXEC_ARGV and
// BARE_EXEC_ARGV (node flags for either server).
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import { messageBodies } from '../lib/bench-messages.js';
import { acceptedAnswer, clientPool, httpRound } from '../lib/http-rounds.js';
import { envNumber } from '../lib/knobs.js';
import { concurrent, paired, printTable } from '../lib/measure.js';
import { sandboxAdmin } from '../lib/sandbox-admin.js';
import { startSandboxProcess } from '../lib/sandbox-process.js';
import { startBareProcess } from './bare-process.js';
import { describeStore, startGatewayProcess, storeConfig } from './gateway-process.js';
import { fixed, mib, PhaseTally, sumMetric } from './load-stats.js';

const int = envNumber;

const LOAD_COUNT = int('LOAD_COUNT', 100_000);
const LOAD_IN_FLIGHT = int('LOAD_IN_FLIGHT', 256);
const WARMUP_COUNT = int('WARMUP_COUNT', 5_000);
const SOAK_SECONDS = int('SOAK_SECONDS', 300);
const SOAK_RATE = int('SOAK_RATE', 500);
const SOAK_FAULT_FRACTION = int('SOAK_FAULT_FRACTION', 0.01);
const SOAK_ROTATE_SECONDS = int('SOAK_ROTATE_SECONDS', 15);
/**
 * Traffic at the soak rate before the measured part: V8's heap sizing (and, before the
 * ledger, the router's idempotency cache) reach their steady state here; the RSS timeline
 * still shows it.
 */
const SOAK_SETTLE_SECONDS = int('SOAK_SETTLE_SECONDS', 60);
/** The soak is open-loop; past this many in flight it waits instead of piling on (reported as lag). */
const SOAK_MAX_IN_FLIGHT = int('SOAK_MAX_IN_FLIGHT', 2_048);
/** Keys make every send go through the ledger's idempotency check (a unique index), as a careful client's would. */
const IDEMPOTENCY_KEYS = process.env.BENCH_IDEMPOTENCY_KEYS !== '0';
const LOG_LEVEL = process.env.BENCH_LOG_LEVEL ?? 'warn';
const GATEWAY_CONNECTIONS = int('GATEWAY_CONNECTIONS', 64);
const PAIRED_ROUNDS = int('PAIRED_ROUNDS', 10);
const PAIRED_COUNT = int('PAIRED_COUNT', 2_000);
const PAIRED_IN_FLIGHT = int('PAIRED_IN_FLIGHT', 64);
/** The gateway's synchronous path against the bare relay: the issue's goal. */
const BARE_GOAL = 0.7;
const STORE = storeConfig(process.env.BENCH_STORE ?? 'sqlite', process.env.BENCH_SYNCHRONOUS ?? 'normal');

/** Unique numbers +90532…, three short texts, one in ten CAMPAIGN (see bench/lib/bench-messages.js). */
const nextMessage = messageBodies({ idempotencyKeys: IDEMPOTENCY_KEYS, block: 2 });

const sandbox = await startSandboxProcess();
const gatewayErrors = [];
const gateway = await startGatewayProcess({
  sandboxUrl: sandbox.url,
  logLevel: LOG_LEVEL,
  connections: GATEWAY_CONNECTIONS,
  store: STORE,
  onLog: (entry) => {
    if (entry.level >= 50 && gatewayErrors.length < 5) gatewayErrors.push(entry.msg);
  },
});
const bare = PAIRED_ROUNDS > 0 ? await startBareProcess({ sandboxUrl: sandbox.url, connections: GATEWAY_CONNECTIONS }) : undefined;
const gatewayOrigin = new URL(gateway.url).origin;
// One connection per request in flight: the load generator must not be the queue.
const pool = new Pool(gatewayOrigin, { connections: Math.max(LOAD_IN_FLIGHT, 64), pipelining: 1, keepAliveTimeout: 60_000 });
const admin = sandboxAdmin(sandbox.adminUrl);
const headers = { authorization: `Bearer ${gateway.apiKey}`, 'content-type': 'application/json' };

async function sendOne(tally) {
  const body = nextMessage();
  const started = performance.now();
  try {
    const response = await pool.request({ method: 'POST', path: '/v1/messages', headers, body });
    const text = await response.body.text();
    tally.answer(response.statusCode, text, performance.now() - started);
  } catch (error) {
    tally.networkError(error);
  }
}

const adminCall = admin.call;
/** Credit left over every account: what the sandbox has charged is the difference. */
const creditLeft = () => admin.creditLeft();

async function gatewayMetrics() {
  const response = await pool.request({ method: 'GET', path: '/metrics' });
  return response.body.text();
}

const checks = [];
function check(name, ok, detail) {
  checks.push({ name, ok, detail });
}

/** What every phase verifies beyond its own answers: the gateway's and the sandbox's view of the same traffic. */
async function crossCheck(phase, tally, issued, before) {
  const metrics = await gatewayMetrics();
  const served = sumMetric(metrics, 'rota_http_requests_total', { method: 'POST', route: '/v1/messages' }) - before.served;
  const charged = before.credit - (await creditLeft());
  check(`${phase}: every request got exactly one answer`, tally.responses === issued && tally.networkErrors === 0, `${issued} sent, ${tally.responses} answers, ${tally.networkErrors} network errors`);
  check(`${phase}: the gateway counted the same requests`, served === issued, `gateway's rota_http_requests_total: ${served}`);
  check(`${phase}: no 5xx but the documented 503 (no provider left), answers match results`, tally.violations.size === 0, [...tally.violations].map(([k, n]) => `${k}: ${n}`).join('; ') || 'none');
  check(
    `${phase}: the provider charged exactly the accepted segments (nothing lost, nothing sent twice)`,
    charged === tally.acceptedSegments,
    `sandbox charged ${charged}, accepted segments ${tally.acceptedSegments}`,
  );
}

async function before() {
  return { served: sumMetric(await gatewayMetrics(), 'rota_http_requests_total', { method: 'POST', route: '/v1/messages' }), credit: await creditLeft() };
}

function resultRows(tally) {
  return [...tally.byResult].sort(([a], [b]) => a.localeCompare(b)).map(([key, n]) => ({ case: key, count: n, share: `${((n / tally.responses) * 100).toFixed(2)}%` }));
}

function latencyLine(tally) {
  const p = tally.percentiles();
  return `latency ms: p50 ${fixed(p.p50)}  p90 ${fixed(p.p90)}  p99 ${fixed(p.p99)}  max ${fixed(p.max)}`;
}

const eventLoopLine = (e) => `gateway event-loop delay ms: mean ${e.meanMs}  p50 ${e.p50Ms}  p99 ${e.p99Ms}  max ${e.maxMs}`;

console.log(`node ${process.version}; gateway ${gateway.url} (pid ${gateway.pid}, log level ${LOG_LEVEL}, ${GATEWAY_CONNECTIONS} connections to the sandbox); sandbox ${sandbox.url} (pid ${sandbox.pid})`);
console.log(`idempotency keys ${IDEMPOTENCY_KEYS ? 'on' : 'off'}; gateway ${describeStore(STORE)}; gateway RSS at start ${mib(gateway.rss())}`);
if (bare) console.log(`bare relay ${bare.url} (pid ${bare.pid}, fastify, undici Pool of ${GATEWAY_CONNECTIONS} connections to the sandbox)`);

try {
  // Warm-up: JIT, keep-alive connections on both hops.
  if (WARMUP_COUNT > 0) {
    const warm = new PhaseTally();
    await concurrent(WARMUP_COUNT, Math.min(LOAD_IN_FLIGHT, 64), () => sendOne(warm));
    if (warm.count('accepted') !== WARMUP_COUNT) throw new Error(`warm-up: only ${warm.count('accepted')} of ${WARMUP_COUNT} accepted: ${warm.examples.join(' | ')}`);
  }

  if (bare) await sideBySide();

  if (LOAD_COUNT > 0) {
    const start = await before();
    await gateway.resetEventLoop();
    const rssBefore = gateway.rss();
    const tally = new PhaseTally();
    const run = await concurrent(LOAD_COUNT, LOAD_IN_FLIGHT, () => sendOne(tally));
    const { eventLoop } = await gateway.stats();
    console.log(`\n(b) Load: ${LOAD_COUNT.toLocaleString('en-US')} messages, ${LOAD_IN_FLIGHT} in flight`);
    console.log(`throughput: ${Math.round(run.perSecond).toLocaleString('en-US')} msg/s (${fixed(LOAD_COUNT / run.perSecond, 1)} s)`);
    console.log(latencyLine(tally));
    console.log(eventLoopLine(eventLoop));
    console.log(`gateway RSS: ${mib(rssBefore)} before, ${mib(gateway.rss())} after`);
    printTable('answers (HTTP status, result status)', resultRows(tally));
    await crossCheck('load', tally, LOAD_COUNT, start);
    check('load: every message accepted (no faults injected)', tally.count('accepted') === LOAD_COUNT, `${tally.count('accepted')} accepted`);
  }

  if (SOAK_SECONDS > 0) await soak();
} finally {
  await adminCall('DELETE', '/faults').catch(() => {});
  await pool.close();
  await admin.close();
  await bare?.stop();
  const code = await gateway.stop();
  check('the gateway exited cleanly', code === 0, `exit code ${code}`);
  check('the gateway logged no error', !(gateway.logLevels[50] || gateway.logLevels[60]), `${gateway.logLevels[50] ?? 0} error, ${gateway.logLevels[60] ?? 0} fatal lines${gatewayErrors.length ? `: ${gatewayErrors.join(' | ')}` : ''}`);
  await sandbox.stop();
}

/**
 * (a) The gateway's synchronous path and the bare relay, in alternating rounds (see `paired`):
 * the same messages, the same in-flight count, the same sandbox, each server in its own process.
 */
async function sideBySide() {
  const gatewayPool = clientPool(gateway.url, PAIRED_IN_FLIGHT);
  const barePool = clientPool(bare.url, PAIRED_IN_FLIGHT);
  const round = (server, pool) => () => httpRound({ server, pool, headers, count: PAIRED_COUNT, inFlight: PAIRED_IN_FLIGHT, bodyAt: nextMessage, check: acceptedAnswer });
  try {
    // The bare relay's warm-up (the gateway had its own above): JIT, keep-alive connections on both hops.
    if (WARMUP_COUNT > 0) await httpRound({ server: bare, pool: barePool, headers, count: WARMUP_COUNT, inFlight: PAIRED_IN_FLIGHT, bodyAt: nextMessage, check: acceptedAnswer });
    const credit = await creditLeft();
    const result = await paired(PAIRED_ROUNDS, round(bare, barePool), round(gateway, gatewayPool));
    const charged = credit - (await creditLeft());
    const issued = 2 * PAIRED_ROUNDS * PAIRED_COUNT;
    console.log(
      `\n(a) Side by side: the gateway's synchronous POST /v1/messages and the bare relay, ${PAIRED_ROUNDS} alternating rounds of ` +
        `${PAIRED_COUNT.toLocaleString('en-US')} messages each, ${PAIRED_IN_FLIGHT} in flight; the gateway on its ${describeStore(STORE)}`,
    );
    const row = (label, side) => ({ case: label, 'msg/s (best round)': side.perSecond, 'server CPU µs/msg': side.cpuMicrosEach, 'client CPU µs/msg': side.clientCpuMicrosEach });
    printTable('best round of each side (server CPU: the server process\'s own, in that round)', [row('bare relay', result.a), row('gateway', result.b)]);
    const met = result.medianRatio >= BARE_GOAL;
    printTable('gateway / bare relay', [
      {
        case: 'rate ratio (median of rounds)',
        value: `${result.medianRatio.toFixed(2)} (range ${result.lowestRatio.toFixed(2)}–${result.highestRatio.toFixed(2)})`,
        goal: `≥ ${BARE_GOAL}`,
        verdict: met ? 'met' : 'NOT met',
      },
      { case: 'CPU ratio bare / gateway (median of rounds)', value: result.medianCpuRatio.toFixed(2), goal: '', verdict: '' },
    ]);
    check('side by side: every answer 202 accepted with a provider id, on both sides', true, `${issued} sent`);
    check('side by side: the provider charged one segment per message, both sides together', charged === issued, `sandbox charged ${charged}, sent ${issued}`);
  } finally {
    await gatewayPool.close();
    await barePool.close();
  }
}

async function soak() {
  const faults = [
    { kind: 'status-code', statusCode: 500 }, // bad login: provider-unavailable, nowhere else to go → 503 failed
    { kind: 'http-error', httpStatus: 503 }, // retryable: the router retries, the message gets through
    { kind: 'reset' }, // reset after the request was written: outcome unknown → 202 unknown (stop policy)
  ].map((fault) => ({ ...fault, fraction: SOAK_FAULT_FRACTION }));
  const start = await before();
  const tally = new PhaseTally();
  const samples = []; // { at: seconds since the soak began, rss }
  const snapshots = {};
  const rssAtBegin = gateway.rss();

  let issued = 0;
  let inFlight = 0;
  let maxLagMs = 0;
  const pending = new Set();
  const settleMs = SOAK_SETTLE_SECONDS * 1_000;
  const totalMs = settleMs + SOAK_SECONDS * 1_000;
  const marks = [
    { name: 'start', at: settleMs },
    { name: 'middle', at: settleMs + (SOAK_SECONDS * 1_000) / 2 },
  ];
  const began = performance.now();
  let nextSampleAt = 0;
  let nextRotateAt = 0;
  let faultIndex = 0;
  if (settleMs === 0) await gateway.resetEventLoop();

  for (;;) {
    const elapsed = performance.now() - began;
    if (elapsed >= totalMs) break;
    if (SOAK_FAULT_FRACTION > 0 && elapsed >= nextRotateAt) {
      await adminCall('DELETE', '/faults');
      await adminCall('POST', '/faults', faults[faultIndex++ % faults.length]);
      nextRotateAt += SOAK_ROTATE_SECONDS * 1_000;
    }
    if (elapsed >= nextSampleAt) {
      samples.push({ at: elapsed / 1_000, rss: gateway.rss() });
      nextSampleAt += 1_000;
    }
    while (marks.length > 0 && elapsed >= marks[0].at) {
      const mark = marks.shift();
      snapshots[mark.name] = { rss: gateway.rss(), ...(await gateway.stats()).memory };
      // The event-loop figures cover the measured part of the soak, not the settling.
      if (mark.name === 'start' && settleMs > 0) await gateway.resetEventLoop();
    }
    // Open loop: as many as the rate says by now, whatever the answers' pace.
    const due = Math.floor((SOAK_RATE * elapsed) / 1_000);
    if (due - issued > 0) maxLagMs = Math.max(maxLagMs, ((due - issued) / SOAK_RATE) * 1_000);
    while (issued < due && inFlight < SOAK_MAX_IN_FLIGHT) {
      issued += 1;
      inFlight += 1;
      const p = sendOne(tally).finally(() => {
        inFlight -= 1;
        pending.delete(p);
      });
      pending.add(p);
    }
    await sleep(5);
  }
  await adminCall('DELETE', '/faults');
  await Promise.all(pending);
  const elapsedS = (performance.now() - began) / 1_000;
  const { eventLoop, memory } = await gateway.stats();
  snapshots.end = { rss: gateway.rss(), ...memory };

  console.log(
    `\n(c) Soak: ${SOAK_SECONDS} s measured after ${SOAK_SETTLE_SECONDS} s of settling, at ${SOAK_RATE} msg/s throughout, ` +
      `${(SOAK_FAULT_FRACTION * 100).toFixed(1)}% of provider requests faulted (rotating every ${SOAK_ROTATE_SECONDS} s: ${faults.map((f) => f.kind).join(', ')})`,
  );
  console.log(`sent ${issued.toLocaleString('en-US')} in ${fixed(elapsedS)} s: ${Math.round(tally.responses / elapsedS).toLocaleString('en-US')} answers/s (target ${SOAK_RATE}); largest lag behind the schedule ${fixed(maxLagMs, 0)} ms`);
  console.log(latencyLine(tally));
  console.log(`${eventLoopLine(eventLoop)} (the measured ${SOAK_SECONDS} s)`);
  printTable('gateway memory (point samples)', ['start', 'middle', 'end'].map((when) => {
    const s = snapshots[when] ?? {};
    return { case: when, 'RSS (/proc)': mib(s.rss), 'heap used': mib(s.heapUsed), 'heap total': mib(s.heapTotal), external: mib(s.external) };
  }));

  // Point samples land anywhere on V8's collection sawtooth; the verdict compares 30-s means.
  const measured = samples.filter((x) => x.at >= SOAK_SETTLE_SECONDS && x.rss !== undefined);
  const windowMean = (from, to) => {
    const inside = measured.filter((x) => x.at >= from && x.at < to);
    return inside.length === 0 ? NaN : inside.reduce((sum, x) => sum + x.rss, 0) / inside.length;
  };
  const windowS = Math.min(30, SOAK_SECONDS / 5);
  const t0 = SOAK_SETTLE_SECONDS;
  const means = {
    start: windowMean(t0, t0 + windowS),
    middle: windowMean(t0 + SOAK_SECONDS / 2 - windowS / 2, t0 + SOAK_SECONDS / 2 + windowS / 2),
    end: windowMean(t0 + SOAK_SECONDS - windowS, t0 + SOAK_SECONDS + 1),
  };
  const change = (a, b) => (b - a) / a;
  const values = measured.map((x) => x.rss);
  console.log(`RSS means over ${fixed(windowS, 0)} s: start ${mib(means.start)}, middle ${mib(means.middle)}, end ${mib(means.end)} (middle ${(change(means.start, means.middle) * 100).toFixed(1)}%, end ${(change(means.start, means.end) * 100).toFixed(1)}% vs start); min ${mib(Math.min(...values))}, max ${mib(Math.max(...values))}`);
  const every = Math.max(1, Math.round((SOAK_SETTLE_SECONDS + SOAK_SECONDS) / 12));
  console.log(`RSS every ${every} s from the first soak message, settling included (MiB): ${mib(rssAtBegin).replace(' MiB', '')} | ${samples.filter((_, i) => i % every === 0).map((x) => (x.rss / 2 ** 20).toFixed(0)).join(' ')}`);
  const retained = (await gateway.stats({ gc: true })).memory;
  console.log(`after the soak, a full GC leaves ${mib(retained.heapUsed)} of heap in use (heap total ${mib(retained.heapTotal)}, RSS ${mib(gateway.rss())})`);
  printTable('answers (HTTP status, result status)', resultRows(tally));
  await crossCheck('soak', tally, issued, start);
  check(
    'soak: gateway RSS flat within 10% (30-s means: middle and end vs start)',
    Math.abs(change(means.start, means.middle)) <= 0.1 && Math.abs(change(means.start, means.end)) <= 0.1,
    `start ${mib(means.start)}, middle ${mib(means.middle)}, end ${mib(means.end)}`,
  );
  check('soak: kept the rate (answers/s within 5% of the target)', tally.responses / elapsedS >= SOAK_RATE * 0.95, `${fixed(tally.responses / elapsedS)} answers/s`);
}

printTable('checks', checks.map((c) => ({ case: c.name, result: c.ok ? 'ok' : 'FAILED', detail: c.detail })));
if (checks.some((c) => !c.ok)) process.exitCode = 1;
