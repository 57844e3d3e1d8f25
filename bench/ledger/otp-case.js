// Case (d) of bench/ledger: how long an OTP waits in the queue while a large
// CAMPAIGN backlog is being sent, against the same OTP stream with no backlog,
// one gateway (SQLite store) in its own process. The method (otpWaitPairs) is
// also bench/scale's, there against gateways and workers on PostgreSQL.
//
// With a backlog, the CAMPAIGN bulks (OTP_BACKLOG recipients, in bulks of at most
// 100,000) are recorded first (their 202s awaited); then OTP_COUNT OTPs go at
// OTP_RATE a second, open loop, each POST /v1/messages with Prefer: respond-async.
// An OTP's wait runs from its 202 (this process's clock) to the time the sandbox
// accepted it (its record's acceptedAt: the sandbox's clock, whole milliseconds;
// one machine, one clock). The backlog must outlast the stream: what was left of
// it when the last OTP was answered is printed, and checked.
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { e164Numbers } from '../lib/bench-messages.js';
import { clientPool } from '../lib/http-rounds.js';
import { percentile } from '../lib/measure.js';
import { sandboxAdmin } from '../lib/sandbox-admin.js';
import { BENCH_ACCOUNTS, startSandboxProcess } from '../lib/sandbox-process.js';
import { describeStore, startGatewayProcess, storeConfig } from '../load/gateway-process.js';
import { chargedAtLeast } from './http-cases.js';
import { bulkBody, postBulk } from './bulk-case.js';

const NOTIFY = BENCH_ACCOUNTS.find((a) => a.iysType === 'NOTIFICATION');
const CAMPAIGN = BENCH_ACCOUNTS.find((a) => a.iysType === 'CAMPAIGN');
const MAX_BULK = 100_000;
/** An OTP wait p99 without a backlog above this is already a queue. */
const SLOW_BASELINE_MS = 1_000;
const wallClock = () => performance.timeOrigin + performance.now();
/** No final report written for this long: the collector has read what was due (first reads come 15 s after acceptance). */
const QUIET_MS = 20_000;

export async function otpCase(k, report) {
  const sandbox = await startSandboxProcess();
  const admin = sandboxAdmin(sandbox.adminUrl);
  const errors = [];
  const store = storeConfig('sqlite', k.synchronous);
  const gateway = await startGatewayProcess({
    sandboxUrl: sandbox.url,
    connections: k.connections,
    logLevel: k.logLevel,
    store,
    onLog: (entry) => {
      if (entry.level >= 50 && errors.length < 5) errors.push(entry.msg);
    },
  });
  try {
    await otpWaitPairs(k, report, {
      tag: '(d)',
      setup: `gateway on its ${describeStore(store)}, dispatch concurrency 4 (one unit kept for OTPs)`,
      url: gateway.url,
      apiKey: gateway.apiKey,
      admin,
      settle: () => reportsCollected(gateway.url),
      eventLoop: {
        column: 'gateway event-loop delay p99 / max ms',
        reset: () => gateway.resetEventLoop(),
        read: async () => {
          const { eventLoop } = await gateway.stats();
          return `${eventLoop.p99Ms} / ${eventLoop.maxMs}`;
        },
      },
    });
  } finally {
    const code = await gateway.stop();
    report.check('(d) the gateway exited cleanly and logged no error', code === 0 && errors.length === 0, `exit ${code}${errors.length ? `; ${errors.join(' | ')}` : ''}`);
    await admin.close();
    await sandbox.stop();
  }
}

/**
 * Waits until the gateway's report collector has had nothing to write for
 * QUIET_MS: its first reads come 15 s after acceptance, so by then every
 * message accepted before the wait has had its first read (most are final
 * then; the sandbox leaves a few percent undecided, read again 1 and 5
 * minutes later, and those re-reads, invisible to this counter until final,
 * may still come during the next stream). Without it, a stream "without a backlog" after a backlog ran while
 * the collector read the backlog's 200,000 reports, and waited as long as the
 * stream with one. Returns the seconds it waited.
 */
async function reportsCollected(url) {
  const began = performance.now();
  let last = -1;
  let changedAt = began;
  for (;;) {
    const response = await request(`${url}/metrics`);
    const text = await response.body.text();
    // An error page would read as a steady 0: quiet at once, having read nothing.
    if (response.statusCode !== 200 || !text.includes('# TYPE rota_delivery_reports_total counter')) throw new Error(`/metrics: ${response.statusCode}, no rota_delivery_reports_total`);
    let reported = 0;
    for (const match of text.matchAll(/^rota_delivery_reports_total\{[^}]*\} (\d+)$/gm)) reported += Number(match[1]);
    const now = performance.now();
    if (reported !== last) [last, changedAt] = [reported, now];
    if (now - changedAt >= QUIET_MS) return (now - began) / 1_000;
    if (now - began > 900_000) throw new Error(`delivery reports still coming after 15 minutes (${reported} final)`);
    await sleep(1_000);
  }
}

/**
 * The OTP wait, with the backlog and without, in k.otpPairs pairs (the order
 * alternated), against a running installation whose POST /v1/messages and
 * /v1/bulk are at `url`; `admin` is its sandbox's admin API. Prints the table
 * and the target (p99 with ≤ 2× p99 without, pooled over the pairs), labelled
 * with `tag`. `eventLoop` resets and reads the column of event-loop delays
 * (whichever processes matter) for each stream; `more`, if given, is called
 * before each stream (`more.before()`) and after it (`more.after(state)`, with
 * what before() returned) and adds the columns it returns. `settle`, if
 * given, is called before each stream and waits until what the streams
 * before it left behind (their delivery reports) is done; it returns the
 * seconds it waited.
 */
export async function otpWaitPairs(k, report, { tag, setup, url, apiKey, admin, eventLoop, more, settle }) {
  const pool = clientPool(url, 64);
  const headers = { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', prefer: 'respond-async' };
  let nextOtp = 0;
  let nextCampaign = 0;

  /** One OTP stream; returns the waits (ms) and what was left of the backlog when its last OTP was answered. */
  const otpStream = async (count, backlog) => {
    await admin.clearRecords(); // keeps the records read below to this stream's
    const creditBefore = await admin.creditLeft(NOTIFY.username);
    const answeredAt = new Map(); // wire number → ms since the epoch
    const numbers = e164Numbers(count, nextOtp, 7);
    nextOtp += count;
    const pending = [];
    await eventLoop.reset();
    const moreState = await more?.before();
    const began = performance.now();
    for (let issued = 0; issued < count; ) {
      const due = Math.min(count, Math.floor(((performance.now() - began) * k.otpRate) / 1_000) + 1);
      while (issued < due) {
        const to = numbers[issued];
        const code = String(100_000 + ((issued * 7919) % 900_000));
        issued += 1;
        pending.push(
          pool.request({ method: 'POST', path: '/v1/messages', headers, body: JSON.stringify({ to, text: `Doğrulama kodunuz: ${code}`, iysType: 'NOTIFICATION', otp: true }) }).then(async (response) => {
            const text = await response.body.text();
            const at = wallClock();
            if (response.statusCode !== 202 || !text.includes('"status":"queued"')) throw new Error(`OTP: ${response.statusCode} ${text.slice(0, 300)}`);
            answeredAt.set(to.slice(1), at);
          }),
        );
      }
      await sleep(2);
    }
    await Promise.all(pending);
    const loop = await eventLoop.read();
    const left = backlog ? backlog.total - (backlog.creditBefore - (await admin.creditLeft(CAMPAIGN.username))) : 0;
    await chargedAtLeast(admin, creditBefore, count, { username: NOTIFY.username });
    const waits = [];
    for (const record of await admin.records(NOTIFY.username)) {
      const at = answeredAt.get(record.receiver);
      if (at !== undefined) waits.push(record.acceptedAt - at);
    }
    if (waits.length !== count) throw new Error(`OTP stream: ${waits.length} of ${count} OTPs found in the sandbox's records`);
    return { waits: Float64Array.from(waits).sort(), left, loop, more: more ? await more.after(moreState) : {} };
  };

  /** Records the CAMPAIGN backlog (bulks of at most 100,000, their 202s awaited). */
  const recordBacklog = async () => {
    const creditBefore = await admin.creditLeft(CAMPAIGN.username);
    const t0 = performance.now();
    for (let left = k.otpBacklog; left > 0; left -= MAX_BULK) {
      const size = Math.min(MAX_BULK, left);
      await postBulk(pool, apiKey, bulkBody(e164Numbers(size, nextCampaign, 8)));
      nextCampaign += size;
    }
    return { total: k.otpBacklog, creditBefore, recordMs: performance.now() - t0 };
  };

  const rows = [];
  const byKind = { none: [], backlog: [] };
  try {
    // Warm-up: an OTP stream of a tenth, with no backlog.
    await otpStream(Math.max(20, Math.round(k.otpCount / 10)), undefined);
    for (let pair = 0; pair < k.otpPairs; pair++) {
      // Alternate the order, so neither kind always runs on the fresher store.
      for (const kind of pair % 2 === 0 ? ['none', 'backlog'] : ['backlog', 'none']) {
        // Each stream starts on a quiet installation: what the streams before it left (their reports) is done first.
        const settledIn = await settle?.();
        const backlog = kind === 'backlog' ? await recordBacklog() : undefined;
        const stream = await otpStream(k.otpCount, backlog);
        byKind[kind].push(...stream.waits);
        const at = (p) => percentile(stream.waits, p);
        rows.push({
          case: `pair ${pair + 1}: ${kind === 'none' ? 'no backlog' : `${k.otpBacklog.toLocaleString('en-US')} CAMPAIGN queued`}`,
          'p50 ms': at(50),
          'p90 ms': at(90),
          'p99 ms': at(99),
          'max ms': stream.waits[stream.waits.length - 1],
          [eventLoop.column]: stream.loop,
          ...stream.more,
          'backlog left at the last OTP': backlog ? stream.left : '',
          'backlog recorded in ms': backlog ? backlog.recordMs : '',
          ...(settle ? { 'waited first for reports, s': settledIn } : {}),
        });
        if (backlog) report.check(`${tag} pair ${pair + 1}: the backlog outlasted the OTP stream`, stream.left > 0, `${stream.left} CAMPAIGN records not yet sent when the last OTP was answered`);
        // The backlog is sent in full before the next stream.
        if (backlog) await chargedAtLeast(admin, backlog.creditBefore, backlog.total, { username: CAMPAIGN.username, everyMs: 200, timeoutMs: 900_000 });
      }
    }
    const pooled = (kind) => percentile(Float64Array.from(byKind[kind]).sort(), 99);
    const p99None = pooled('none');
    const p99Backlog = pooled('backlog');
    rows.push({ case: 'all pairs: no backlog', 'p99 ms': p99None }, { case: 'all pairs: with backlog', 'p99 ms': p99Backlog });
    report.section(
      `${tag} OTP queue wait, from the 202 to the sandbox's acceptedAt: ${k.otpCount} OTPs at ${k.otpRate}/s with Prefer: respond-async, with ${k.otpBacklog.toLocaleString('en-US')} ` +
        `CAMPAIGN recipients queued ahead (recorded first) and with none; ${k.otpPairs} pairs; ${setup}.`,
    );
    report.table('OTP wait (ms; whole-millisecond sandbox clock)', rows);
    const ratio = p99Backlog / Math.max(p99None, 1);
    // A ratio of two queues says nothing about the backlog: say so beside it.
    const caution = p99None > SLOW_BASELINE_MS ? `; CAUTION: over ${SLOW_BASELINE_MS} ms without a backlog` : '';
    report.target({ label: `${tag} OTP wait p99: with backlog / without (all pairs pooled)`, figure: `${ratio.toFixed(2)}× (${p99Backlog.toFixed(1)} ms / ${p99None.toFixed(1)} ms)${caution}`, bound: '≤ 2×', met: ratio <= 2 });
    if (caution) {
      report.line(
        `${tag} caution: without a backlog the OTPs already waited ${p99None.toFixed(0)} ms at p99 (over ${SLOW_BASELINE_MS} ms): the stream outran the installation (or the machine), ` +
          'so the ratio compares two queues, not what a backlog adds. Read the absolute figures.',
      );
    }
    return { p99None, p99Backlog, ratio, rows };
  } finally {
    await pool.close();
  }
}
