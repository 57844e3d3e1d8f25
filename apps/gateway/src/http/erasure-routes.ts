import { maskPhoneNumber, normalizePhoneNumber } from '@rota/provider';
import type { FastifyInstance } from 'fastify';
import { guard, sendInvalid, type GatewayContext } from './gateway-context.js';

/**
 * KVKK erasure: every record of one number, whoever sent it, deleted (and
 * overwritten in the file). Admin only; logged with the number masked.
 */
export function registerErasureRoutes(app: FastifyInstance, context: GatewayContext): void {
  app.delete<{ Params: { number: string } }>('/v1/numbers/:number/messages', { onRequest: guard(context, 'admin'), config: { body: 'none' } }, async (request, reply) => {
    const number = normalizePhoneNumber(request.params.number);
    if (!number.ok) return sendInvalid(reply, [{ path: 'number', reason: number.reason }], 'the number is invalid; nothing was erased');
    const erased = await context.ledger.eraseNumber(number.e164);
    context.logger.warn({ to: maskPhoneNumber(number.e164), erased, by: request.rotaClient }, 'records of a number erased through the admin API');
    return reply.code(200).send({ erased });
  });
}
