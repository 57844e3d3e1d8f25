// The public surface of @rota/gateway: build the HTTP server around a runtime,
// or start the whole service from a configuration file.
export { buildGateway, type BuildGatewayOptions } from './http/build-gateway.js';
export type { GatewayRuntimeView } from './http/gateway-context.js';
export { startGateway, installShutdown, GatewayStartError, type StartGatewayOptions, type RunningGateway, type ShutdownOptions } from './http/gateway-server.js';
export { startWorker, type RunningWorker } from './worker/start-worker.js';
export type { StartProcessOptions } from './process/rota-process.js';
export { buildOpenApiDocument } from './http/openapi.js';
export {
  MessageRequestSchema,
  BatchRequestSchema,
  BulkRequestSchema,
  MessageViewSchema,
  ProviderPatchSchema,
  BreakerRequestSchema,
  type ProviderPatch,
  type BreakerRequest,
} from '@rota/api';
export { createGatewayLogger, REDACT_PATHS, type GatewayLoggerOptions } from './logging/create-logger.js';
export { logRouterEvents } from './logging/router-event-log.js';
export { createGatewayMetrics, type GatewayMetrics, type GatewayMetricsOptions } from './metrics/gateway-metrics.js';
export type { GatewayRuntime, ConfigResult, ReloadResult } from './config/runtime-types.js';
export { RotaConfigSchema, type RotaConfig, type RotaConfigInput } from './config/rota-config.js';
export { loadConfigFile, parseConfigText } from './config/load-config.js';
export { createRuntime, type CreateRuntimeOptions } from './config/runtime.js';
export { watchConfig } from './config/watch-config.js';
