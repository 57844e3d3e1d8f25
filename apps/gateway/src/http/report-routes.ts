import { UnknownProviderError } from '@rota/core';
import { HeldReportsFull } from '@rota/ledger';
import type { PushOriginCheck } from '@rota/provider';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { GatewayContext } from './gateway-context.js';
import type { ReportsReceivedSchema } from '@rota/api';

/** A provider's push is small: Infobip's, the largest, carries up to 100 reports (~100 KB). */
export const PUSH_BODY_LIMIT = 1024 * 1024;

/**
 * Bytes of one provider's pushes being read at once, each counted at its
 * Content-Length (a body without one at PUSH_BODY_LIMIT), at least
 * PUSH_MIN_BYTES. A push signed over its body (Twilio's) is unauthenticated
 * until the whole body is in, so this bounds the memory such pushes can hold;
 * per provider, so that slow bodies sent to one provider's route hold no
 * other provider's pushes back. A provider pushing more at once is asked to
 * retry (503). Counted in bytes, not pushes: Message Center posts one small
 * push per message, and 2,000 of them finishing together were 2,000 pushes at once.
 */
export const PUSH_BYTES_IN_FLIGHT = 32 * PUSH_BODY_LIMIT;

/** The least a push is counted at: 512 of them at once per provider at most, however small each says it is. */
export const PUSH_MIN_BYTES = 64 * 1024;

/** When a provider whose held reports were full is asked to push again: their first rematches take 1 s to 2 min. */
const HELD_FULL_RETRY_SECONDS = 60;

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

    // Before the body is read: a push to no provider, to one that takes none, or without a proof its URL must carry (a
    // token) costs no memory and holds no place; nor one past the cap. Before this check, 32 slow bodies without any
    // token held every place for the request timeout, and every provider's real pushes were answered 503.
    const bytesInFlight = new Map<string, number>();
    pushes.addHook('onRequest', async (request, reply) => {
      const { id } = request.params as { id: string };
      let origin: PushOriginCheck;
      try {
        origin = context.runtime.router.checkPushOrigin(id, { url: pushUrl(request), headers: request.headers });
      } catch (error) {
        if (error instanceof UnknownProviderError) return noSuchProvider(reply, id);
        throw error;
      }
      if (!origin.ok) return refuse(reply, id, origin);
      const bytes = Math.max(PUSH_MIN_BYTES, Math.min(declaredLength(request) ?? PUSH_BODY_LIMIT, PUSH_BODY_LIMIT));
      const held = bytesInFlight.get(id) ?? 0;
      if (held + bytes > PUSH_BYTES_IN_FLIGHT) {
        context.logger.warn({ provider: id, bytesInFlight: held }, 'a delivery report push was turned away: too many pushes are being read at once');
        return reply.code(503).header('retry-after', '1').send({ error: 'overloaded', message: `too many pushes to ${id} are being read at once; push again shortly` });
      }
      bytesInFlight.set(id, held + bytes);
      // 'close' comes once the answer is sent or the connection dropped, whichever ends the push.
      reply.raw.once('close', () => bytesInFlight.set(id, bytesInFlight.get(id)! - bytes));
    });

    pushes.post<{ Params: { id: string } }>('/v1/providers/:id/reports', { config: { query: 'own' } }, async (request, reply) => {
      const { id } = request.params;
      const push = { url: pushUrl(request), headers: request.headers, body: Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0) };
      let received;
      try {
        received = context.runtime.router.receiveReports(id, push);
      } catch (error) {
        // Retired by a reload while the body was read.
        if (error instanceof UnknownProviderError) return noSuchProvider(reply, id);
        throw error;
      }
      if (!received.ok) return refuse(reply, id, received);
      try {
        const receipt = await context.ledger.receivePushed(id, received.reports);
        return reply.code(200).send({ received: received.reports.length, ...receipt } satisfies z.input<typeof ReportsReceivedSchema>);
      } catch (error) {
        if (!(error instanceof HeldReportsFull)) throw error;
        // Not a 200: the provider would take the push as delivered and never send it again.
        return reply.code(503).header('retry-after', String(HELD_FULL_RETRY_SECONDS)).send({
          error: 'reports-held-full',
          message: `${error.unmatched} report(s) of this push name no message yet, and ${id}'s held reports are full; push again later (its ${error.matched} other report(s) were written)`,
        });
      }
    });
  });
}

/**
 * The URL the provider called, as it signed it. Behind a proxy that ends TLS
 * (the gateway serves plain HTTP) the request arrives as http: the scheme is
 * then X-Forwarded-Proto's, or Twilio's signature over its https URL never
 * matched and every pushed report was refused. Trusting the header gives an
 * attacker nothing: a signature or token must still match the URL.
 */
function pushUrl(request: FastifyRequest): string {
  const forwarded = firstValue(request.headers['x-forwarded-proto'])?.split(',')[0]?.trim().toLowerCase();
  const scheme = forwarded === 'https' || forwarded === 'http' ? forwarded : request.protocol;
  return `${scheme}://${request.headers.host ?? 'localhost'}${request.url}`;
}

function firstValue(header: string | string[] | undefined): string | undefined {
  return Array.isArray(header) ? header[0] : header;
}

/** The body's size as its Content-Length says, if it says one. */
function declaredLength(request: FastifyRequest): number | undefined {
  const length = Number(request.headers['content-length']);
  return Number.isSafeInteger(length) && length >= 0 ? length : undefined;
}

/** A push refused: 401 not the provider's (before or after the body), 400 not readable. */
function refuse(reply: FastifyReply, id: string, refusal: { status: 400 | 401; reason: string }): FastifyReply {
  reply.log.warn({ provider: id, status: refusal.status, reason: refusal.reason }, 'a delivery report push was refused');
  return reply.code(refusal.status).send({ error: refusal.status === 401 ? 'unauthorized' : 'invalid-request', message: refusal.reason });
}

/** The 404 of a push to a provider the router does not have: before its body is read, or after a reload retired it. */
function noSuchProvider(reply: FastifyReply, id: string): FastifyReply {
  return reply.code(404).send({ error: 'not-found', message: `no provider "${id}"` });
}
