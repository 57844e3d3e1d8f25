// On this 2-core machine the client under test and its far end (the sandbox)
// otherwise trade cores, and the client's own garbage-collector threads slow the
// far end down — which in production is another machine. With Linux `taskset`,
// a benchmark re-runs itself on core 0 and its sandbox goes to core 1.
// BENCH_PIN=0 turns this off (and it is off where taskset or a second core is missing).
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';

/** Re-runs `scriptPath` pinned to core 0 and exits with its status; returns only when not pinning. */
export function rerunPinned(scriptPath) {
  if (process.env.BENCH_PIN === '0' || process.env.BENCH_PINNED === '1') return;
  if (availableParallelism() < 2 || spawnSync('taskset', ['-V']).status !== 0) return;
  const { status } = spawnSync('taskset', ['-c', '0', process.execPath, ...process.execArgv, scriptPath, ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, BENCH_PINNED: '1', BENCH_SANDBOX_CPU: process.env.BENCH_SANDBOX_CPU ?? '1' },
  });
  process.exit(status ?? 1);
}

/** How this run is placed, for the report's header. */
export function placement() {
  return process.env.BENCH_PINNED === '1' ? `client on core 0, sandbox on core ${process.env.BENCH_SANDBOX_CPU}` : 'not pinned (BENCH_PIN=0 or no taskset)';
}
