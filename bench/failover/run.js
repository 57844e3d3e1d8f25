// Failover under faults: a steady stream of messages through the router while
// ranks 1 and 2 (scripted fakes) go down and come back and the FigenSoft
// sandbox (rank 3, a child process, real HTTP) hangs, resets, refuses the
// login, runs out of credit, and is killed and restarted. Every result is
// reconciled with what the providers recorded. Run: pnpm bench:failover
//
// Environment: BENCH_RATE (messages/s), BENCH_PHASE_MS, BENCH_RESET_TIMEOUT_MS,
// BENCH_ONLY (comma-separated scenario ids). Exits 1 when a promise breaks;
// timing targets missed are listed (they depend on the machine's load).
import { loadavg } from 'node:os';
import { createFakeProvider } from '@rota/testkit';
import { BENCH_PROFILE, runScenario, watchProcess } from './harness.js';
import { scenarios } from './scenarios.js';
import { startChildFarEnd } from './far-end-child.js';
import { brokenPromises, missedTimings, printScenario, printSummary, processMisses } from './report.js';

const profile = {
  ...BENCH_PROFILE,
  ...(process.env.BENCH_RATE ? { ratePerSecond: Number(process.env.BENCH_RATE) } : {}),
  ...(process.env.BENCH_PHASE_MS ? { phaseMs: Number(process.env.BENCH_PHASE_MS) } : {}),
  ...(process.env.BENCH_RESET_TIMEOUT_MS ? { resetTimeoutMs: Number(process.env.BENCH_RESET_TIMEOUT_MS) } : {}),
};
const only = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',')) : undefined;
const selected = scenarios(profile).filter((s) => !only || only.has(s.id));

const watch = watchProcess();
const farEnd = await startChildFarEnd({ deliveryDelayMs: profile.deliveryDelayMs });
console.log(
  `node ${process.version}; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}; sandbox in a child process at ${farEnd.url}\n` +
    `stream ${profile.ratePerSecond} msg/s (every ${profile.batchEvery}th send a batch of ${profile.batchSize}); phase ${profile.phaseMs} ms; ` +
    `router defaults except breaker.resetTimeoutMs ${profile.resetTimeoutMs}; FigenSoft client defaults (request timeout 10 s, 16 connections); ` +
    `fakes answer after ${profile.fakeLatencyMs} ms; a send without a result after ${profile.sendDeadlineMs} ms counts as lost`,
);

const reports = [];
try {
  for (const scenario of selected) {
    const report = await runScenario(scenario, { farEnd, profile, createFakeProvider });
    reports.push(report);
    printScenario(report);
  }
} finally {
  await farEnd.close();
  watch.stop();
}
printSummary(reports);
const broken = [...reports.flatMap((r) => brokenPromises(r)), ...processMisses(watch.counts)];
const late = reports.flatMap((r) => missedTimings(r));
console.log(`\nload average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log(late.length === 0 ? 'Timing targets: all met.' : `Timing targets missed:\n- ${late.join('\n- ')}`);
if (broken.length === 0) {
  console.log('Promises: all held (no message lost, no duplicate under stop, every result matches the records, no consent refusal routed on).');
} else {
  console.log(`Promises BROKEN:\n- ${broken.join('\n- ')}`);
  process.exitCode = 1;
}
