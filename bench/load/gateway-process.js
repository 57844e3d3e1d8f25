// Starts the built gateway in a child process (gateway-launcher.js) in front of
// the sandbox, so that the load generator, the gateway and the sandbox each have
// their own event loop (bench/lib/server-process.js).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCH_ACCOUNTS } from '../lib/sandbox-process.js';
import { forkServer } from '../lib/server-process.js';

export { rssOf } from '../lib/server-process.js';

const LAUNCHER = fileURLToPath(new URL('./gateway-launcher.js', import.meta.url));

export const BENCH_API_KEY = 'bench-send-key-0123456789';
export const BENCH_ADMIN_TOKEN = 'bench-admin-token-0123456789';

/**
 * Where the gateway records its messages: SQLite in data/ beside the configuration
 * file (in the run's temporary folder, deleted when the gateway exits) with the
 * default durability, as a gateway configured with no `store` would; or memory.
 */
export function storeConfig(kind = 'sqlite', synchronous = 'normal') {
  if (kind === 'memory') return { kind: 'memory' };
  if (kind !== 'sqlite') throw new Error(`store kind must be sqlite or memory, got "${kind}"`);
  return { kind: 'sqlite', path: 'data/rota.db', synchronous };
}

/** A whole gateway configuration: FigenSoft (rank 3) through the sandbox with the bench accounts. */
export function benchConfig({ sandboxUrl, accounts = BENCH_ACCOUNTS, logLevel = 'warn', connections = 64, store = storeConfig(), gateway = {}, dispatch, reports }) {
  const byType = (type) => accounts.find((a) => a.iysType === type);
  return {
    providers: [
      {
        type: 'figensoft',
        rank: 3,
        settings: {
          connections,
          accounts: ['NOTIFICATION', 'CAMPAIGN']
            .map(byType)
            .filter(Boolean)
            .map((a) => ({ username: a.username, password: a.password, smsIysMessageType: a.iysType, senderList: a.senders, customApiActive: true, customApiUrl: sandboxUrl })),
        },
      },
    ],
    routing: { unknownOutcome: 'stop' },
    gateway: {
      listen: { host: '127.0.0.1', port: 0 },
      apiKeys: [{ name: 'bench', key: BENCH_API_KEY }],
      adminToken: BENCH_ADMIN_TOKEN,
      ...gateway,
    },
    store,
    ...(dispatch === undefined ? {} : { dispatch }),
    ...(reports === undefined ? {} : { reports }),
    logging: { level: logLevel },
  };
}

/**
 * Writes a configuration into a temporary folder (with the SQLite store's data/
 * inside it), forks the launcher on it and waits until it listens. `onLog` sees
 * each parsed log line. GATEWAY_EXEC_ARGV adds node flags to the gateway only,
 * e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
 */
export async function startGatewayProcess({ onLog, ...config } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'rota-bench-gateway-'));
  const configPath = join(dir, 'rota.json');
  const written = benchConfig(config);
  writeFileSync(configPath, JSON.stringify(written));
  const server = await forkServer({
    launcher: LAUNCHER,
    args: [configPath],
    execArgv: (process.env.GATEWAY_EXEC_ARGV ?? '').split(' ').filter(Boolean),
    onLog,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  });
  return { ...server, apiKey: BENCH_API_KEY, adminToken: BENCH_ADMIN_TOKEN, store: written.store, folder: dir };
}

/** How a store configuration reads in a report. */
export const describeStore = (store) => (store.kind === 'memory' ? 'memory store' : `SQLite store (synchronous=${store.synchronous}, WAL, file in ${tmpdir()})`);
