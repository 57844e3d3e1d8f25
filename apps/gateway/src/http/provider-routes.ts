import { toValidationIssues } from '@rota/provider';
import type { ProviderStatus } from '@rota/core';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { guard, sendInvalid, type GatewayContext } from './gateway-context.js';
import { BreakerRequestSchema, ProviderPatchSchema } from '@rota/api';

/**
 * Operator controls. They act on the running router at once and without
 * dropping in-flight messages. On one process they are run-time overrides (a
 * reload that changes the same setting in the file puts the file's value
 * back); on a PostgreSQL store they are stored, every gateway and worker
 * applies them within a second, and they hold until
 * `DELETE /v1/providers/:id/overrides` (see OperatorControls).
 */
export function registerProviderRoutes(app: FastifyInstance, context: GatewayContext): void {
  const { runtime, logger, operator } = context;

  const findProvider = (id: string, reply: FastifyReply): ProviderStatus | undefined => {
    const statuses = runtime.router.status();
    const status = statuses.find((s) => s.providerId === id);
    if (!status) {
      const known = statuses.map((s) => s.providerId).join(', ') || 'none';
      void reply.code(404).send({ error: 'not-found', message: `no provider "${id}" (configured: ${known})` });
    }
    return status;
  };
  const statusOf = (id: string): ProviderStatus | undefined => runtime.router.status().find((s) => s.providerId === id);

  // The traffic figures sum every client's messages: one client's key reads the routing, not how much the others send.
  app.get('/v1/providers', { onRequest: guard(context, 'read') }, async (request) => {
    const providers = runtime.router.status();
    return { providers: request.rotaAdmin ? providers : providers.map(({ inFlight: _inFlight, counts: _counts, meanLatencyMs: _latency, ...routing }) => routing) };
  });

  app.patch<{ Params: { id: string } }>('/v1/providers/:id', { onRequest: guard(context, 'admin') }, async (request, reply) => {
    const parsed = ProviderPatchSchema.safeParse(request.body);
    if (!parsed.success) return sendInvalid(reply, toValidationIssues(parsed.error), 'the request is invalid; nothing was changed');
    const { id } = request.params;
    if (!findProvider(id, reply)) return reply;
    const patch = parsed.data;
    await operator.apply({ kind: 'set', providerId: id, ...patch }, request.rotaClient);
    logger.warn({ provider: id, enabled: patch.enabled, rank: patch.rank, by: request.rotaClient }, 'provider changed through the admin API');
    return reply.code(200).send(statusOf(id));
  });

  app.post<{ Params: { id: string } }>('/v1/providers/:id/breaker', { onRequest: guard(context, 'admin') }, async (request, reply) => {
    const parsed = BreakerRequestSchema.safeParse(request.body);
    if (!parsed.success) return sendInvalid(reply, toValidationIssues(parsed.error), 'the request is invalid; nothing was changed');
    const { id } = request.params;
    const provider = findProvider(id, reply);
    if (!provider) return reply;
    const { state, accountId } = parsed.data;
    const accounts = provider.accounts.map((a) => a.accountId);
    if (accountId !== undefined && !accounts.includes(accountId)) {
      return reply.code(404).send({ error: 'not-found', message: `provider "${id}" has no account "${accountId}" (accounts: ${accounts.join(', ')})` });
    }
    const targets = accountId === undefined ? accounts : [accountId];
    await operator.apply({ kind: 'breaker', providerId: id, accountIds: targets, state }, request.rotaClient);
    logger.warn({ provider: id, accounts: targets, override: state, by: request.rotaClient }, `breaker forced ${state} through the admin API`);
    return reply.code(200).send(statusOf(id));
  });

  // Back to the configuration's rank and switch, and every breaker to its failure counts.
  app.delete<{ Params: { id: string } }>('/v1/providers/:id/overrides', { onRequest: guard(context, 'admin'), config: { body: 'none' } }, async (request, reply) => {
    const { id } = request.params;
    const provider = findProvider(id, reply);
    if (!provider) return reply;
    await operator.apply({ kind: 'reset', providerId: id, accountIds: provider.accounts.map((a) => a.accountId) }, request.rotaClient);
    logger.warn({ provider: id, by: request.rotaClient }, 'provider overrides reset to the configuration through the admin API');
    return reply.code(200).send(statusOf(id));
  });
}
