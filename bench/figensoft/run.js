// FigenSoft throughput: the router + FigenSoft client against the sandbox over
// loopback, side by side with a bare undici Pool sending identical requests to
// the same sandbox (the limit of this machine). Run: pnpm bench:figensoft
import 'reflect-metadata';
import { fileURLToPath } from 'node:url';
import * as core from '@rota/core';
import * as figensoft from '@rota/figensoft';
import { Pool } from 'undici';
import { startSandboxProcess } from '../lib/sandbox-process.js';
import { concurrent, paired, printTable } from '../lib/measure.js';
import { placement, rerunPinned } from '../lib/pin-cores.js';
import { BULK, BULK_IN_FLIGHT, benchNumbers, CONNECTIONS, inChunks, NOTIFY_ACCOUNT, rotaBulks, rotaSide, rotaSingles, TEXT } from './rota-side.js';

rerunPinned(fileURLToPath(import.meta.url));

const SINGLE_PER_ROUND = Number(process.env.BENCH_SINGLE_PER_ROUND ?? 3_000);
const BULK_PER_ROUND = Number(process.env.BENCH_BULK_PER_ROUND ?? 250);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
const ONLY = process.env.BENCH_ONLY; // 'single' or 'bulk': one kind of case

const sandbox = await startSandboxProcess();
const rota = rotaSide(core, figensoft, sandbox.url);

// The bare client: the same pool settings and the same request bodies, nothing else.
const origin = new URL(sandbox.url);
const pool = new Pool(origin.origin, { connections: CONNECTIONS, pipelining: 1 });
const sendPath = `${origin.pathname}/v1/Sms/Send_1_N`;
async function bareSend(receivers) {
  const { statusCode, body } = await pool.request({
    method: 'POST',
    path: sendPath,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify({ Username: NOTIFY_ACCOUNT.username, Password: NOTIFY_ACCOUNT.password, Message: TEXT, Receivers: receivers, Originator: 'ROTA' }),
  });
  const answer = await body.json();
  if (statusCode !== 200 || answer.StatusCode !== 200 || answer.Result.length !== receivers.length) throw new Error(`bare: ${statusCode} ${answer.StatusCode}`);
}

// The same numbers for both sides, each in its form (see benchNumbers).
const singleNumbers = benchNumbers(Math.max(SINGLE_PER_ROUND, 2_000));
const bulkNumbers = benchNumbers(Math.max(BULK_PER_ROUND, 32) * BULK);
const bulkLists = { bare: inChunks(bulkNumbers.wire, BULK), rota: inChunks(bulkNumbers.e164, BULK) };

function singles(count, inFlight, side) {
  if (side === 'bare') return concurrent(count, inFlight, (i) => bareSend([singleNumbers.wire[i]]));
  return rotaSingles(rota, singleNumbers.e164, count, inFlight);
}
// The same shape on both sides: 4 sends of 800 numbers in flight, each one request.
function bulks(requests, side) {
  if (side === 'bare') return concurrent(requests, BULK_IN_FLIGHT, (i) => bareSend(bulkLists.bare[i]));
  return rotaBulks(rota, bulkLists.rota, requests);
}

// Warm up both paths (JIT, connections).
await singles(2_000, 16, 'rota');
await singles(2_000, 16, 'bare');
await bulks(32, 'rota');
await bulks(32, 'bare');

// Each case alternates short rounds of bare and rota (see `paired`): the VM's speed
// drifts by tens of percent within seconds, and both sides must see the same drift.
const rows = [];
const row = (label, unit, { a, b, medianRatio, lowestRatio, highestRatio, medianCpuRatio }) => ({
  case: label,
  'bare /s': a.perSecond * (unit === 'recipients' ? BULK : 1),
  'rota /s': b.perSecond * (unit === 'recipients' ? BULK : 1),
  'best / best': (b.perSecond / a.perSecond).toFixed(2),
  'median round ratio': medianRatio.toFixed(2),
  'range': `${lowestRatio.toFixed(2)}–${highestRatio.toFixed(2)}`,
  // This process's CPU per message (or per recipient), median rounds: bare / rota.
  'CPU µs bare / rota': `${(a.cpuMicrosEach / (unit === 'recipients' ? BULK : 1)).toFixed(unit === 'recipients' ? 3 : 1)} / ${(b.cpuMicrosEach / (unit === 'recipients' ? BULK : 1)).toFixed(unit === 'recipients' ? 3 : 1)}`,
  'CPU ratio (median)': medianCpuRatio.toFixed(2),
});
for (const inFlight of ONLY === 'bulk' ? [] : [1, 16, 64]) {
  const count = inFlight === 1 ? Math.ceil(SINGLE_PER_ROUND / 3) : SINGLE_PER_ROUND;
  const result = await paired(ROUNDS, () => singles(count, inFlight, 'bare'), () => singles(count, inFlight, 'rota'));
  rows.push(row(`single sends (msg/s), ${inFlight} in flight`, 'messages', result));
}
// Bulk: 800 receivers a request, 4 requests in flight on both sides.
if (ONLY !== 'single') {
  const bulk = await paired(ROUNDS, () => bulks(BULK_PER_ROUND, 'bare'), () => bulks(BULK_PER_ROUND, 'rota'));
  rows.push(row(`bulk (recipients/s), ${BULK} receivers/request`, 'recipients', bulk));
}

console.log(`node ${process.version}; sandbox in a child process at ${sandbox.url}; ${placement()}; ${CONNECTIONS} connections; ${ROUNDS} alternating rounds per case`);
printTable('FigenSoft: router + client vs. bare undici Pool, same sandbox, same run', rows);

await rota.close();
await pool.close();
await sandbox.stop();
