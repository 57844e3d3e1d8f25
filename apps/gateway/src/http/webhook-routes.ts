import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import { toValidationIssues } from '@rota/provider';
import { guard, ownerScope, sendInvalid, type GatewayContext } from './gateway-context.js';
import { EnableEndpointRequestSchema, type DisabledEndpointsSchema, type EndpointEnabledSchema, type WebhookRedeliveredSchema } from '@rota/api';

/**
 * Operators (and clients, for their own events) steer webhook delivery:
 * send an event again, see receivers switched off after a 410, and turn one
 * back on, which releases the events held for it.
 */
export function registerWebhookRoutes(app: FastifyInstance, context: GatewayContext): void {
  const { ledger, logger } = context;

  app.post<{ Params: { id: string } }>('/v1/webhooks/events/:id/redeliver', { onRequest: guard(context, 'read'), config: { body: 'none' } }, async (request, reply) => {
    const outcome = await ledger.store.redeliverWebhook(request.params.id, ownerScope(request));
    if (outcome === 'not-found') return reply.code(404).send({ error: 'not-found', message: 'no such webhook event' });
    if (outcome === 'held') {
      return reply.code(409).send({
        error: 'endpoint-disabled',
        message: 'its receiver answered 410 and is switched off: turning it back on (POST /v1/webhooks/endpoints/enable) sends the events held for it; redeliver an event sent before the switch after that',
      });
    }
    if (outcome === 'in-flight') return reply.code(409).send({ error: 'in-flight', message: 'the event is on its way to its receiver now; redeliver it once that delivery has ended' });
    logger.info({ event: request.params.id, by: request.rotaClient }, 'a webhook event is due again (redeliver)');
    return reply.code(202).send({ id: request.params.id, status: 'pending' } satisfies z.input<typeof WebhookRedeliveredSchema>);
  });

  app.get('/v1/webhooks/endpoints', { onRequest: guard(context, 'admin') }, async (): Promise<z.input<typeof DisabledEndpointsSchema>> => ({
    disabled: (await ledger.store.disabledEndpoints()).map((endpoint) => ({ ...endpoint, disabledAt: new Date(endpoint.disabledAt).toISOString() })),
  }));

  app.post('/v1/webhooks/endpoints/enable', { onRequest: guard(context, 'admin') }, async (request, reply) => {
    const parsed = EnableEndpointRequestSchema.safeParse(request.body);
    if (!parsed.success) return sendInvalid(reply, toValidationIssues(parsed.error), 'the request is invalid; nothing was changed');
    // As given first (a receiver switched off before receivers were kept in the parser's form), then in that form.
    const { url } = parsed.data;
    const asKept = receiverUrlAsKept(url);
    const released = (await ledger.store.enableEndpoint(url)) ?? (asKept === url ? undefined : await ledger.store.enableEndpoint(asKept));
    if (released === undefined) return reply.code(404).send({ error: 'not-disabled', message: 'the url is not a switched-off receiver (GET /v1/webhooks/endpoints lists them, with their urls exactly as switched off); nothing was changed' });
    logger.warn({ released, by: request.rotaClient }, 'a webhook receiver was turned back on through the admin API');
    return reply.code(200).send({ released } satisfies z.input<typeof EndpointEnabledSchema>);
  });
}

/**
 * A receiver URL as the URL parser writes it, as every receiver is kept (webhook-target.ts): an
 * operator's `HTTP://Hooks.Example/cb` finds the `http://hooks.example/cb` that was switched off.
 */
function receiverUrlAsKept(url: string): string {
  try {
    return new URL(url).href;
  } catch {
    return url;
  }
}
