import { createServer } from 'node:http';
import type { Ledger } from '@rota/ledger';
import { fastify, LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { sanitizeText, secretsOf } from '../logging/redaction.js';
import type { GatewayMetrics } from '../metrics/gateway-metrics.js';
import type { ServerTimeouts } from '../config/rota-config.js';
import { registerConsole } from '../console/register-console.js';
import { watchRouter } from '../process/watch-router.js';
import { OperatorControls } from '../ledger/operator-controls.js';
import { answerClientError, answerFrameworkError, installErrorHandling } from './error-handler.js';
import { guard, type GatewayContext, type GatewayRuntimeView } from './gateway-context.js';
import { registerHealthRoutes, type ReadinessOptions } from './health-routes.js';
import { registerJsonBody } from './json-body.js';
import { keepApiAnswersPrivate } from './private-answers.js';
import { registerBulkRoutes } from './bulk-routes.js';
import { registerErasureRoutes } from './erasure-routes.js';
import { registerMessageRoutes } from './message-routes.js';
import { registerReportRoutes } from './report-routes.js';
import { registerWebhookRoutes } from './webhook-routes.js';
import { buildOpenApiDocument } from './openapi.js';
import { registerProviderRoutes } from './provider-routes.js';
import { refuseUnknownQueryParameters } from './query-parameters.js';
import { refuseBodies } from './bodiless-routes.js';
import { refuseUnstorableCharacters } from './unstorable-characters.js';
import { refuseRepeatedHeaders } from './single-headers.js';

export interface BuildGatewayOptions {
  runtime: GatewayRuntimeView;
  ledger: Ledger;
  logger: Logger;
  metrics: GatewayMetrics;
  readiness?: Partial<ReadinessOptions>;
  /** The server's time limits (gateway.timeouts); the defaults when left out. */
  timeouts?: ServerTimeouts;
  /** Where operator changes go; default: this process's router only. */
  operator?: OperatorControls;
  /** The operations console's built files (default: @rota/console's dist); null serves none. */
  consoleAssets?: string | null;
}

const DEFAULT_TIMEOUTS: ServerTimeouts = { requestMs: 30_000, headersMs: 10_000, keepAliveMs: 5_000, shutdownMs: 15_000 };

// Probes every few seconds should not turn into a balance request each.
const DEFAULT_READINESS: ReadinessOptions = { timeoutMs: 3_000, cacheMs: 5_000 };
// Fastify's own ceiling; the limit in force is gateway.bodyLimitBytes, checked by the JSON body reader.
const BODY_CEILING_BYTES = 100 * 1024 * 1024;

/**
 * The gateway's HTTP server, not yet listening: tests `inject` into it or
 * `listen` on loopback; main.ts listens on the configured address. The router's
 * events feed the logs and metrics from here until the server closes.
 */
export function buildGateway(options: BuildGatewayOptions): FastifyInstance {
  const { runtime, ledger, logger, metrics } = options;
  const operator = options.operator ?? new OperatorControls(runtime);
  const context: GatewayContext = { runtime, ledger, logger, operator, secrets: () => secretsOf(runtime.config()) };

  const timeouts = options.timeouts ?? DEFAULT_TIMEOUTS;
  const app = fastify({
    // Node checks request and header deadlines every connectionsCheckingInterval (30 s by
    // default), which would let a slow client hold a connection well past them.
    serverFactory: (handler) =>
      createServer(
        {
          requestTimeout: timeouts.requestMs,
          headersTimeout: timeouts.headersMs,
          keepAliveTimeout: timeouts.keepAliveMs,
          connectionsCheckingInterval: Math.max(100, Math.min(1_000, Math.floor(timeouts.headersMs / 4))),
          // Still required: refuseRepeatedHeaders answers its absence in the documented shape, where Node's 400 had no body.
          requireHostHeader: false,
        },
        handler,
      ),
    // Errors raised below the routes (a bad request line, oversized headers, a slow body, a
    // bad URL encoding) get the documented shape too, and never echo what the client sent.
    clientErrorHandler: answerClientError,
    frameworkErrors: answerFrameworkError,
    // Typed as fastify's base logger so the route modules take a plain FastifyInstance.
    loggerInstance: logger as FastifyBaseLogger,
    // One compact line per request from the onResponse hook below, instead of fastify's two with headers.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_CEILING_BYTES,
    // Idle keep-alive sockets are closed at once on close(); busy ones finish their request first.
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    // Message ids are opaque and can be long.
    routerOptions: { maxParamLength: 2_048 },
  });

  registerJsonBody(app, () => runtime.config().gateway.bodyLimitBytes);
  installErrorHandling(app, logger, (text) => sanitizeText(text, context.secrets()));
  refuseRepeatedHeaders(app);
  refuseUnstorableCharacters(app);
  refuseUnknownQueryParameters(app);
  refuseBodies(app);
  keepApiAnswersPrivate(app);
  app.decorateRequest('rotaClient', '');
  app.decorateRequest('rotaAdmin', false);

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const seconds = reply.elapsedTime / 1_000;
    metrics.observeHttp(request.method, route, reply.statusCode, seconds);
    const fields = {
      method: request.method,
      route,
      status: reply.statusCode,
      ms: Math.round(reply.elapsedTime * 10) / 10,
      ...(request.rotaClient ? { client: request.rotaClient } : {}),
    };
    // Probes and scrapes arrive every few seconds; they are noise at info level.
    if (route === '/healthz' || route === '/readyz' || route === '/metrics') logger.debug(fields, 'request');
    else logger.info(fields, 'request');
  });

  // close() waits for in-flight requests, but a keep-alive connection that was
  // busy when it began would then idle until its timeout: answer those with
  // `Connection: close` so the socket ends with the response.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    if (closing) reply.header('connection', 'close');
    return payload;
  });

  registerMessageRoutes(app, context);
  registerBulkRoutes(app, context);
  registerErasureRoutes(app, context);
  registerReportRoutes(app, context);
  registerWebhookRoutes(app, context);
  registerProviderRoutes(app, context);
  registerHealthRoutes(app, context, { ...DEFAULT_READINESS, ...options.readiness });
  registerConsole(app, context, options.consoleAssets === undefined ? {} : { assetsDir: options.consoleAssets });

  // Open unless gateway.metricsToken is set (read per request: a reload may set or change it).
  const metricsGuard = guard(context, 'metrics');
  app.get('/metrics', { onRequest: async (request, reply) => (runtime.config().gateway.metricsToken === undefined ? undefined : metricsGuard(request, reply)) }, async (_request, reply) =>
    reply.header('content-type', metrics.contentType).send(await metrics.render()),
  );

  let openApi: Record<string, unknown> | undefined;
  app.get('/openapi.json', async () => (openApi ??= buildOpenApiDocument()));

  const unwatch = watchRouter(runtime, logger, metrics);
  app.addHook('onClose', async () => unwatch());
  return app;
}

