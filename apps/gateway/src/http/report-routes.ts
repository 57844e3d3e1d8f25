import { doesNotPush, UnknownProviderError } from '@rota/core';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { z } from 'zod';
import type { GatewayContext } from './gateway-context.js';
import type { ReportsReceivedSchema } from '@rota/api';

/** A provider's push is small: Infobip's, the largest, carries up to 100 reports (~100 KB). */
export const PUSH_BODY_LIMIT = 1024 * 1024;

/**
 * Pushes read at once. A push is unauthenticated until its provider has read
 * the whole body, so the bodies held in memory are bounded by this times
 * PUSH_BODY_LIMIT; a provider pushing more at once is asked to retry (503).
 */
export const MAX_PUSHES_IN_FLIGHT = 32;

/**
 * `POST /v1/providers/{id}/reports`: the seam for providers that push
 * delivery reports instead of being polled. No API key: the provider itself
 * proves the push is its own, as it specifies (a signature over the body or
 * the URL, or a secret in the callback URL), so the body reaches it raw,
 * whatever its content type. Accepted reports feed the same timeline as
 * polled ones.
 */
export function registerReportRoutes(app: FastifyInstance, context: GatewayContext): void {
  void app.register(async (pushes) => {
    // Only in this context: every body as raw bytes, because signatures are over the bytes.
    pushes.removeAllContentTypeParsers();
    pushes.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: PUSH_BODY_LIMIT }, (_request, body, done) => done(null, body));

    // Before the body is read: a push to no provider, or to one that takes none, costs no memory; nor one past the cap.
    let inFlight = 0;
    pushes.addHook('onRequest', async (request, reply) => {
      const { id } = request.params as { id: string };
      let takes: boolean;
      try {
        takes = context.runtime.router.takesPushes(id);
      } catch (error) {
        if (error instanceof UnknownProviderError) return noSuchProvider(reply, id);
        throw error;
      }
      if (!takes) return reply.code(401).send({ error: 'unauthorized', message: doesNotPush(id) });
      if (inFlight >= MAX_PUSHES_IN_FLIGHT) {
        context.logger.warn({ provider: id, inFlight }, 'a delivery report push was turned away: too many pushes are being read at once');
        return reply.code(503).header('retry-after', '1').send({ error: 'overloaded', message: `more than ${MAX_PUSHES_IN_FLIGHT} pushes are being read at once; push again shortly` });
      }
      inFlight += 1;
      // 'close' comes once the answer is sent or the connection dropped, whichever ends the push.
      reply.raw.once('close', () => (inFlight -= 1));
    });

    pushes.post<{ Params: { id: string } }>('/v1/providers/:id/reports', { config: { query: 'own' } }, async (request, reply) => {
      const { id } = request.params;
      const host = request.headers.host ?? 'localhost';
      const push = {
        url: `${request.protocol}://${host}${request.url}`,
        headers: request.headers,
        body: Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0),
      };
      let received;
      try {
        received = context.runtime.router.receiveReports(id, push);
      } catch (error) {
        // Retired by a reload while the body was read.
        if (error instanceof UnknownProviderError) return noSuchProvider(reply, id);
        throw error;
      }
      if (!received.ok) {
        context.logger.warn({ provider: id, status: received.status, reason: received.reason }, 'a delivery report push was refused');
        return reply.code(received.status).send({ error: received.status === 401 ? 'unauthorized' : 'invalid-request', message: received.reason });
      }
      const matched = await context.ledger.receivePushed(id, received.reports);
      return reply.code(200).send({ received: received.reports.length, matched } satisfies z.input<typeof ReportsReceivedSchema>);
    });
  });
}

/** The 404 of a push to a provider the router does not have: before its body is read, or after a reload retired it. */
function noSuchProvider(reply: FastifyReply, id: string): FastifyReply {
  return reply.code(404).send({ error: 'not-found', message: `no provider "${id}"` });
}
