// What bench/ledger prints: each case's tables as it ends, then every target
// beside its figure (met / NOT met) and every check (a failed check is a run
// whose figures cannot be trusted: the script exits 1).
import { printTable } from '../lib/measure.js';

/** Two decimals, or three below 0.1, where two would round a ratio of 0.014 to 0.01. */
const ratioText = (x) => x.toFixed(x < 0.1 ? 3 : 2);

export function createReport() {
  const targets = [];
  const checks = [];
  const target = (row) => {
    targets.push(row);
    printTable('target', [row]);
  };
  return {
    section: (text) => console.log(`\n${text}`),
    line: (text) => console.log(text),
    table: (title, rows) => printTable(title, rows),
    /** A `paired` result read as a rate ratio b / a against a lower bound. */
    ratio(label, { medianRatio, lowestRatio, highestRatio, medianCpuRatio }, bound) {
      target({
        case: label,
        figure: `${ratioText(medianRatio)} (rounds ${ratioText(lowestRatio)}–${ratioText(highestRatio)}; server CPU ratio ${ratioText(medianCpuRatio)})`,
        target: `≥ ${bound}`,
        verdict: medianRatio >= bound ? 'met' : 'NOT met',
      });
    },
    /** Any other target: `met` decided by the case. */
    target: ({ label, figure, bound, met }) => target({ case: label, figure, target: bound, verdict: met ? 'met' : 'NOT met' }),
    check: (name, ok, detail) => checks.push({ case: name, result: ok ? 'ok' : 'FAILED', detail }),
    /** Prints the targets and checks; true when every check passed. */
    summary() {
      if (targets.length > 0) printTable('targets', targets);
      if (checks.length > 0) printTable('checks', checks);
      return checks.every((c) => c.result === 'ok');
    },
  };
}
