import type { Kysely } from 'kysely';
import type { LedgerDatabase } from '../database.js';
import { UNFINISHED_STATES } from '../message-record.js';
import { countsByState, erasedOf } from './ledger-counts.js';
import { dialectOf, lockForDecision } from '../sql-dialect.js';
import { enqueueWebhooks, outboxRow } from './message-events.js';

/**
 * A bulk is complete when its last record has a final state: it is marked
 * once (`completed_at`) and, when it has a callback URL, `bulk.completed` is
 * written with its counts by state — in the transaction that finished that
 * last record, so the event is neither lost nor written twice.
 *
 * On PostgreSQL two transactions may finish a bulk's last records at once
 * (two workers' units): each would see the other's records still unfinished
 * and neither complete the bulk. The bulk's row is locked first, so the second
 * waits for the first to commit and then sees its records finished. Bulks are
 * locked in id order, so two finishers never wait for each other in a circle.
 */
export async function completeBulks(trx: Kysely<LedgerDatabase>, bulkIds: readonly string[], now: number): Promise<void> {
  const dialect = dialectOf(trx);
  for (const bulkId of [...bulkIds].sort()) {
    const bulk = await lockForDecision(trx.selectFrom('bulks').select(['id', 'owner', 'count', 'reference', 'callback_url', 'completed_at']).where('id', '=', bulkId), dialect).executeTakeFirst();
    if (!bulk || bulk.completed_at !== null) continue;
    // The (bulk_id, state) index answers this at once; a bulk's counts are read only when it is done.
    const unfinished = await trx.selectFrom('messages').select('id').where('bulk_id', '=', bulkId).where('state', 'in', UNFINISHED_STATES).limit(1).executeTakeFirst();
    if (unfinished) continue;
    const byState = countsByState(await trx.selectFrom('messages').select(['state', ({ fn }) => fn.countAll<number>().as('count')]).where('bulk_id', '=', bulkId).groupBy('state').execute());
    const marked = await trx.updateTable('bulks').set({ completed_at: now }).where('id', '=', bulkId).where('completed_at', 'is', null).executeTakeFirst();
    // Only the transaction that marked it writes the event.
    if (Number(marked.numUpdatedRows) !== 1 || bulk.callback_url === null) continue;
    const data = { bulkId, count: bulk.count, byState, erased: erasedOf(bulk.count, byState), ...(bulk.reference !== null ? { reference: bulk.reference } : {}), at: new Date(now).toISOString() };
    await enqueueWebhooks(trx, [outboxRow('bulk.completed', bulk.owner, bulk.callback_url, data, { message_id: null, bulk_id: bulkId }, now)]);
  }
}
