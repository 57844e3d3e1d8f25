// FigenSoft throughput: the router + FigenSoft client against the sandbox over
// loopback, side by side with a bare undici Pool sending identical requests to
// the same sandbox (the limit of this machine). Run: pnpm bench:figensoft
import 'reflect-metadata';
import { fileURLToPath } from 'node:url';
import { createRouter } from '@rota/core';
import { createFigenSoftProvider } from '@rota/figensoft';
import { Pool } from 'undici';
import { BENCH_ACCOUNTS, startSandboxProcess } from '../lib/sandbox-process.js';
import { concurrent, paired, printTable } from '../lib/measure.js';
import { placement, rerunPinned } from '../lib/pin-cores.js';

rerunPinned(fileURLToPath(import.meta.url));

const SINGLE_PER_ROUND = Number(process.env.BENCH_SINGLE_PER_ROUND ?? 3_000);
const BULK_PER_ROUND = Number(process.env.BENCH_BULK_PER_ROUND ?? 250);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
const ONLY = process.env.BENCH_ONLY; // 'single' or 'bulk': one kind of case
const BULK = 800;
const BULK_IN_FLIGHT = 4;

const sandbox = await startSandboxProcess();
const [notify] = BENCH_ACCOUNTS;
const numberAt = (i) => `90532${String(i % 10_000_000).padStart(7, '0')}`;
const TEXT = 'Doğrulama kodunuz: 482913';

const connections = 64;
const figensoft = createFigenSoftProvider({
  connections,
  accounts: [
    { username: notify.username, password: notify.password, smsIysMessageType: 'NOTIFICATION', senderList: ['ROTA'], customApiActive: true, customApiUrl: sandbox.url },
  ],
});
const router = createRouter({ providers: [{ provider: figensoft, rank: 3 }] });

// The bare client: the same pool settings and the same request bodies, nothing else.
const origin = new URL(sandbox.url);
const pool = new Pool(origin.origin, { connections, pipelining: 1 });
const sendPath = `${origin.pathname}/v1/Sms/Send_1_N`;
async function bareSend(receivers) {
  const { statusCode, body } = await pool.request({
    method: 'POST',
    path: sendPath,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify({ Username: notify.username, Password: notify.password, Message: TEXT, Receivers: receivers, Originator: 'ROTA' }),
  });
  const answer = await body.json();
  if (statusCode !== 200 || answer.StatusCode !== 200 || answer.Result.length !== receivers.length) throw new Error(`bare: ${statusCode} ${answer.StatusCode}`);
}

// The numbers are made once, before the warm-up, as a caller holds them: the
// bare client gets wire numbers (905321234567), rota E.164 (+905321234567)
// parsed from JSON, as the gateway receives them. Every round reuses them.
// - Made inside the timed loop, a '+' prefix turned every number into a V8 cons
//   string, and flattening those cost rota ~0.3 µs a number JSON input never pays.
// - Made fresh before each round, a bulk round's 200,000 numbers filled the young
//   generation, so every scavenge copied them: garbage collection then cost each
//   side in proportion to what it allocated, several times over.
let next = 0;
function numbers(count) {
  const wire = Array.from({ length: count }, () => numberAt(next++));
  return { wire, e164: JSON.parse(JSON.stringify(wire.map((n) => `+${n}`))) };
}
const inChunks = (list, size) => Array.from({ length: Math.ceil(list.length / size) }, (_, i) => list.slice(i * size, (i + 1) * size));
const singleNumbers = numbers(Math.max(SINGLE_PER_ROUND, 2_000));
const bulkNumbers = numbers(Math.max(BULK_PER_ROUND, 32) * BULK);
const bulkLists = { bare: inChunks(bulkNumbers.wire, BULK), rota: inChunks(bulkNumbers.e164, BULK) };

function singles(count, inFlight, side) {
  const { wire, e164 } = singleNumbers;
  if (side === 'bare') return concurrent(count, inFlight, (i) => bareSend([wire[i]]));
  return concurrent(count, inFlight, async (i) => {
    const r = await router.send({ to: e164[i], text: TEXT, iysType: 'NOTIFICATION', sender: 'ROTA' });
    if (r.status !== 'accepted') throw new Error(`rota: ${r.status} ${r.reason ?? ''}`);
  });
}
// The same shape on both sides: 4 sends of 800 numbers in flight, each one request.
function bulks(requests, side) {
  const lists = bulkLists[side];
  if (side === 'bare') return concurrent(requests, BULK_IN_FLIGHT, (i) => bareSend(lists[i]));
  return concurrent(requests, BULK_IN_FLIGHT, async (i) => {
    const results = await router.sendBulk({ to: lists[i], text: TEXT, iysType: 'NOTIFICATION', sender: 'ROTA' });
    if (results.some((r) => r.status !== 'accepted')) throw new Error('rota bulk: not all accepted');
  });
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

console.log(`node ${process.version}; sandbox in a child process at ${sandbox.url}; ${placement()}; ${connections} connections; ${ROUNDS} alternating rounds per case`);
printTable('FigenSoft: router + client vs. bare undici Pool, same sandbox, same run', rows);

await router.close();
await figensoft.close?.();
await pool.close();
await sandbox.stop();
