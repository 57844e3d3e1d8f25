// A server under test in its own child process (the gateway, or the bare relay it
// is compared with), so that the load generator, the server and the sandbox each
// have their own event loop. The child runs a launcher that calls serveBenchIpc
// (bench/lib/launcher-ipc.js); the parent reads the child's RSS from /proc and
// asks it over IPC for its CPU time and event-loop delay.
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

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
 * Forks `launcher` with `args` and waits until it says it listens. Log lines
 * (pino JSON on the child's stdout) are counted by level; `onLog` sees each
 * parsed line. `cleanup` runs once the child has exited.
 */
export async function forkServer({ launcher, args = [], execArgv = [], onLog, cleanup }) {
  // --expose-gc lets a snapshot ask for a full collection first (stats({ gc: true })); nothing else calls it.
  const child = fork(launcher, args, { stdio: ['ignore', 'pipe', 'inherit', 'ipc'], execArgv: ['--expose-gc', ...execArgv] });
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
      cleanup?.();
      resolve(exitCode);
    }),
  );

  const url = await new Promise((resolve, reject) => {
    child.on('message', function onListening(message) {
      if (message?.type !== 'listening') return;
      child.off('message', onListening);
      resolve(message.url);
    });
    void exitedPromise.then((code) => reject(new Error(`${launcher} exited with ${code} before listening`)));
  });

  let nextId = 0;
  const ask = (type, extra = {}) =>
    new Promise((resolve, reject) => {
      if (exited) return reject(new Error(`the server process exited (${exitCode})`));
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
    /** Log lines seen so far, by pino level number (40 warn, 50 error, 60 fatal). */
    logLevels,
    exited: () => exited,
    /** Resident set size of the process, from /proc (bytes). */
    rss: () => rssOf(child.pid),
    /** The process's CPU time so far (user + system, µs), from its own process.cpuUsage(). */
    cpuMicros: async () => (await ask('cpu')).micros,
    /**
     * { eventLoop: { minMs, meanMs, p50Ms, p99Ms, maxMs }, memory: process.memoryUsage() } from inside the
     * process; with { gc: true } after a full garbage collection, so heapUsed is the retained heap.
     */
    stats: ({ gc = false } = {}) => ask('stats', { gc }),
    resetEventLoop: () => ask('reset-event-loop'),
    /** Closes the server (in-flight requests finish) and waits for the process to exit; resolves to its exit code. */
    stop: () => {
      if (!exited) child.send({ type: 'stop' });
      return exitedPromise;
    },
  };
}
