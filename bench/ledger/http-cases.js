// Cases (a) and (b) of bench/ledger: the gateway over HTTP, side by side with a
// yardstick in the same process layout, in alternating rounds (measure.js `paired`).
//
//   (a) asynchronous accept: the gateway's POST /v1/messages with Prefer: respond-async
//       (202 once the record is durable in SQLite) against the bare relay's same route
//       with the same header (fastify's JSON parse, 202 with a random id);
//   (b) the synchronous path (no Prefer) of the gateway on its SQLite store against the
//       same build on the memory store: what recording in a file costs.
import { setTimeout as sleep } from 'node:timers/promises';
import { messageBodies } from '../lib/bench-messages.js';
import { acceptedAnswer, clientPool, httpRound, queuedAnswer } from '../lib/http-rounds.js';
import { paired } from '../lib/measure.js';
import { sandboxAdmin } from '../lib/sandbox-admin.js';
import { startSandboxProcess } from '../lib/sandbox-process.js';
import { startBareProcess } from '../load/bare-process.js';
import { describeStore, startGatewayProcess, storeConfig } from '../load/gateway-process.js';

/** Waits until the sandbox has charged `count` credits since `creditBefore` (polling every 20 ms); throws after `timeoutMs`. */
export async function chargedAtLeast(admin, creditBefore, count, { username, timeoutMs = 300_000, everyMs = 20 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const charged = creditBefore - (await admin.creditLeft(username));
    if (charged >= count) return charged;
    if (Date.now() > deadline) throw new Error(`the sandbox charged ${charged} of ${count} within ${timeoutMs} ms`);
    await sleep(everyMs);
  }
}

const logErrors = (errors) => (entry) => {
  if (entry.level >= 50 && errors.length < 5) errors.push(entry.msg);
};

/** (a) */
export async function acceptCase(k, report) {
  const sandbox = await startSandboxProcess();
  const admin = sandboxAdmin(sandbox.adminUrl);
  const errors = [];
  const store = storeConfig('sqlite', k.synchronous);
  const gateway = await startGatewayProcess({ sandboxUrl: sandbox.url, connections: k.connections, logLevel: k.logLevel, store, onLog: logErrors(errors) });
  const bare = await startBareProcess({ sandboxUrl: sandbox.url, connections: k.connections });
  const gatewayPool = clientPool(gateway.url, k.acceptInFlight);
  const barePool = clientPool(bare.url, k.acceptInFlight);
  const headers = { authorization: `Bearer ${gateway.apiKey}`, 'content-type': 'application/json', prefer: 'respond-async' };
  const nextMessage = messageBodies({ idempotencyKeys: k.idempotencyKeys, block: 3 });
  const creditAtStart = await admin.creditLeft();
  let queued = 0;
  try {
    const bareRound = (count) => httpRound({ server: bare, pool: barePool, headers, count, inFlight: k.acceptInFlight, bodyAt: nextMessage, check: queuedAnswer });
    // The gateway's dispatcher sends what was queued while the round runs and after it; the
    // round's rate is the accept rate with that going on. The rest is sent before the next
    // round (not timed), so neither side's round is slowed by an earlier round's sending.
    const gatewayRound = async (count) => {
      const cpuBefore = await gateway.cpuMicros();
      const round = await httpRound({ server: gateway, pool: gatewayPool, headers, count, inFlight: k.acceptInFlight, bodyAt: nextMessage, check: queuedAnswer });
      queued += count;
      const drainStarted = performance.now();
      await chargedAtLeast(admin, creditAtStart, queued);
      const drainMs = performance.now() - drainStarted;
      return { ...round, drainMs, cpuWithDrainMicrosEach: ((await gateway.cpuMicros()) - cpuBefore) / count };
    };
    await bareRound(k.warmup);
    await gatewayRound(k.warmup);
    const result = await paired(k.acceptRounds, () => bareRound(k.acceptCount), () => gatewayRound(k.acceptCount));
    const { eventLoop } = await gateway.stats();
    report.section(
      `(a) Asynchronous accept: POST /v1/messages with Prefer: respond-async, ${k.acceptInFlight} in flight, ${k.acceptRounds} alternating rounds of ` +
        `${k.acceptCount.toLocaleString('en-US')} messages a side. Gateway on its ${describeStore(store)} (202 once the record is committed); ` +
        'bare relay: the same JSON parse, 202 with a random id. The gateway\'s dispatcher sends during its rounds; what is left is sent before the next round (not timed).',
    );
    report.table('best round of each side', [
      {
        case: 'bare relay (parse, 202)',
        'accepted/s': result.a.perSecond,
        'server CPU µs/msg': result.a.cpuMicrosEach,
        'client CPU µs/msg': result.a.clientCpuMicrosEach,
        'server CPU µs/msg with the drain': '',
        'drain after the round ms': '',
      },
      {
        case: 'gateway (record, 202; dispatch runs)',
        'accepted/s': result.b.perSecond,
        'server CPU µs/msg': result.b.cpuMicrosEach,
        'client CPU µs/msg': result.b.clientCpuMicrosEach,
        'server CPU µs/msg with the drain': result.b.cpuWithDrainMicrosEach,
        'drain after the round ms': result.b.drainMs,
      },
    ]);
    report.line(`gateway event-loop delay over the case: mean ${eventLoop.meanMs} ms, p99 ${eventLoop.p99Ms} ms, max ${eventLoop.maxMs} ms`);
    report.ratio('(a) async accept: gateway / bare relay (rate, median of rounds)', result, 0.5);
    report.check('(a) every gateway message accepted by the sandbox exactly once', (await admin.creditLeft()) === creditAtStart - queued, `${queued} queued, ${creditAtStart - (await admin.creditLeft())} charged`);
  } finally {
    await gatewayPool.close();
    await barePool.close();
    await bare.stop();
    const code = await gateway.stop();
    report.check('(a) the gateway exited cleanly and logged no error', code === 0 && errors.length === 0, `exit ${code}${errors.length ? `; ${errors.join(' | ')}` : ''}`);
    await admin.close();
    await sandbox.stop();
  }
}

/** (b) */
export async function memoryCase(k, report) {
  const sandbox = await startSandboxProcess();
  const admin = sandboxAdmin(sandbox.adminUrl);
  const errors = [];
  const sqliteStore = storeConfig('sqlite', k.synchronous);
  const onSqlite = await startGatewayProcess({ sandboxUrl: sandbox.url, connections: k.connections, logLevel: k.logLevel, store: sqliteStore, onLog: logErrors(errors) });
  // The memory store warns once at start that it keeps nothing: expected here, so only errors count.
  const inMemory = await startGatewayProcess({ sandboxUrl: sandbox.url, connections: k.connections, logLevel: k.logLevel, store: storeConfig('memory'), onLog: logErrors(errors) });
  const sqlitePool = clientPool(onSqlite.url, k.syncInFlight);
  const memoryPool = clientPool(inMemory.url, k.syncInFlight);
  const headers = { authorization: `Bearer ${onSqlite.apiKey}`, 'content-type': 'application/json' };
  const nextMessage = messageBodies({ idempotencyKeys: k.idempotencyKeys, block: 4 });
  const creditAtStart = await admin.creditLeft();
  let sent = 0;
  try {
    const round = (server, pool) => (count) => {
      sent += count;
      return httpRound({ server, pool, headers, count, inFlight: k.syncInFlight, bodyAt: nextMessage, check: acceptedAnswer });
    };
    await round(inMemory, memoryPool)(k.warmup);
    await round(onSqlite, sqlitePool)(k.warmup);
    const result = await paired(k.syncRounds, () => round(inMemory, memoryPool)(k.syncCount), () => round(onSqlite, sqlitePool)(k.syncCount));
    report.section(
      `(b) The synchronous path (POST /v1/messages, no Prefer: recorded, sent, finished, answered), ${k.syncInFlight} in flight, ${k.syncRounds} alternating rounds of ` +
        `${k.syncCount.toLocaleString('en-US')} messages a side: one build, two gateway processes, the ${describeStore(sqliteStore)} against the memory store.`,
    );
    report.table('best round of each side', [
      { case: 'gateway, memory store', 'msg/s': result.a.perSecond, 'server CPU µs/msg': result.a.cpuMicrosEach },
      { case: 'gateway, SQLite store', 'msg/s': result.b.perSecond, 'server CPU µs/msg': result.b.cpuMicrosEach },
    ]);
    report.ratio('(b) synchronous path: SQLite store / memory store (rate, median of rounds)', result, 0.85);
    report.check('(b) every message accepted, and charged once by the sandbox', creditAtStart - (await admin.creditLeft()) === sent, `${sent} sent, ${creditAtStart - (await admin.creditLeft())} charged`);
  } finally {
    await sqlitePool.close();
    await memoryPool.close();
    const codes = [await onSqlite.stop(), await inMemory.stop()];
    report.check('(b) both gateways exited cleanly and logged no error', codes.every((c) => c === 0) && errors.length === 0, `exit ${codes.join(', ')}${errors.length ? `; ${errors.join(' | ')}` : ''}`);
    await admin.close();
    await sandbox.stop();
  }
}
