import { ResendRequestSchema } from '@rota/api';
import type { Ledger, MessageRecord } from '@rota/ledger';
import { toValidationIssues } from '@rota/provider';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendInvalid } from './gateway-context.js';

/** How the caller shows a record (the admin API whole, the console masked) and logs the copy it sent. */
export interface ResendAnswerStyle {
  view(record: MessageRecord): unknown;
  logSent(originalId: string, copy: MessageRecord): void;
}

/**
 * One operator resend, as the admin API and the console both answer it: the body `{ force }`
 * read, the ledger asked, and its outcome as HTTP — 202 with the copy, 200 with the copy of
 * an earlier resend (a double click never sends twice), 409 when the original may not or not
 * yet be sent again, 404 when there is none.
 */
export async function answerResend(ledger: Ledger, request: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply, style: ResendAnswerStyle): Promise<FastifyReply> {
  const parsed = ResendRequestSchema.safeParse(request.body ?? {});
  if (!parsed.success) return sendInvalid(reply, toValidationIssues(parsed.error));
  const outcome = await ledger.resend(request.params.id, parsed.data);
  if (outcome.kind === 'not-found') return reply.code(404).send({ error: 'not-found', message: 'no such message' });
  if (outcome.kind === 'refused') return reply.code(409).send({ error: 'not-resendable', message: outcome.reason });
  if (outcome.kind === 'pending') return reply.code(409).send({ error: 'status-pending', message: outcome.reason });
  if (outcome.kind === 'existing') return reply.code(200).send(style.view(outcome.record));
  style.logSent(request.params.id, outcome.record);
  return reply.code(202).send(style.view(outcome.record));
}
