// Starts the built gateway in a child process (gateway-launcher.js) in front of
// the sandbox, so that the load generator, the gateway and the sandbox each have
// their own event loop. The parent reads the child's RSS from /proc and asks it
// for its event-loop delay over IPC.
import { fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { BENCH_ACCOUNTS } from '../lib/sandbox-process.js';

const LAUNCHER = fileURLToPath(new URL('./gateway-launcher.js', import.meta.url));

export const BENCH_API_KEY = 'bench-send-key-0123456789';
export const BENCH_ADMIN_TOKEN = 'bench-admin-token-0123456789';

/** A whole gateway configuration: FigenSoft (rank 3) through the sandbox with the bench accounts. */
export function benchConfig({ sandboxUrl, accounts = BENCH_ACCOUNTS, logLevel = 'warn', connections = 64 }) {
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
    },
    logging: { level: logLevel },
  };
}

/** VmRSS of a process in bytes (Linux), or undefined where /proc is not available. */
export function rssOf(pid) {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Forks the launcher on a configuration file and waits until it listens.
 * Log lines (pino JSON on the child's stdout) are counted by level; `onLog`
 * sees each parsed line.
 */
export async function startGatewayProcess({ sandboxUrl, logLevel = 'warn', connections = 64, accounts, onLog } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'rota-bench-gateway-'));
  const configPath = join(dir, 'rota.json');
  writeFileSync(configPath, JSON.stringify(benchConfig({ sandboxUrl, accounts, logLevel, connections })));

  // --expose-gc lets a snapshot ask for a full collection first (stats({ gc: true })); nothing else calls it.
  // GATEWAY_EXEC_ARGV adds node flags to the gateway only, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
  const extraArgv = (process.env.GATEWAY_EXEC_ARGV ?? '').split(' ').filter(Boolean);
  const child = fork(LAUNCHER, [configPath], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'], execArgv: ['--expose-gc', ...extraArgv] });
  const logLevels = {};
  createInterface({ input: child.stdout }).on('line', (line) => {
    let entry;
    try {
      entry = JSON.parse(line);
    } catch {
      entry = { level: 'text', msg: line };
    }
    logLevels[entry.level] = (logLevels[entry.level] ?? 0) + 1;
    onLog?.(entry);
  });

  let exited = false;
  let exitCode;
  const exitedPromise = new Promise((resolve) =>
    child.once('exit', (code, signal) => {
      exited = true;
      exitCode = code ?? signal;
      rmSync(dir, { recursive: true, force: true });
      resolve(exitCode);
    }),
  );

  const url = await new Promise((resolve, reject) => {
    child.on('message', function onListening(message) {
      if (message?.type !== 'listening') return;
      child.off('message', onListening);
      resolve(message.url);
    });
    void exitedPromise.then((code) => reject(new Error(`the gateway exited with ${code} before listening`)));
  });

  let nextId = 0;
  const ask = (type, extra = {}) =>
    new Promise((resolve, reject) => {
      if (exited) return reject(new Error(`the gateway exited (${exitCode})`));
      const id = ++nextId;
      const onMessage = (message) => {
        if (message?.type !== type || message.id !== id) return;
        child.off('message', onMessage);
        resolve(message);
      };
      child.on('message', onMessage);
      child.send({ type, id, ...extra });
    });

  return {
    url,
    pid: child.pid,
    apiKey: BENCH_API_KEY,
    adminToken: BENCH_ADMIN_TOKEN,
    /** Log lines seen so far, by pino level number (40 warn, 50 error, 60 fatal). */
    logLevels,
    exited: () => exited,
    /** Resident set size of the gateway process, from /proc (bytes). */
    rss: () => rssOf(child.pid),
    /**
     * { eventLoop: { minMs, meanMs, p50Ms, p99Ms, maxMs }, memory: process.memoryUsage() } from inside the
     * gateway; with { gc: true } after a full garbage collection, so heapUsed is the retained heap.
     */
    stats: ({ gc = false } = {}) => ask('stats', { gc }),
    resetEventLoop: () => ask('reset-event-loop'),
    /** Closes the gateway (in-flight requests finish) and waits for the process to exit; resolves to its exit code. */
    stop: () => {
      if (!exited) child.send({ type: 'stop' });
      return exitedPromise;
    },
  };
}
