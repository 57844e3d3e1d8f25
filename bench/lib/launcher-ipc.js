// The child's half of bench/lib/server-process.js: an event-loop delay monitor,
// and answers to the parent's IPC questions (stats, CPU time, reset, stop). A
// launcher starts its server, then calls serveBenchIpc with its close function
// and the URL it listens on.
import { monitorEventLoopDelay } from 'node:perf_hooks';

/** Refuses to run outside fork(): the IPC channel is how the parent drives the process. */
export function requireIpc(usage) {
  if (typeof process.send !== 'function') {
    process.stderr.write(`${usage}\n`);
    process.exit(2);
  }
}

/** Call before starting the server, so that its start is in the figures too. */
export function startEventLoopMonitor() {
  // 10 ms resolution: the histogram's own timer must not be a load of its own.
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  return loopDelay;
}

const ms = (ns) => Math.round((ns / 1e6) * 100) / 100;

export function serveBenchIpc({ url, close, loopDelay }) {
  const eventLoopFigures = () => ({
    minMs: ms(loopDelay.min),
    meanMs: ms(loopDelay.mean),
    p50Ms: ms(loopDelay.percentile(50)),
    p99Ms: ms(loopDelay.percentile(99)),
    maxMs: ms(loopDelay.max),
  });

  let stopping;
  const stop = () =>
    (stopping ??= Promise.resolve()
      .then(close)
      .catch((error) => process.stderr.write(`close failed: ${error instanceof Error ? error.message : String(error)}\n`))
      .finally(() => {
        loopDelay.disable();
        process.exit(0);
      }));

  process.on('message', (message) => {
    if (message?.type === 'stats') {
      // With { gc: true } (and --expose-gc), heapUsed is what is retained, not what awaits collection.
      if (message.gc && typeof globalThis.gc === 'function') globalThis.gc();
      const { rss, heapUsed, heapTotal, external, arrayBuffers } = process.memoryUsage();
      process.send({ type: 'stats', id: message.id, eventLoop: eventLoopFigures(), memory: { rss, heapUsed, heapTotal, external, arrayBuffers } });
    } else if (message?.type === 'cpu') {
      const { user, system } = process.cpuUsage();
      process.send({ type: 'cpu', id: message.id, micros: user + system });
    } else if (message?.type === 'reset-event-loop') {
      loopDelay.reset();
      process.send({ type: 'reset-event-loop', id: message.id });
    } else if (message?.type === 'stop') {
      void stop();
    }
  });
  // The bench went away (crashed, Ctrl+C): do not outlive it.
  process.on('disconnect', () => void stop());
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());

  process.send({ type: 'listening', url });
}
