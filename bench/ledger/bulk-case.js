// Case (c) of bench/ledger: one large bulk, from the API call to the last message
// the sandbox accepted, against router.sendBulk of the same numbers straight to
// the same sandbox, in alternating rounds.
//
// Gateway side (its own process, SQLite store): POST /v1/bulk {text, iysType, recipients}
// → 202 {bulkId} once every recipient's record is committed → the dispatcher claims
// them 800 at a time and sends each claim as one Send_1_N. The round ends when the
// sandbox has charged every recipient (its campaign account's credit, polled every
// BULK_POLL_MS); GET /v1/bulk/:id is then polled until every record is final, which is
// reported beside it, not counted in the rate.
// Router side (this process): createRouter over a FigenSoft provider with the same
// account and connections; router.sendBulk resolves when the last answer is in.
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import * as core from '@rota/core';
import * as figensoft from '@rota/figensoft';
import { openLedgerStore } from '@rota/ledger';
import { validateBulkMessage } from '@rota/provider';
import { e164Numbers } from '../lib/bench-messages.js';
import { clientPool } from '../lib/http-rounds.js';
import { paired } from '../lib/measure.js';
import { sandboxAdmin } from '../lib/sandbox-admin.js';
import { BENCH_ACCOUNTS, startSandboxProcess } from '../lib/sandbox-process.js';
import { describeStore, startGatewayProcess, storeConfig } from '../load/gateway-process.js';

const CAMPAIGN = BENCH_ACCOUNTS.find((a) => a.iysType === 'CAMPAIGN');
export const BULK_TEXT = 'Kampanya: bu hafta tüm ürünlerde %20 indirim';
const FINAL = ['accepted', 'rejected', 'failed', 'unknown'];

/** Posts a bulk to the gateway; resolves to its bulkId once the gateway has answered 202. */
export async function postBulk(pool, apiKey, body) {
  const response = await pool.request({ method: 'POST', path: '/v1/bulk', headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' }, body });
  const text = await response.body.text();
  if (response.statusCode !== 202) throw new Error(`POST /v1/bulk: ${response.statusCode} ${text.slice(0, 300)}`);
  return JSON.parse(text).bulkId;
}

/** GET /v1/bulk/:id → { byState, count } */
export async function bulkProgress(pool, apiKey, bulkId) {
  const response = await pool.request({ method: 'GET', path: `/v1/bulk/${bulkId}`, headers: { authorization: `Bearer ${apiKey}` } });
  const text = await response.body.text();
  if (response.statusCode !== 200) throw new Error(`GET /v1/bulk/${bulkId}: ${response.statusCode} ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

export const bulkBody = (recipients, iysType = 'CAMPAIGN', text = BULK_TEXT) => JSON.stringify({ text, iysType, recipients });

export async function bulkCase(k, report) {
  const n = k.bulkRecipients;
  const sandbox = await startSandboxProcess();
  const admin = sandboxAdmin(sandbox.adminUrl);
  const errors = [];
  const store = storeConfig('sqlite', k.synchronous);
  const gateway = await startGatewayProcess({
    sandboxUrl: sandbox.url,
    connections: k.connections,
    logLevel: k.logLevel,
    store,
    gateway: { maxBulkRecipients: n },
    onLog: (entry) => {
      if (entry.level >= 50 && errors.length < 5) errors.push(entry.msg);
    },
  });
  const pool = clientPool(gateway.url, 2);
  const provider = figensoft.createFigenSoftProvider({
    connections: k.connections,
    accounts: [{ username: CAMPAIGN.username, password: CAMPAIGN.password, smsIysMessageType: 'CAMPAIGN', senderList: CAMPAIGN.senders, customApiActive: true, customApiUrl: sandbox.url }],
  });
  const router = core.createRouter({ providers: [{ provider, rank: 3 }] });
  let nextNumber = 0;
  // Each round its own numbers, made (and, for the gateway, written as the request body) before it is timed.
  const numbers = () => {
    const list = e164Numbers(n, nextNumber, 5);
    nextNumber += n;
    return list;
  };
  const phases = [];

  const gatewayRound = async () => {
    const body = bulkBody(numbers());
    const creditBefore = await admin.creditLeft(CAMPAIGN.username);
    await gateway.resetEventLoop();
    const cpu0 = await gateway.cpuMicros();
    const t0 = performance.now();
    const bulkId = await postBulk(pool, gateway.apiKey, body);
    const t202 = performance.now();
    const cpu202 = await gateway.cpuMicros();
    for (;;) {
      if (creditBefore - (await admin.creditLeft(CAMPAIGN.username)) >= n) break;
      await sleep(k.bulkPollMs);
    }
    const tLast = performance.now();
    const cpuLast = await gateway.cpuMicros();
    let progress;
    for (;;) {
      progress = await bulkProgress(pool, gateway.apiKey, bulkId);
      if (FINAL.reduce((sum, state) => sum + (progress.byState[state] ?? 0), 0) >= n) break;
      await sleep(100);
    }
    const tFinal = performance.now();
    const cpuFinal = await gateway.cpuMicros();
    const { eventLoop } = await gateway.stats();
    if (progress.byState.accepted !== n) throw new Error(`gateway bulk: ${JSON.stringify(progress.byState)}`);
    phases.push({
      case: `gateway round ${phases.length + 1}`,
      'to the 202 (recording) ms': t202 - t0,
      '202 → last Send_1_N (dispatch) ms': tLast - t202,
      'last Send_1_N → all final ms': tFinal - tLast,
      'gateway CPU ms: recording / dispatch / finishing': `${((cpu202 - cpu0) / 1000).toFixed(0)} / ${((cpuLast - cpu202) / 1000).toFixed(0)} / ${((cpuFinal - cpuLast) / 1000).toFixed(0)}`,
      'event-loop max ms': eventLoop.maxMs,
    });
    return { perSecond: (n / (tLast - t0)) * 1000, microsEach: ((tLast - t0) * 1000) / n, cpuMicrosEach: (cpuLast - cpu0) / n, ms: tLast - t0, finalMs: tFinal - t0 };
  };

  const routerRound = async () => {
    const to = numbers();
    const creditBefore = await admin.creditLeft(CAMPAIGN.username);
    const cpu = process.cpuUsage();
    const t0 = performance.now();
    const results = await router.sendBulk({ to, text: BULK_TEXT, iysType: 'CAMPAIGN', sender: CAMPAIGN.senders[0] });
    const ms = performance.now() - t0;
    const used = process.cpuUsage(cpu);
    if (results.some((r) => r.status !== 'accepted')) throw new Error('router.sendBulk: not all accepted');
    const charged = creditBefore - (await admin.creditLeft(CAMPAIGN.username));
    if (charged !== n) throw new Error(`router.sendBulk: the sandbox charged ${charged} of ${n}`);
    return { perSecond: (n / ms) * 1000, microsEach: (ms * 1000) / n, cpuMicrosEach: (used.user + used.system) / n, ms };
  };

  try {
    // Warm-up: a tenth of a bulk each way (JIT, connections, the store's first pages).
    const warm = Math.max(1_000, Math.round(n / 10));
    const creditWarm = await admin.creditLeft(CAMPAIGN.username);
    const warmBulk = await postBulk(pool, gateway.apiKey, bulkBody(e164Numbers(warm, 0, 6)));
    await router.sendBulk({ to: e164Numbers(warm, warm, 6), text: BULK_TEXT, iysType: 'CAMPAIGN', sender: CAMPAIGN.senders[0] });
    while (creditWarm - (await admin.creditLeft(CAMPAIGN.username)) < 2 * warm) await sleep(50);
    while ((await bulkProgress(pool, gateway.apiKey, warmBulk)).byState.accepted !== warm) await sleep(100);

    const result = await paired(k.bulkRounds, routerRound, gatewayRound);
    report.section(
      `(c) A ${n.toLocaleString('en-US')}-recipient CAMPAIGN bulk, ${k.bulkRounds} alternating rounds a side: the gateway (${describeStore(store)}, dispatch concurrency 4, ` +
        `claims of 800) from POST /v1/bulk to the sandbox's charge for the last recipient (polled every ${k.bulkPollMs} ms), against router.sendBulk of the same numbers ` +
        `in this process (FigenSoft, ${k.connections} connections) until it resolves.`,
    );
    report.table('best round of each side', [
      { case: 'router.sendBulk, straight to the sandbox', 'recipients/s': result.a.perSecond, 'ms': result.a.ms, 'CPU µs/recipient (its process)': result.a.cpuMicrosEach },
      { case: 'gateway: POST /v1/bulk → last Send_1_N', 'recipients/s': result.b.perSecond, 'ms': result.b.ms, 'CPU µs/recipient (its process)': result.b.cpuMicrosEach, 'ms to all final': result.b.finalMs },
    ]);
    report.table('where the gateway\'s time went, each round', phases);
    report.ratio(`(c) ${n.toLocaleString('en-US')}-recipient bulk: gateway / router.sendBulk (rate, median of rounds)`, result, 0.6);
    if (k.bulkPartsUnits > 0) await dispatchParts(k, router, report);
  } finally {
    await router.close();
    await provider.close();
    await pool.close();
    const code = await gateway.stop();
    report.check('(c) the gateway exited cleanly and logged no error', code === 0 && errors.length === 0, `exit ${code}${errors.length ? `; ${errors.join(' | ')}` : ''}`);
    await admin.close();
    await sandbox.stop();
  }
}

/**
 * The gateway's dispatch of a bulk taken apart, in this process, through the ledger
 * API on a SQLite store of its own (temporary folder, deleted after): recordBulk of
 * the whole bulk, then BULK_PARTS_UNITS units of 800 one after the other, each as the
 * dispatcher makes it — claimDue, markDispatching (the router's beforeAttempt),
 * router.sendBulkChecked to the sandbox, finishMany — each part timed on its own.
 * Not the gateway's schedule (it runs three bulk units at once), but the same calls:
 * what each costs per recipient, and how long each holds the event loop.
 */
async function dispatchParts(k, router, report) {
  const folder = mkdtempSync(join(tmpdir(), 'rota-bench-ledger-parts-'));
  const store = await openLedgerStore({ kind: 'sqlite', path: join(folder, 'rota.db'), synchronous: k.synchronous }, { hashKey: randomBytes(32) });
  try {
    const validation = validateBulkMessage({ to: ['+905300000000'], text: BULK_TEXT, iysType: 'CAMPAIGN', sender: CAMPAIGN.senders[0] });
    if (!validation.ok) throw new Error('invalid bench bulk');
    const { to: _to, ...template } = validation.bulk;
    const recipients = e164Numbers(k.bulkRecipients, 0, 9);
    const parts = { claimDue: [], markDispatching: [], 'router.sendBulkChecked': [], finishMany: [] };
    const timed = async (name, work) => {
      const started = performance.now();
      const value = await work();
      parts[name].push(performance.now() - started);
      return value;
    };
    const recordStarted = performance.now();
    await store.recordBulk({ template, owner: 'bench' }, recipients);
    const recordMs = performance.now() - recordStarted;
    const units = Math.min(k.bulkPartsUnits, Math.floor(k.bulkRecipients / 800));
    for (let unit = 0; unit < units; unit++) {
      const records = await timed('claimDue', () => store.claimDue({ now: new Date(), limit: 800 }));
      const ids = records.map((r) => r.id);
      await timed('markDispatching', () => store.markDispatching(ids, { providerId: 'figensoft', accountId: CAMPAIGN.username }));
      const results = await timed('router.sendBulkChecked', () => router.sendBulkChecked({ ...template, to: records.map((r) => r.to) }));
      if (results.some((r) => r.status !== 'accepted')) throw new Error('dispatch parts: not all accepted');
      await timed('finishMany', () => store.finishMany(results.map((result, i) => ({ id: ids[i], result }))));
    }
    const mean = (list) => list.reduce((a, b) => a + b, 0) / list.length;
    const rows = [{ case: `recordBulk of ${k.bulkRecipients.toLocaleString('en-US')} (once; blocks the event loop throughout)`, 'ms a call': recordMs, 'µs per recipient': (recordMs * 1000) / k.bulkRecipients, 'max ms': '' }];
    for (const [name, list] of Object.entries(parts)) {
      rows.push({ case: `${name}, a unit of 800 (mean of ${units})`, 'ms a call': mean(list), 'µs per recipient': (mean(list) * 1000) / 800, 'max ms': Math.max(...list) });
    }
    report.table('(c) the dispatch taken apart: the same ledger and router calls in this process, one unit at a time (SQLite answers synchronously: a store call\'s time is time the event loop is held)', rows);
  } finally {
    await store.close();
    rmSync(folder, { recursive: true, force: true });
  }
}
