// One Rota installation under test, every process its own: either the embedded
// gateway (SQLite; one process records and sends), or gateways and workers on one
// PostgreSQL database of their own (`rota gateway` records and enqueues, each
// `rota worker` sends), in front of a FigenSoft sandbox. The gateways run
// bench/load/gateway-launcher.js (startGateway, as `rota gateway` does), the
// workers ./worker-launcher.js (startWorker, as `rota worker` does); each answers
// the bench over IPC (CPU time, event-loop delay: bench/lib/launcher-ipc.js).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { forkServer } from '../lib/server-process.js';
import { benchConfig, describeStore, startGatewayProcess, storeConfig } from '../load/gateway-process.js';

const WORKER_LAUNCHER = fileURLToPath(new URL('./worker-launcher.js', import.meta.url));

/** Every process on one database shares it (hashes, sealed OTP texts); ≥ 32 characters. */
export const BENCH_HASH_KEY = 'bench-scale-hash-key-0123456789abcdef';

/**
 * Starts an installation. `workers` 0: the embedded gateway on SQLite (`synchronous`);
 * more: `gateways` gateways and that many workers on `postgres` (openBenchPostgres),
 * in a database of its own (schema rota) dropped at stop(). `reports` and `dispatch` go into every
 * process's configuration.
 */
export async function startInstallation({ label, sandboxUrl, workers, gateways = 1, postgres, poolSize, synchronous = 'normal', connections, logLevel, dispatch, reports }) {
  const errors = [];
  const onLog = (entry) => {
    if (entry.level >= 50 && errors.length < 5) errors.push(entry.msg);
  };
  const database = workers > 0 ? await postgres.createDatabase('bench_scale') : undefined;
  const store = database ? { kind: 'postgres', url: database.url, schema: 'rota', hashKey: BENCH_HASH_KEY, poolSize } : storeConfig('sqlite', synchronous);
  const common = { sandboxUrl, connections, logLevel, store, dispatch, reports };
  const gatewayProcs = [];
  const workerProcs = [];
  const folders = [];
  const stopAll = async () => {
    const codes = await Promise.all([...gatewayProcs, ...workerProcs].map((p) => p.stop()));
    for (const folder of folders) rmSync(folder, { recursive: true, force: true });
    if (database) await postgres.dropDatabase(database.name);
    return codes;
  };
  try {
    // The first gateway migrates the schema; the others start on it.
    for (let i = 0; i < (workers > 0 ? gateways : 1); i++) gatewayProcs.push(await startGatewayProcess({ ...common, onLog }));
    if (workers > 0) {
      const folder = mkdtempSync(join(tmpdir(), 'rota-bench-worker-'));
      folders.push(folder);
      const configPath = join(folder, 'rota.json');
      writeFileSync(configPath, JSON.stringify(benchConfig(common)));
      const execArgv = (process.env.WORKER_EXEC_ARGV ?? '').split(' ').filter(Boolean);
      // One after another: each one's start (pg-boss's checks of its schema) alone.
      for (let i = 0; i < workers; i++) workerProcs.push(await forkServer({ launcher: WORKER_LAUNCHER, args: [configPath], execArgv, onLog }));
    }
  } catch (error) {
    await stopAll().catch(() => undefined);
    throw error;
  }
  const processes = [...gatewayProcs, ...workerProcs];
  const sum = (list) => list.reduce((a, b) => a + b, 0);
  return {
    label,
    workers,
    database: database?.name,
    store,
    describe: () => (workers === 0 ? `embedded gateway, ${describeStore(store)}` : `${gateways} gateway(s) + ${workers} worker(s), PostgreSQL database ${database.name} of its own (pool ${poolSize} a process)`),
    gateways: gatewayProcs,
    workerProcesses: workerProcs,
    urls: gatewayProcs.map((g) => g.url),
    apiKey: gatewayProcs[0].apiKey,
    errors,
    /** CPU time (µs) so far of the gateways and of the workers. */
    cpuMicros: async () => ({ gateways: sum(await Promise.all(gatewayProcs.map((p) => p.cpuMicros()))), workers: sum(await Promise.all(workerProcs.map((p) => p.cpuMicros()))) }),
    resetEventLoops: () => Promise.all(processes.map((p) => p.resetEventLoop())),
    /** The worst p99 and max event-loop delay of the gateways and of the workers (ms). */
    eventLoops: async () => {
      const worst = async (list) => {
        const loops = await Promise.all(list.map(async (p) => (await p.stats()).eventLoop));
        return loops.length === 0 ? undefined : { p99Ms: Math.max(...loops.map((l) => l.p99Ms)), maxMs: Math.max(...loops.map((l) => l.maxMs)) };
      };
      return { gateways: await worst(gatewayProcs), workers: await worst(workerProcs) };
    },
    /** Stops every process (in-flight work finishes), deletes their folders and drops the database; resolves to the exit codes. */
    stop: stopAll,
  };
}
