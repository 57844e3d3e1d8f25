import type { MessageRecord, TimelineStep } from '@rota/ledger';
import type { z } from 'zod';
import type { MessageViewSchema } from '@rota/api';

export type MessageView = z.infer<typeof MessageViewSchema>;

/**
 * A record as the API gives it out: `status` for the state, instants as ISO
 * 8601 text, nothing the record does not have, and its timeline when read
 * on its own.
 */
export function viewOf(record: MessageRecord, timeline?: readonly TimelineStep[]): MessageView {
  const { state, dueAt: _dueAt, priority: _priority, textHash: _textHash, textLength: _textLength, sendAt, validUntil, createdAt, updatedAt, dispatchedAt, finishedAt, acceptedAt, heldSince, awaited: _awaited, simulated, delivery, ...rest } = record;
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
    ...(acceptedAt ? { acceptedAt: acceptedAt.toISOString() } : {}),
    ...(heldSince ? { heldSince: heldSince.toISOString() } : {}),
    ...(delivery ? { delivery: { ...delivery, at: delivery.at?.toISOString() } } : {}),
    ...(timeline
      ? {
          timeline: timeline.map(({ at, recordedAt, ...step }) => ({ ...step, at: at.toISOString(), recordedAt: recordedAt.toISOString() })),
        }
      : {}),
  };
}
