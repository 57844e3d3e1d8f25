import { ProviderError, toValidationIssues, type ValidationIssue } from '@rota/provider';
import type { SendResult } from '@rota/core';
import type { FastifyInstance } from 'fastify';
import { sanitizeText } from '../logging/redaction.js';
import { guard, sendInvalid, type GatewayContext } from './gateway-context.js';
import { BatchEnvelopeSchema, MessageRequestSchema } from './http-schemas.js';
import { decodeMessageId, encodeMessageId } from './message-id.js';

/**
 * How a single send's outcome reads as HTTP. `unknown` is 202 because the
 * provider may have the message: the caller must not resend it elsewhere (a
 * resend with the same idempotencyKey is safe and returns this same result).
 */
const SEND_STATUS: Record<SendResult['status'], number> = {
  accepted: 202,
  unknown: 202,
  rejected: 422,
  failed: 503,
};

/** A batch answering with thousands of issues helps nobody; the count says how many more there were. */
const MAX_REPORTED_ISSUES = 1_000;

export type SendResultWithId = SendResult & { id?: string };

export function withId(result: SendResult): SendResultWithId {
  if (result.status !== 'accepted') return result;
  return { ...result, id: encodeMessageId(result) };
}

/** How a failed status read reads as HTTP; the provider's message is safe to show (providers keep secrets out of it). */
const STATUS_READ_ERROR: Record<ProviderError['kind'], { status: number; error: string }> = {
  retryable: { status: 503, error: 'provider-unavailable' },
  'provider-unavailable': { status: 503, error: 'provider-unavailable' },
  'message-rejected': { status: 502, error: 'provider-refused' },
  'outcome-unknown': { status: 504, error: 'provider-timeout' },
};

export function registerMessageRoutes(app: FastifyInstance, context: GatewayContext): void {
  const { runtime } = context;

  app.post('/v1/messages', { onRequest: guard(context, 'send') }, async (request, reply) => {
    const parsed = MessageRequestSchema.safeParse(request.body);
    if (!parsed.success) return sendInvalid(reply, toValidationIssues(parsed.error));
    // The router validates again from the raw input: it owns the message model, the gateway only refuses early.
    const result = withId(await runtime.router.send(request.body));
    return reply.code(SEND_STATUS[result.status]).send(result);
  });

  app.post('/v1/messages/batch', { onRequest: guard(context, 'send') }, async (request, reply) => {
    const envelope = BatchEnvelopeSchema.safeParse(request.body);
    if (!envelope.success) return sendInvalid(reply, toValidationIssues(envelope.error));
    const { messages } = envelope.data;
    const { maxBatchSize } = runtime.config().gateway;
    if (messages.length > maxBatchSize) {
      return sendInvalid(reply, [{ path: 'messages', reason: `must hold at most ${maxBatchSize} messages (got ${messages.length})` }]);
    }
    // Every message is checked before any is sent: one bad message refuses the whole batch.
    const issues: ValidationIssue[] = [];
    let total = 0;
    messages.forEach((message, index) => {
      const parsed = MessageRequestSchema.safeParse(message);
      if (parsed.success) return;
      const found = toValidationIssues(parsed.error, ['messages', index]);
      total += found.length;
      if (issues.length < MAX_REPORTED_ISSUES) issues.push(...found.slice(0, MAX_REPORTED_ISSUES - issues.length));
    });
    if (issues.length > 0) {
      const more = total - issues.length;
      const message = `the batch is invalid; nothing was sent${more > 0 ? ` (${more} more issue(s) not listed)` : ''}`;
      return sendInvalid(reply, issues, message);
    }
    const results = (await runtime.router.sendBatch(messages)).map(withId);
    const summary = { accepted: 0, rejected: 0, failed: 0, unknown: 0 };
    for (const result of results) summary[result.status]++;
    return reply.code(200).send({ results, summary });
  });

  app.get<{ Params: { id: string } }>('/v1/messages/:id', { onRequest: guard(context, 'send') }, async (request, reply) => {
    const { id } = request.params;
    const locator = decodeMessageId(id);
    if (!locator) return sendInvalid(reply, [{ path: 'id', reason: 'is not a Rota message id' }], 'the message id is invalid');
    const known = runtime.router.status().some((status) => status.providerId === locator.providerId);
    if (!known) {
      return reply.code(404).send({ error: 'not-found', message: `provider "${locator.providerId}" of this message is no longer configured` });
    }
    let reports;
    try {
      reports = await runtime.router.deliveryStatus({ ...locator, providerMessageIds: [locator.providerMessageId] });
    } catch (error) {
      if (!ProviderError.is(error)) throw error;
      const row = error.code === 'unsupported' ? { status: 501, error: 'status-unsupported' } : STATUS_READ_ERROR[error.kind];
      return reply.code(row.status).send({ error: row.error, message: sanitizeText(error.message, context.secrets()) });
    }
    const report = reports.find((r) => r.providerMessageId === locator.providerMessageId) ?? reports[0];
    if (!report) return reply.code(404).send({ error: 'not-found', message: 'the provider has no status for this message' });
    return reply.code(200).send({
      id,
      providerId: locator.providerId,
      accountId: locator.accountId,
      ...report,
      providerMessageId: locator.providerMessageId,
      at: report.at?.toISOString(),
    });
  });
}
