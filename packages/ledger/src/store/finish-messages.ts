import type { SendResult } from '@rota/core';
import type { Kysely, Updateable } from 'kysely';
import type { LedgerDatabase, MessagesTable } from '../database.js';
import { UNFINISHED_STATES } from '../message-record.js';

/**
 * The router's answers written to their records, in one transaction. Only an
 * unfinished record (`queued` or `dispatching`) takes an answer: a finished
 * one keeps the first, so a late or repeated call cannot rewrite history.
 * Returns how many records were finished.
 */
export async function finishMessages(db: Kysely<LedgerDatabase>, entries: readonly { id: string; result: SendResult }[], now: number): Promise<number> {
  if (entries.length === 0) return 0;
  return db.transaction().execute(async (trx) => {
    let finished = 0;
    for (const { id, result } of entries) {
      const update = await trx.updateTable('messages').set(finishColumns(result, now)).where('id', '=', id).where('state', 'in', UNFINISHED_STATES).executeTakeFirst();
      finished += Number(update.numUpdatedRows);
    }
    return finished;
  });
}

/**
 * The columns one result sets. A field the result does not carry is left as it
 * was (a `failed` result names no provider; the one markDispatching wrote stays).
 */
function finishColumns(result: SendResult, now: number): Updateable<MessagesTable> {
  const common = { state: result.status, attempts: JSON.stringify(result.attempts), updated_at: now, finished_at: now };
  switch (result.status) {
    case 'accepted':
      return {
        ...common,
        reason: null,
        provider_id: result.providerId,
        account_id: result.accountId,
        provider_message_id: result.providerMessageId,
        encoding: result.encoding,
        shift: result.shift ?? null,
        segments: result.segments,
        simulated: result.simulated ? 1 : 0,
      };
    case 'rejected':
      return { ...common, reason: result.reason, issues: JSON.stringify(result.issues), ...(result.providerId !== undefined ? { provider_id: result.providerId } : {}) };
    case 'failed':
      return { ...common, reason: result.reason };
    case 'unknown':
      return { ...common, reason: result.reason, provider_id: result.providerId, account_id: result.accountId };
  }
}
