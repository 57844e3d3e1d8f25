import type { FastifyInstance } from 'fastify';

/** Everything under /v1: the API a client or an operator calls with a token. */
const API_PREFIX = '/v1/';

/**
 * Marks every answer of the API (`/v1/…`) as one no cache may keep and no
 * browser may read as anything but its declared type: its answers are one
 * caller's records — an admin read with `?reveal=true` holds full phone
 * numbers — and a shared proxy or the browser's disk cache would hand them to
 * the next person. `Cache-Control: no-store` and `X-Content-Type-Options:
 * nosniff` on every answer there, refusals and errors included (set at send,
 * so an error handler's reply has them too). /metrics, /healthz and
 * /openapi.json hold no caller's record and are left as they are; the
 * console's files set their own: its hashed assets are cached for good, its
 * page not at all (console-assets.ts).
 */
export function keepApiAnswersPrivate(app: FastifyInstance): void {
  app.addHook('onSend', async (request, reply, payload) => {
    if (request.url.startsWith(API_PREFIX)) reply.header('cache-control', 'no-store').header('x-content-type-options', 'nosniff');
    return payload;
  });
}
