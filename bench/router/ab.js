// Two builds of rota's router — another checkout (A) and this one (B) — in one
// process, in alternating rounds, over the same instant fake providers as run.js:
// for a change worth a few percent, which separate runs of run.js cannot tell.
// The style of bench/figensoft/ab.js (read its header for the caveats of sharing
// one V8 heap).
//
//   git worktree add --detach /tmp/rota-base <base commit> && cd /tmp/rota-base \
//     && npx -y pnpm@10.34.8 install --frozen-lockfile && npx -y pnpm@10.34.8 exec turbo run build
//   BENCH_BASE=/tmp/rota-base npx -y pnpm@10.34.8 bench:router:ab
//
// Each side uses its own build's API: createRouter from its @rota/core, and the
// ProviderError its router recognises — from @rota/core in builds before the provider
// seam moved to @rota/provider, from @rota/provider after. The messages carry no
// idempotencyKey, so a build whose router still had an idempotency cache only looks
// the key up and finds none.
//
// Knobs: BENCH_ROUNDS (20), BENCH_COUNT (20,000 sends a round), BENCH_ONLY=accept|failover, BENCH_PIN=0.
import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as coreB from '@rota/core';
import * as providerB from '@rota/provider';
import { concurrent, paired, printTable } from '../lib/measure.js';
import { rerunPinned } from '../lib/pin-cores.js';
import { benchRouter, messageAt } from './instant-provider.js';

const BASE = process.env.BENCH_BASE;
if (!BASE) {
  console.error('BENCH_BASE must name another built checkout of rota (see the comment at the top of bench/router/ab.js)');
  process.exit(2);
}
// The far end is in this process: pinning keeps the run on one core, away from the machine's other work on the other.
rerunPinned(fileURLToPath(import.meta.url));

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 20);
const COUNT = Number(process.env.BENCH_COUNT ?? 20_000);
const ONLY = process.env.BENCH_ONLY;

const load = (pkg) => import(pathToFileURL(join(BASE, 'packages', pkg, 'dist', 'index.js')).href);
const coreA = await load('core');
/** Where a build's ProviderError lives: its core (before the split) or its provider package. */
const providerErrorOf = async (core, providerPath) => core.ProviderError ?? (existsSync(providerPath) ? (await import(pathToFileURL(providerPath).href)).ProviderError : undefined);
const ErrorA = await providerErrorOf(coreA, join(BASE, 'packages', 'provider', 'dist', 'index.js'));
const ErrorB = coreB.ProviderError ?? providerB.ProviderError;
if (!ErrorA || !ErrorB) throw new Error('could not find ProviderError in one of the builds');

const side = (core, ProviderError, failover) => {
  const router = benchRouter(core.createRouter, ProviderError, failover);
  // Every result is checked: a benchmark that measures failures is worthless.
  const once = async (i) => {
    const r = await router.send(messageAt(i));
    if (r.status !== 'accepted') throw new Error(`router: ${r.status} ${r.reason ?? ''}`);
  };
  return { router, once };
};

const rows = [];
for (const [scenario, failover] of [['accept', false], ['failover', true]]) {
  if (ONLY && ONLY !== scenario) continue;
  const A = side(coreA, ErrorA, failover);
  const B = side(coreB, ErrorB, failover);
  for (const [mode, inFlight] of [['sequential', 1], ['1,000 in flight', 1_000]]) {
    const run = (s) => concurrent(COUNT, inFlight, s.once);
    for (let warm = 0; warm < 3; warm++) {
      await run(A);
      await run(B);
    }
    const { a, b, medianRatio, lowestRatio, highestRatio, medianCpuRatio } = await paired(ROUNDS, () => run(A), () => run(B));
    rows.push({
      case: `${scenario === 'accept' ? 'rank 1 accepts' : 'failover (rank 1 provider-unavailable)'}, ${mode}`,
      'A µs/msg, fastest round': a.microsEach,
      'B µs/msg, fastest round': b.microsEach,
      'CPU ratio A/B (median)': medianCpuRatio.toFixed(3),
      'rate ratio B/A (median, range)': `${medianRatio.toFixed(3)} (${lowestRatio.toFixed(2)}–${highestRatio.toFixed(2)})`,
    });
  }
  await A.router.close();
  await B.router.close();
}
console.log(`node ${process.version}; A = ${BASE}, B = this checkout; ${process.env.BENCH_PINNED === '1' ? 'pinned to core 0' : 'not pinned'}; ${ROUNDS} alternating rounds of ${COUNT.toLocaleString('en-US')} sends per case; above 1: B is cheaper / faster`);
printTable('Router: two builds side by side, same fake providers, same process', rows);
