// Small helpers shared by the benchmark scripts: timing loops and a side-by-side table.
import { performance } from 'node:perf_hooks';

/** Runs `once` `count` times one after another; returns messages/s and µs per message. */
export async function sequential(count, once) {
  const started = performance.now();
  for (let i = 0; i < count; i++) await once(i);
  return figures(count, performance.now() - started);
}

/**
 * Keeps `inFlight` calls of `once` running until `count` have finished. Also
 * returns this process's CPU time per call, which other processes on the machine
 * disturb far less than the rate.
 */
export async function concurrent(count, inFlight, once) {
  let next = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  const worker = async () => {
    while (next < count) await once(next++);
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, count) }, worker));
  const elapsedMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { ...figures(count, elapsedMs), cpuMicrosEach: (used.user + used.system) / count };
}

function figures(count, elapsedMs) {
  return { perSecond: (count / elapsedMs) * 1000, microsEach: (elapsedMs * 1000) / count };
}

/** Runs a scenario several times and keeps the best run: the least disturbed by the rest of the machine. */
export async function best(runs, scenario) {
  let top;
  for (let i = 0; i < runs; i++) {
    const result = await scenario();
    if (!top || result.perSecond > top.perSecond) top = result;
  }
  return top;
}

export function printTable(title, rows) {
  console.log(`\n${title}`);
  const header = ['case', ...Object.keys(rows[0]).filter((k) => k !== 'case')];
  const lines = [header, ...rows.map((r) => header.map((h) => format(r[h])))];
  const widths = header.map((_, i) => Math.max(...lines.map((l) => String(l[i]).length)));
  for (const line of lines) console.log(line.map((cell, i) => String(cell).padEnd(widths[i])).join('  '));
}

function format(value) {
  if (typeof value !== 'number') return value ?? '';
  if (value >= 1000) return Math.round(value).toLocaleString('en-US');
  return value.toFixed(2);
}

/**
 * Two scenarios measured in alternating short rounds (a b, b a, a b, …), so
 * both see the same machine: on a shared VM the speed drifts by tens of percent
 * over seconds, and measuring one side for a while and then the other turns that
 * drift into a difference between them. Returns each side's best round, the
 * median and range of the per-round rate ratios b / a (each round's two halves
 * ran back to back), and the median of the per-round CPU ratios a / b (CPU per
 * call: above 1, like the rate ratio, means b is cheaper).
 */
export async function paired(rounds, a, b) {
  const ratios = [];
  const cpuRatios = [];
  let bestA;
  let bestB;
  for (let round = 0; round < rounds; round++) {
    const [first, second] = round % 2 === 0 ? [a, b] : [b, a];
    const one = await first();
    const two = await second();
    const [ra, rb] = round % 2 === 0 ? [one, two] : [two, one];
    ratios.push(rb.perSecond / ra.perSecond);
    if (ra.cpuMicrosEach !== undefined) cpuRatios.push(ra.cpuMicrosEach / rb.cpuMicrosEach);
    if (!bestA || ra.perSecond > bestA.perSecond) bestA = ra;
    if (!bestB || rb.perSecond > bestB.perSecond) bestB = rb;
  }
  return {
    a: bestA,
    b: bestB,
    medianRatio: median(ratios),
    lowestRatio: Math.min(...ratios),
    highestRatio: Math.max(...ratios),
    medianCpuRatio: median(cpuRatios),
  };
}

function median(values) {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((x, y) => x - y);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** The nearest-rank `p`th percentile (0–100) of ascending `sorted`; undefined when it is empty. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/**
 * Times one `run` that handles `count` items (a collector round, a drained
 * outbox): the same figures as `concurrent`, CPU time of this process included.
 */
export async function timed(count, run) {
  const cpu = process.cpuUsage();
  const started = performance.now();
  await run();
  const elapsedMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { ...figures(count, elapsedMs), cpuMicrosEach: (used.user + used.system) / count };
}
