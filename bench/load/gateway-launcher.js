// The gateway under load, in its own process (started by gateway-process.js with
// an IPC channel): the built @rota/gateway's startGateway on a configuration file,
// plus the event-loop monitor and IPC answers of bench/lib/launcher-ipc.js.
// Usage: node bench/load/gateway-launcher.js CONFIG.json   (fork()ed; not run by hand)
import 'reflect-metadata';
import { startGateway } from '@rota/gateway';
import { requireIpc, serveBenchIpc, startEventLoopMonitor } from '../lib/launcher-ipc.js';

const configPath = process.argv[2];
requireIpc('usage: fork(gateway-launcher.js, [CONFIG]) with an IPC channel');
if (!configPath) process.exit(2);

const loopDelay = startEventLoopMonitor();
const gateway = await startGateway({ configPath, watch: false, processMetrics: false, listen: { host: '127.0.0.1', port: 0 } });
serveBenchIpc({ url: gateway.url, close: () => gateway.close(), loopDelay });
