import { UnknownProviderError } from '@rota/core';
import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import type { GatewayContext } from './gateway-context.js';
import type { ReportsReceivedSchema } from '@rota/api';

/** A provider's push is small: a few thousand reports at most. */
export const PUSH_BODY_LIMIT = 5 * 1024 * 1024;

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

    pushes.post<{ Params: { id: string } }>('/v1/providers/:id/reports', async (request, reply) => {
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
        if (error instanceof UnknownProviderError) return reply.code(404).send({ error: 'not-found', message: `no provider "${id}"` });
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
