// Cases (1) and (2) of bench/scale: end-to-end messages per second, from the first
// POST (Prefer: respond-async) of a round to the moment the sandbox has charged its
// last message (its credit over both accounts, one segment a message, polled every
// SCALE_POLL_MS), for the embedded gateway on SQLite and for one gateway with 1, 2
// and 4 workers on PostgreSQL; single messages (POST /v1/messages), then batches
// (POST /v1/messages/batch).
//
// Every installation is started first (each PostgreSQL one on a database of its
// own) and warmed up; then rounds go through them in turn, the order reversed
// every other round (E 1 2 4, 4 2 1 E, …), so that each sees the same machine.
// An installation between its rounds is idle (its dispatchers poll once a second;
// delivery reports are not read during the run: see run.js). Each round: CPU time
// of the gateway(s), of the workers and of the PostgreSQL server over the round,
// per message; and the worst event-loop delay of gateways and workers.
import { performance } from 'node:perf_hooks';
import { loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import { messageBodies } from '../lib/bench-messages.js';
import { queuedAnswer } from '../lib/http-rounds.js';
import { concurrent, percentile } from '../lib/measure.js';
import { sandboxAdmin } from '../lib/sandbox-admin.js';
import { startSandboxProcess } from '../lib/sandbox-process.js';
import { startInstallation } from './installation.js';

const median = (values) => percentile(Float64Array.from(values).sort(), 50);

/** One HTTP pool per gateway, round-robin over them (one connection per request in flight). */
function gatewayClients(urls, inFlight) {
  const pools = urls.map((url) => new Pool(new URL(url).origin, { connections: Math.max(1, Math.ceil(inFlight / urls.length)), pipelining: 1, keepAliveTimeout: 60_000 }));
  let next = 0;
  return { request: (options) => pools[next++ % pools.length].request(options), close: () => Promise.all(pools.map((p) => p.close())) };
}

/**
 * `count` messages, `inFlight` at a time, through `installation`; resolves when the
 * sandbox has charged all of them. Throws on a bad answer, or when the sandbox
 * charges more than was sent (something sent twice) or not all within the timeout.
 */
async function oneRound({ installation, client, admin, postgres, nextBody, count, batch, inFlight, pollMs, timeoutMs, statementsShown }) {
  const headers = { authorization: `Bearer ${installation.apiKey}`, 'content-type': 'application/json', prefer: 'respond-async' };
  // Made before the clock starts: one message a request, or `batch` in a POST /v1/messages/batch.
  const requests = Math.ceil(count / batch);
  const path = batch === 1 ? '/v1/messages' : '/v1/messages/batch';
  const bodies = Array.from({ length: requests }, (_, r) =>
    batch === 1 ? nextBody() : `{"messages":[${Array.from({ length: Math.min(batch, count - r * batch) }, nextBody).join(',')}]}`,
  );
  const check = batch === 1 ? queuedAnswer : (statusCode, text) => (statusCode === 202 && /"summary":\{"queued":\d+\}/.test(text) ? undefined : 'not 202 with every message queued');
  const creditBefore = await admin.creditLeft();
  if (postgres?.statements) await postgres.resetStatements();
  await installation.resetEventLoops();
  const cpu0 = await installation.cpuMicros();
  const pg0 = postgres?.cpuMicros();
  const t0 = performance.now();
  let retried = 0;
  await concurrent(requests, inFlight, async (i) => {
    for (;;) {
      const response = await client.request({ method: 'POST', path, headers, body: bodies[i] });
      const text = await response.body.text();
      // An overloaded store answers 503 store-unavailable (no connection within store.connectTimeoutMs):
      // a careful client sends the same request again, with the same idempotency keys; counted.
      if (response.statusCode === 503 && text.includes('"store-unavailable"')) {
        retried += 1;
        await sleep(100);
        continue;
      }
      const wrong = check(response.statusCode, text);
      if (wrong !== undefined) throw new Error(`${installation.label}: ${wrong}: ${response.statusCode} ${text.slice(0, 300)}`);
      return;
    }
  });
  const tAccepted = performance.now();
  let charged;
  for (;;) {
    charged = creditBefore - (await admin.creditLeft());
    if (charged >= count) break;
    if (performance.now() - t0 > timeoutMs) throw new Error(`${installation.label}: the sandbox charged ${charged} of ${count} within ${timeoutMs} ms`);
    await sleep(pollMs);
  }
  const tLast = performance.now();
  const cpu1 = await installation.cpuMicros();
  const pg1 = postgres?.cpuMicros();
  const loops = await installation.eventLoops();
  const statements = postgres?.statements && installation.workers > 0 ? await postgres.topStatements(statementsShown, installation.database) : undefined;
  // Anything sent twice would show as more charged than sent, now or a moment later.
  await sleep(200);
  const chargedAfter = creditBefore - (await admin.creditLeft());
  if (chargedAfter !== count) throw new Error(`${installation.label}: the sandbox charged ${chargedAfter} for ${count} messages`);
  const ms = tLast - t0;
  return {
    perSecond: (count / ms) * 1000,
    ms,
    acceptMs: tAccepted - t0,
    drainMs: tLast - tAccepted,
    gatewayCpu: (cpu1.gateways - cpu0.gateways) / count,
    workerCpu: (cpu1.workers - cpu0.workers) / count,
    postgresCpu: pg0 === undefined ? undefined : (pg1 - pg0) / count,
    loops,
    statements,
    retried,
    load: loadavg()[0],
  };
}

/**
 * The workloads: single messages (SCALE_COUNT a round, SCALE_IN_FLIGHT requests in flight), then
 * batches (POST /v1/messages/batch of SCALE_BATCH_SIZE, SCALE_BATCH_COUNT messages a round,
 * SCALE_BATCH_IN_FLIGHT requests in flight); either is skipped with a count of 0.
 */
const shapesOf = (k) =>
  [
    { name: 'single messages', batch: 1, count: k.count, inFlight: k.inFlight },
    { name: `batches of ${k.batchSize}`, batch: k.batchSize, count: k.batchCount, inFlight: k.batchInFlight },
  ].filter((shape) => shape.count > 0 && shape.batch > 0);

export async function throughputCase(k, report, postgres) {
  const sandbox = await startSandboxProcess();
  const admin = sandboxAdmin(sandbox.adminUrl);
  const installations = [];
  try {
    for (const workers of [0, ...k.workerCounts]) {
      const label = workers === 0 ? 'embedded (SQLite)' : `PostgreSQL, ${k.gateways} gateway${k.gateways > 1 ? 's' : ''} + ${workers} worker${workers > 1 ? 's' : ''}`;
      const started = performance.now();
      const installation = await startInstallation({
        label,
        workers,
        gateways: k.gateways,
        postgres,
        poolSize: k.poolSize,
        sandboxUrl: sandbox.url,
        synchronous: k.synchronous,
        connections: k.connections,
        logLevel: k.logLevel,
        dispatch: k.dispatch,
        reports: k.reports,
      });
      installations.push(installation);
      report.line(`started ${installation.describe()} in ${((performance.now() - started) / 1000).toFixed(1)} s; load average ${loadavg()[0].toFixed(2)}`);
    }
    const nextBody = new Map(installations.map((installation, i) => [installation, messageBodies({ idempotencyKeys: k.idempotencyKeys, block: i })]));
    for (const shape of shapesOf(k)) await shapeRounds(k, report, { shape, installations, nextBody, admin, postgres });
  } finally {
    for (const installation of installations) {
      const codes = await installation.stop();
      report.check(
        `(1) ${installation.label}: every process exited cleanly and logged no error`,
        codes.every((c) => c === 0) && installation.errors.length === 0,
        `exit ${codes.join(', ')}${installation.errors.length ? `; ${installation.errors.join(' | ')}` : ''}`,
      );
    }
    await admin.close();
    await sandbox.stop();
  }
}

/** One workload through every installation: warm-up, rounds in turn, the table and the target. */
async function shapeRounds(k, report, { shape, installations, nextBody, admin, postgres }) {
  const clients = new Map(installations.map((installation) => [installation, gatewayClients(installation.urls, shape.inFlight)]));
  const rounds = new Map(installations.map((installation) => [installation, []]));
  const round = (installation, count) =>
    oneRound({
      installation,
      client: clients.get(installation),
      admin,
      postgres,
      nextBody: nextBody.get(installation),
      count,
      batch: shape.batch,
      inFlight: shape.inFlight,
      pollMs: k.pollMs,
      timeoutMs: k.roundTimeoutMs,
      statementsShown: k.statements,
    });
  const began = performance.now();
  const loadAtStart = loadavg()[0];
  try {
    // Warm-up: JIT, connections, the stores' first pages; not measured.
    for (const installation of installations) {
      if (k.warmup > 0) await round(installation, Math.min(k.warmup, shape.count));
      await admin.clearRecords();
    }
    for (let r = 0; r < k.rounds; r++) {
      const order = r % 2 === 0 ? installations : [...installations].reverse();
      for (const installation of order) {
        rounds.get(installation).push(await round(installation, shape.count));
        await admin.clearRecords(); // the sandbox keeps every record in memory: not across rounds
      }
    }
  } finally {
    for (const client of clients.values()) await client.close();
  }

  // Per-round ratios against the embedded gateway's round of the same pass.
  const embedded = installations[0];
  const ratioOf = (installation) => rounds.get(installation).map((result, r) => result.perSecond / rounds.get(embedded)[r].perSecond);
  const range = (list) => `${Math.min(...list).toFixed(2)}–${Math.max(...list).toFixed(2)}`;
  const rows = installations.map((installation) => {
    const list = rounds.get(installation);
    const best = list.reduce((a, b) => (b.perSecond > a.perSecond ? b : a));
    const ratios = ratioOf(installation);
    const med = (key) => median(list.map((x) => x[key]));
    const { gateways, workers } = best.loops;
    return {
      case: installation.label,
      'msg/s (median)': med('perSecond'),
      'rounds msg/s': list.map((x) => Math.round(x.perSecond)).join(' '),
      '÷ embedded (median, range)': installation === embedded ? '1' : `${median(ratios).toFixed(2)} (${range(ratios)})`,
      'accepted in / then drained in, s (median)': `${(med('acceptMs') / 1000).toFixed(1)} / ${(med('drainMs') / 1000).toFixed(1)}`,
      'CPU µs/msg: gateway / workers / PostgreSQL (median)': `${med('gatewayCpu').toFixed(0)} / ${med('workerCpu').toFixed(0)} / ${postgres?.owned && installation.workers > 0 ? med('postgresCpu').toFixed(0) : '—'}`,
      'event-loop p99 / max ms: gateway; workers (best round)': `${gateways.p99Ms} / ${gateways.maxMs}${workers ? `; ${workers.p99Ms} / ${workers.maxMs}` : ''}`,
      'load avg (1 min) after each round': list.map((x) => x.load.toFixed(1)).join(' '),
      '503s retried (all rounds)': list.reduce((sum, x) => sum + x.retried, 0),
    };
  });
  report.section(
    `(1) End-to-end messages per second, ${shape.name}: ${shape.count.toLocaleString('en-US')} messages a round ` +
      `(${shape.batch === 1 ? 'POST /v1/messages' : `POST /v1/messages/batch of ${shape.batch}`}, Prefer: respond-async, ${shape.inFlight} requests in flight; one in ten CAMPAIGN, the rest NOTIFICATION), ` +
      `from the first POST to the sandbox's charge for the last message (polled every ${k.pollMs} ms); ${k.rounds} rounds each, the order reversed every other round; ` +
      `dispatch concurrency ${k.dispatch.concurrency} a process (one unit kept for OTPs). ${((performance.now() - began) / 1000).toFixed(0)} s, load average ${loadAtStart.toFixed(2)} at the start, ${loadavg()[0].toFixed(2)} at the end.`,
  );
  report.table(`throughput, ${shape.name}`, rows);
  for (const installation of installations) {
    const last = rounds.get(installation).at(-1);
    if (!last?.statements?.length) continue;
    const total = last.statements.reduce((sum, st) => sum + st.totalMs, 0);
    report.table(
      `${installation.label}, ${shape.name}, its last round: the statements that took the PostgreSQL server the most time (pg_stat_statements; ms/msg: the statement's execution time per message sent)`,
      last.statements.map((st) => ({
        case: st.query,
        calls: st.calls,
        'calls/msg': st.calls / shape.count,
        'mean ms': st.meanMs,
        'ms/msg': st.totalMs / shape.count,
        'planning ms/msg': st.planMs / shape.count,
        share: `${((st.totalMs / total) * 100).toFixed(1)} %`,
      })),
    );
  }
  const one = installations.find((i) => i.workers === 1);
  if (one) {
    const ratios = ratioOf(one);
    report.target({
      label: `(2) ${shape.name}: PostgreSQL with one worker ÷ embedded (msg/s, median of per-round ratios)`,
      figure: `${median(ratios).toFixed(2)} (rounds ${range(ratios)})`,
      bound: '≥ 0.5',
      met: median(ratios) >= 0.5,
    });
  }
}
