// A `rota worker` under load, in its own process (started by installation.js with
// an IPC channel): the built @rota/gateway's startWorker on a configuration file —
// what `rota worker --config FILE` runs — plus the event-loop monitor and IPC
// answers of bench/lib/launcher-ipc.js.
// Usage: node bench/scale/worker-launcher.js CONFIG.json   (fork()ed; not run by hand)
import 'reflect-metadata';
import { startWorker } from '@rota/gateway';
import { requireIpc, serveBenchIpc, startEventLoopMonitor } from '../lib/launcher-ipc.js';

const configPath = process.argv[2];
requireIpc('usage: fork(worker-launcher.js, [CONFIG]) with an IPC channel');
if (!configPath) process.exit(2);

const loopDelay = startEventLoopMonitor();
const worker = await startWorker({ configPath, watch: false, processMetrics: false });
// A worker serves no HTTP: its "url" names it in the parent's messages.
serveBenchIpc({ url: `worker:${process.pid}`, close: () => worker.close(), loopDelay });
