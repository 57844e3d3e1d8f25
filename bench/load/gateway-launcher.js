// The gateway under load, in its own process (started by gateway-process.js with
// an IPC channel): the built @rota/gateway's startGateway on a configuration file,
// plus an event-loop delay monitor whose figures the bench asks for over IPC.
// Usage: node bench/load/gateway-launcher.js CONFIG.json   (fork()ed; not run by hand)
import 'reflect-metadata';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { startGateway } from '@rota/gateway';

const configPath = process.argv[2];
if (!configPath || typeof process.send !== 'function') {
  process.stderr.write('usage: fork(gateway-launcher.js, [CONFIG]) with an IPC channel\n');
  process.exit(2);
}

// 10 ms resolution: the histogram's own timer must not be a load of its own.
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();

const gateway = await startGateway({ configPath, watch: false, processMetrics: false, listen: { host: '127.0.0.1', port: 0 } });

const ms = (ns) => Math.round((ns / 1e6) * 100) / 100;
function eventLoopFigures() {
  return {
    minMs: ms(loopDelay.min),
    meanMs: ms(loopDelay.mean),
    p50Ms: ms(loopDelay.percentile(50)),
    p99Ms: ms(loopDelay.percentile(99)),
    maxMs: ms(loopDelay.max),
  };
}

let stopping;
const stop = () =>
  (stopping ??= gateway
    .close()
    .catch((error) => process.stderr.write(`gateway close failed: ${error instanceof Error ? error.message : String(error)}\n`))
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

process.send({ type: 'listening', url: gateway.url });
