import type { Kysely } from 'kysely';
import type { LedgerDatabase } from '../database.js';
import { MESSAGE_STATES, UNFINISHED_STATES } from '../message-record.js';
import { enqueueWebhooks, outboxRow } from './message-events.js';

/**
 * A bulk is complete when its last record has a final state: it is marked
 * once (`completed_at`) and, when it has a callback URL, `bulk.completed` is
 * written with its counts by state — in the transaction that finished that
 * last record, so the event is neither lost nor written twice.
 */
export async function completeBulks(trx: Kysely<LedgerDatabase>, bulkIds: readonly string[], now: number): Promise<void> {
  for (const bulkId of bulkIds) {
    const bulk = await trx.selectFrom('bulks').select(['id', 'owner', 'count', 'reference', 'callback_url', 'completed_at']).where('id', '=', bulkId).executeTakeFirst();
    if (!bulk || bulk.completed_at !== null) continue;
    // The (bulk_id, state) index answers this at once; a bulk's counts are read only when it is done.
    const unfinished = await trx.selectFrom('messages').select('id').where('bulk_id', '=', bulkId).where('state', 'in', UNFINISHED_STATES).limit(1).executeTakeFirst();
    if (unfinished) continue;
    const counts = await trx.selectFrom('messages').select(['state', ({ fn }) => fn.countAll<number>().as('n')]).where('bulk_id', '=', bulkId).groupBy('state').execute();
    const byState = Object.fromEntries(MESSAGE_STATES.map((state) => [state, 0])) as Record<string, number>;
    for (const { state, n } of counts) byState[state] = Number(n);
    await trx.updateTable('bulks').set({ completed_at: now }).where('id', '=', bulkId).where('completed_at', 'is', null).execute();
    if (bulk.callback_url === null) continue;
    const data = { bulkId, count: bulk.count, byState, ...(bulk.reference !== null ? { reference: bulk.reference } : {}), at: new Date(now).toISOString() };
    await enqueueWebhooks(trx, [outboxRow('bulk.completed', bulk.owner, bulk.callback_url, data, { message_id: null, bulk_id: bulkId }, now)]);
  }
}
