import type { MessageRecord } from '@rota/ledger';
import type { z } from 'zod';
import type { MessageViewSchema } from './http-schemas.js';

export type MessageView = z.infer<typeof MessageViewSchema>;

/** A record as the API gives it out: `status` for the state, instants as ISO 8601 text, nothing the record does not have. */
export function viewOf(record: MessageRecord): MessageView {
  const { state, dueAt: _dueAt, priority: _priority, textHash: _textHash, textLength: _textLength, sendAt, validUntil, createdAt, updatedAt, dispatchedAt, finishedAt, simulated, ...rest } = record;
  return {
    status: state,
    ...rest,
    ...(simulated ? { simulated } : {}),
    ...(sendAt ? { sendAt: sendAt.toISOString() } : {}),
    ...(validUntil ? { validUntil: validUntil.toISOString() } : {}),
    createdAt: createdAt.toISOString(),
    updatedAt: updatedAt.toISOString(),
    ...(dispatchedAt ? { dispatchedAt: dispatchedAt.toISOString() } : {}),
    ...(finishedAt ? { finishedAt: finishedAt.toISOString() } : {}),
  };
}
