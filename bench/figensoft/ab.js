// Two builds of rota's FigenSoft path — another checkout (A) and this one (B) — in one
// process, against one sandbox, in alternating rounds. For a change worth a few
// percent: separate runs of bench/figensoft differ by more than that on this VM
// (its CPU ratio has read 0.74 and 0.80 for the same build minutes apart), while
// two copies of one build compared here agree within about 1 %.
//
//   git worktree add --detach /tmp/rota-base <base commit> && cd /tmp/rota-base \
//     && npx -y pnpm@10.34.8 install --frozen-lockfile && npx -y pnpm@10.34.8 exec turbo run build
//   BENCH_BASE=/tmp/rota-base npx -y pnpm@10.34.8 bench:figensoft:ab
//
// Knobs: BENCH_ONLY=single|bulk, BENCH_ROUNDS (default 30), BENCH_PIN=0.
//
// Caveat: the two builds share one V8 heap, and can disturb each other. A build reading
// answers with JSON.parse against one that built the same objects by hand read 1.2-1.7
// with BENCH_ONLY=bulk and 0.99-1.01 with single sends run first; the JSON.parse build
// alone (run.js) showed no such slowdown. Run both cases, and check a surprising figure
// with run.js.
import 'reflect-metadata';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as coreB from '@rota/core';
import * as figensoftB from '@rota/figensoft';
import { startSandboxProcess } from '../lib/sandbox-process.js';
import { paired, printTable } from '../lib/measure.js';
import { placement, rerunPinned } from '../lib/pin-cores.js';
import { BULK, benchNumbers, inChunks, rotaBulks, rotaSide, rotaSingles } from './rota-side.js';

const BASE = process.env.BENCH_BASE;
if (!BASE) {
  console.error('BENCH_BASE must name another built checkout of rota (see the comment at the top of bench/figensoft/ab.js)');
  process.exit(2);
}
rerunPinned(fileURLToPath(import.meta.url));

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 30);
const ONLY = process.env.BENCH_ONLY;
const SINGLES = 3_000;
const BULKS = 250;

const load = (pkg) => import(pathToFileURL(join(BASE, 'packages', pkg, 'dist', 'index.js')).href);
const [coreA, figensoftA] = await Promise.all([load('core'), load('figensoft')]);

const sandbox = await startSandboxProcess();
const A = rotaSide(coreA, figensoftA, sandbox.url);
const B = rotaSide(coreB, figensoftB, sandbox.url);

// Inputs made once and shared by both sides (see benchNumbers).
const singleNumbers = benchNumbers(SINGLES).e164;
const bulkLists = inChunks(benchNumbers(BULKS * BULK).e164, BULK);
const singles = (side) => rotaSingles(side, singleNumbers, SINGLES, 16);
const bulks = (side) => rotaBulks(side, bulkLists, BULKS);

const cases = [
  ['single sends, 16 in flight (CPU µs/message)', singles, 1],
  ['bulk, 800 receivers/request (CPU µs/recipient)', bulks, BULK],
].filter(([label]) => !ONLY || label.startsWith(ONLY));
const rows = [];
for (const [label, run, per] of cases) {
  for (let warm = 0; warm < 3; warm++) {
    await run(A);
    await run(B);
  }
  const { a, b, medianRatio, lowestRatio, highestRatio, medianCpuRatio } = await paired(ROUNDS, () => run(A), () => run(B));
  rows.push({
    case: label,
    // Each side's CPU in its fastest round, for scale; compare by the medians of the per-round ratios.
    'A CPU, fastest round': (a.cpuMicrosEach / per).toFixed(per > 1 ? 3 : 1),
    'B CPU, fastest round': (b.cpuMicrosEach / per).toFixed(per > 1 ? 3 : 1),
    'CPU ratio A/B (median)': medianCpuRatio.toFixed(3),
    'rate ratio B/A (median, range)': `${medianRatio.toFixed(3)} (${lowestRatio.toFixed(2)}–${highestRatio.toFixed(2)})`,
  });
}
console.log(`node ${process.version}; A = ${BASE}, B = this checkout; ${placement()}; ${ROUNDS} alternating rounds per case; above 1: B is cheaper / faster`);
printTable('FigenSoft path: two builds side by side, same sandbox, same process', rows);

await A.close();
await B.close();
await sandbox.stop();
