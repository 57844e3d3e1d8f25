// Delivery reports and webhooks, through Rota and bare, side by side in one run.
// Run: pnpm bench:reports
//
//   (a) reports: the ledger's ReportCollector reading FigenSoft statuses from the sandbox
//       (a child process) and writing them to a SQLite ledger, against a bare undici Pool
//       making the same Status calls (500 ids each, each account's one after another, the
//       two accounts at once) to the same sandbox. Rota's side collects 100,000 messages
//       over the timed rounds, in collector rounds of its default size (5,000), and each
//       collector round's Status calls are counted against the batched minimum (per
//       account, ⌈claimed / 500⌉): more is a failed check;
//   (b) webhooks: the ledger's WebhookSender delivering its outbox through @rota/webhook's
//       WebhookClient to a receiver (a child process answering 204), against a bare undici
//       Pool posting the same signed bodies to it, as many in flight.
//
// Targets (issue 13): each whole case at least 0.7 of its bare side (median of the
// per-round ratios); the "alone" rows say where the rest went and have none.
// A failed check (a count that does not add up) exits 1; a missed target is a figure.
//
// Knobs: BENCH_ROUNDS (10), BENCH_REPORTS_PER_ROUND (10,000), BENCH_EVENTS_PER_ROUND (2,000),
// BENCH_ONLY=reports|webhooks, BENCH_PIN=0 (no pinning), BENCH_SANDBOX_CPU.
import 'reflect-metadata';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRouter } from '@rota/core';
import { createFigenSoftProvider } from '@rota/figensoft';
import { ReportCollector, WebhookSender } from '@rota/ledger';
import { signWebhook, WebhookClient } from '@rota/webhook';
import { Pool } from 'undici';
import { paired, printTable, timed } from '../lib/measure.js';
import { placement, rerunPinned } from '../lib/pin-cores.js';
import { BENCH_ACCOUNTS, startSandboxProcess } from '../lib/sandbox-process.js';
import { benchNumbers, openBenchStore, recordAccepted } from './ledger-seed.js';
import { startReceiverProcess } from './receiver-process.js';

rerunPinned(fileURLToPath(import.meta.url));

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);
const REPORTS_PER_ROUND = Number(process.env.BENCH_REPORTS_PER_ROUND ?? 10_000);
const EVENTS_PER_ROUND = Number(process.env.BENCH_EVENTS_PER_ROUND ?? 2_000);
const ONLY = process.env.BENCH_ONLY;
/** What each side must reach, as a share of the bare client's rate. */
const TARGET = 0.7;
/** FigenSoft's Status batch: the provider's statusBatchSize, which the collector reads in. */
const STATUS_BATCH = 500;
/** Deliveries in flight: gateway.webhooks.concurrency's default, on both sides. */
const WEBHOOK_CONCURRENCY = 16;
/** Connections per receiver origin: WebhookClient's default, on both sides. */
const WEBHOOK_CONNECTIONS = 8;
const WEBHOOK_SECRET = 'whsec-bench-0123456789abcdef0123456789';

const dir = mkdtempSync(join(tmpdir(), 'rota-bench-reports-'));
const rows = [];
const checks = [];
const check = (name, ok, detail) => checks.push({ case: name, result: ok ? 'ok' : 'FAILED', detail });
const row = (label, { a, b, medianRatio, lowestRatio, highestRatio, medianCpuRatio }, target = true) => ({
  case: label,
  'bare /s': a.perSecond,
  'rota /s': b.perSecond,
  'best / best': (b.perSecond / a.perSecond).toFixed(2),
  'median round ratio': medianRatio.toFixed(2),
  range: `${lowestRatio.toFixed(2)}–${highestRatio.toFixed(2)}`,
  'CPU µs bare / rota': `${a.cpuMicrosEach.toFixed(1)} / ${b.cpuMicrosEach.toFixed(1)}`,
  'CPU ratio (median)': medianCpuRatio.toFixed(2),
  [`target ≥ ${TARGET}`]: !target ? '—' : medianRatio >= TARGET ? 'met' : 'MISSED',
});

try {
  if (ONLY !== 'webhooks') {
    const { whole, readsAlone } = await reportsCase();
    rows.push(row(`(a) reports read and written (/s), ${REPORTS_PER_ROUND} a round`, whole));
    rows.push(row('    of which the reads alone: router → FigenSoft client', readsAlone, false));
  }
  if (ONLY !== 'reports') {
    const { whole, clientAlone } = await webhooksCase();
    rows.push(row(`(b) webhooks delivered (/s), ${WEBHOOK_CONCURRENCY} in flight`, whole));
    rows.push(row('    of which the posts alone: WebhookClient, signed', clientAlone, false));
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(`node ${process.version}; far ends in child processes; ${placement()}; ${ROUNDS} alternating rounds per case; ledger: SQLite file (synchronous=normal)`);
if (rows.length > 0) printTable('Delivery reports and webhooks: Rota vs. bare undici, same far end, same run', rows);
printTable('checks', checks);
if (checks.some((c) => c.result !== 'ok')) process.exitCode = 1;

/**
 * (a) Each round, REPORTS_PER_ROUND messages the sandbox accepted (half per account,
 * reported final at once: delivered, or for CAMPAIGN numbers without IYS consent,
 * rejected) are recorded as accepted and due; rota's side is one collector round over
 * them: claim, Status reads, reports, timeline steps and message.delivered/rejected
 * webhooks written. The bare side reads the previous round's ids the same way, and
 * parses the answers.
 */
async function reportsCase() {
  const sandbox = await startSandboxProcess({ extraArgs: ['--delivery-delay-ms', '0'] });
  const store = await openBenchStore(join(dir, 'reports.db'));
  const provider = createFigenSoftProvider({
    accounts: BENCH_ACCOUNTS.map((a) => ({ username: a.username, password: a.password, smsIysMessageType: a.iysType, senderList: a.senders, customApiActive: true, customApiUrl: sandbox.url })),
  });
  const router = createRouter({ providers: [{ provider, rank: 3 }] });
  // Each collector round's claims per account, and the Status calls it made: checked against the batched minimum.
  const claimed = new Map();
  let statusCalls = 0;
  const claimReportsDue = store.claimReportsDue.bind(store);
  store.claimReportsDue = async (options) => {
    const due = await claimReportsDue(options);
    for (const item of due) claimed.set(item.accountId, (claimed.get(item.accountId) ?? 0) + 1);
    return due;
  };
  const counted = {
    status: () => router.status(),
    deliveryStatus: (query) => {
      statusCalls++;
      return router.deliveryStatus(query);
    },
  };
  const calls = { made: 0, minimum: 0, rounds: 0, roundsOverMinimum: 0 };
  // readsPerSecond at the configuration's maximum (1,000): the default 5 is a courtesy to FigenSoft, not a cost of
  // Rota's. roundSize left at its default (5,000).
  const collector = new ReportCollector({ store, router: counted, readsPerSecond: 1_000, pollMs: 3_600_000 });
  collector.start();
  const origin = new URL(sandbox.url);
  const pool = new Pool(origin.origin, { connections: 8 });
  const path = (name) => `${origin.pathname}/v1/Sms/${name}`;
  const post = async (name, body) => {
    const { statusCode, body: answer } = await pool.request({ method: 'POST', path: path(name), headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify(body) });
    const json = await answer.json();
    if (statusCode !== 200 || json.StatusCode !== 200) throw new Error(`${name}: HTTP ${statusCode}, StatusCode ${json.StatusCode}`);
    return json.Result;
  };

  let next = 0;
  /** Provider message ids of the last seeded round, per account: what the bare side reads. */
  let lastIds;
  const seed = async () => {
    const sends = [];
    const ids = [];
    for (const [index, account] of BENCH_ACCOUNTS.entries()) {
      const numbers = benchNumbers(next, REPORTS_PER_ROUND / 2);
      next += REPORTS_PER_ROUND / 2;
      const accepted = [];
      for (let from = 0; from < numbers.wire.length; from += 800) {
        const result = await post('Send_1_N', { Username: account.username, Password: account.password, Message: 'Kargonuz yola çıktı', Receivers: numbers.wire.slice(from, from + 800), Originator: 'ROTA' });
        accepted.push(...result.map((entry) => entry.MessageId));
      }
      ids.push(accepted);
      const accountId = index === 0 ? 'figensoft-notification' : 'figensoft-campaign';
      for (const [i, providerMessageId] of accepted.entries()) sends.push({ to: numbers.e164[i], iysType: account.iysType, accountId, providerMessageId });
    }
    await recordAccepted(store, sends, { callbackUrl: 'https://hooks.example.com/rota', firstReportAfterMs: 0 });
    lastIds = ids;
  };
  const rota = async () => {
    await seed();
    const figures = await timed(REPORTS_PER_ROUND, async () => {
      let looked = 0;
      while (looked < REPORTS_PER_ROUND) {
        claimed.clear();
        statusCalls = 0;
        const once = await collector.round();
        if (once === 0) throw new Error(`rota: the collector found nothing due after ${looked} of ${REPORTS_PER_ROUND}`);
        looked += once;
        const minimum = [...claimed.values()].reduce((sum, n) => sum + Math.ceil(n / STATUS_BATCH), 0);
        calls.made += statusCalls;
        calls.minimum += minimum;
        calls.rounds++;
        if (statusCalls > minimum) calls.roundsOverMinimum++;
      }
      if (looked !== REPORTS_PER_ROUND) throw new Error(`rota: the collector looked at ${looked} of ${REPORTS_PER_ROUND}`);
    });
    // Every report was final: nothing is due again (an untimed round that must find nothing).
    const again = await collector.round();
    if (again !== 0) throw new Error(`rota: ${again} messages still due after the round`);
    return figures;
  };
  const bare = () =>
    timed(REPORTS_PER_ROUND, () =>
      Promise.all(
        BENCH_ACCOUNTS.map(async (account, index) => {
          const ids = lastIds[index];
          for (let from = 0; from < ids.length; from += STATUS_BATCH) {
            const batch = ids.slice(from, from + STATUS_BATCH);
            const result = await post('Status', { Username: account.username, Password: account.password, MessageIds: batch });
            if (result.length !== batch.length || result.some((entry) => entry.IsFinalStatus !== '1')) throw new Error('bare: a Status answer was not final for every id');
          }
        }),
      ),
    );

  // Rota's reading without the ledger: the same batches through the router and the FigenSoft
  // client, reports mapped; what stays between this and the whole round is the ledger's work.
  const readsAlone = () =>
    timed(REPORTS_PER_ROUND, () =>
      Promise.all(
        BENCH_ACCOUNTS.map(async (_account, index) => {
          const ids = lastIds[index];
          const accountId = index === 0 ? 'figensoft-notification' : 'figensoft-campaign';
          for (let from = 0; from < ids.length; from += STATUS_BATCH) {
            const batch = ids.slice(from, from + STATUS_BATCH);
            const reports = await router.deliveryStatus({ providerId: 'figensoft', accountId, providerMessageIds: batch });
            if (reports.length !== batch.length || reports.some((report) => !report.final)) throw new Error('rota reads: a report was not final');
          }
        }),
      ),
    );

  try {
    await rota(); // warm-up (JIT, connections); also seeds what the first bare round reads
    await bare();
    await readsAlone();
    Object.assign(calls, { made: 0, minimum: 0, rounds: 0, roundsOverMinimum: 0 });
    const whole = await paired(ROUNDS, bare, rota);
    check(
      '(a) Status calls at most the batched minimum in every collector round',
      calls.roundsOverMinimum === 0,
      `${(ROUNDS * REPORTS_PER_ROUND).toLocaleString('en-US')} messages collected in ${calls.rounds} collector rounds: ${calls.made} Status calls, minimum ${calls.minimum}`,
    );
    return { whole, readsAlone: await paired(ROUNDS, bare, readsAlone) };
  } finally {
    await collector.stop();
    await router.close();
    await provider.close();
    await pool.close();
    await store.close();
    await sandbox.stop();
  }
}

/**
 * (b) Each round, EVENTS_PER_ROUND accepted messages with a callback URL put their
 * message.accepted events in the outbox; rota's side drains it with WebhookSender
 * rounds (claim, sign, deliver, settle each). The bare side posts the same number of
 * real event bodies, each signed, WEBHOOK_CONCURRENCY at a time.
 */
async function webhooksCase() {
  const receiver = await startReceiverProcess();
  const store = await openBenchStore(join(dir, 'webhooks.db'));
  const client = new WebhookClient({ allowHttp: true, allowedAddresses: ['127.0.0.1'], connections: WEBHOOK_CONNECTIONS });
  const callbackUrl = `${receiver.url}/rota`;
  let delivered = 0;
  const sender = new WebhookSender({
    store,
    deliver: (url, body, headers) => client.deliver(url, body, headers),
    sign: (_owner, body) => signWebhook(body, WEBHOOK_SECRET),
    concurrency: WEBHOOK_CONCURRENCY,
    // One receiver here: let it have every slot, as the bare side's 16 in flight do (the default, 4, shields other receivers).
    perEndpoint: WEBHOOK_CONCURRENCY,
    pollMs: 3_600_000,
    // As the gateway's metrics observe every delivery; here it checks that each one landed.
    observer: { delivery: ({ outcome }) => (outcome === 'delivered' ? delivered++ : undefined) },
  });
  sender.start();
  const pool = new Pool(receiver.url, { connections: WEBHOOK_CONNECTIONS });

  let next = 0;
  const seed = async () => {
    const numbers = benchNumbers(next, EVENTS_PER_ROUND);
    const sends = numbers.e164.map((to, i) => ({ to, iysType: 'NOTIFICATION', accountId: 'figensoft-notification', providerMessageId: `SBX_bench_${next + i}` }));
    next += EVENTS_PER_ROUND;
    await recordAccepted(store, sends, { callbackUrl, firstReportAfterMs: 3_600_000 });
  };
  const drain = async () => {
    let sent = 0;
    while (sent < EVENTS_PER_ROUND) {
      const claimed = await sender.round();
      if (claimed === 0) throw new Error(`rota: the outbox ran dry after ${sent} of ${EVENTS_PER_ROUND} events`);
      sent += claimed;
    }
  };
  const rota = async () => {
    await seed();
    const before = delivered;
    const figures = await timed(EVENTS_PER_ROUND, drain);
    if (delivered - before !== EVENTS_PER_ROUND) throw new Error(`rota: ${delivered - before} of ${EVENTS_PER_ROUND} events delivered`);
    return figures;
  };

  // Real bodies for the bare side: one round's events as the sender hands them to the client.
  await seed();
  const bodies = [];
  const capturing = new WebhookSender({
    store,
    deliver: (url, body, headers) => {
      bodies.push({ body, type: headers['rota-event-type'], id: headers['rota-event-id'] });
      return client.deliver(url, body, headers);
    },
    sign: (_owner, body) => signWebhook(body, WEBHOOK_SECRET),
    concurrency: WEBHOOK_CONCURRENCY,
    pollMs: 3_600_000,
  });
  capturing.start();
  while ((await capturing.round()) > 0);
  await capturing.stop();

  const bare = async () => {
    let i = 0;
    const worker = async () => {
      while (i < EVENTS_PER_ROUND) {
        const event = bodies[i++ % bodies.length];
        const t = Math.floor(Date.now() / 1000);
        const signature = `t=${t},v1=${createHmac('sha256', WEBHOOK_SECRET).update(`${t}.${event.body}`).digest('hex')}`;
        const { statusCode, body } = await pool.request({
          method: 'POST',
          path: '/rota',
          headers: { 'content-type': 'application/json', 'user-agent': 'bench', 'rota-signature': signature, 'rota-event-id': event.id, 'rota-event-type': event.type },
          body: event.body,
        });
        await body.dump();
        if (statusCode !== 204) throw new Error(`bare: the receiver answered ${statusCode}`);
      }
    };
    return timed(EVENTS_PER_ROUND, () => Promise.all(Array.from({ length: WEBHOOK_CONCURRENCY }, worker)));
  };

  // Rota's posting without the outbox: the same bodies, signed, through WebhookClient, as many in flight.
  const clientAlone = async () => {
    let i = 0;
    const worker = async () => {
      while (i < EVENTS_PER_ROUND) {
        const event = bodies[i++ % bodies.length];
        const attempt = await client.deliver(callbackUrl, event.body, { 'rota-signature': signWebhook(event.body, WEBHOOK_SECRET), 'rota-event-id': event.id, 'rota-event-type': event.type });
        if (!attempt.ok) throw new Error(`rota client: ${attempt.error}`);
      }
    };
    return timed(EVENTS_PER_ROUND, () => Promise.all(Array.from({ length: WEBHOOK_CONCURRENCY }, worker)));
  };

  try {
    await rota(); // warm-up
    await bare();
    await clientAlone();
    const result = { whole: await paired(ROUNDS, bare, rota), clientAlone: await paired(ROUNDS, bare, clientAlone) };
    // Every delivery of every side reached the receiver: warm-ups, the captured round, and both pairings.
    const expected = EVENTS_PER_ROUND * (4 * ROUNDS + 4);
    const received = await receiver.received();
    check('(b) every delivery reached the receiver', received === expected, `${received} answered, ${expected} sent`);
    return result;
  } finally {
    await sender.stop();
    await pool.close();
    await client.close();
    await store.close();
    await receiver.stop();
  }
}
