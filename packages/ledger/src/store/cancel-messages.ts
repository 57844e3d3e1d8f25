import type { Kysely } from 'kysely';
import type { LedgerDatabase, MessageRow } from '../database.js';
import { completeBulks } from './bulk-completion.js';
import { writeEvents } from './message-events.js';
import type { Transact } from './transact.js';

/*
 * A queued message taken back before it is sent: `canceled`, a final state,
 * with its timeline step and — where the message has a callback URL — a
 * `message.canceled` webhook, in the transaction that cancels it; a bulk whose
 * last unfinished records these were is completed. Only a `queued` record is
 * canceled: one a dispatcher has claimed is on its way, and is sent. The
 * UPDATE checks the state itself, so a claim racing it (another worker on
 * PostgreSQL) either takes the record first, and the record is sent, or finds
 * it canceled: never both.
 */

/** Who asked, for the record's reason and its timeline. */
export type CancelledBy = 'client' | 'operator';

const REASON: Record<CancelledBy, string> = {
  client: 'canceled by its client before it was sent',
  operator: 'canceled by an operator before it was sent',
};

/** The one record, canceled, as written; undefined when it is not queued (or not the owner's, or not there). */
export async function cancelMessage(transact: Transact, id: string, owner: string | undefined, by: CancelledBy, now: number): Promise<MessageRow | undefined> {
  return transact(async (trx) => {
    let update = cancelUpdate(trx, by, now).where('id', '=', id);
    if (owner !== undefined) update = update.where('owner', '=', owner);
    const rows = await update.returningAll().execute();
    await announce(trx, rows, by, now);
    return rows[0];
  });
}

/** Up to `limit` of a bulk's queued records canceled in one transaction; returns how many. */
export async function cancelBulkSlice(transact: Transact, bulkId: string, by: CancelledBy, limit: number, now: number): Promise<number> {
  return transact(async (trx) => {
    // The (bulk_id, state) index finds them; the outer state check is the one that holds against a claim made meanwhile.
    const picked = trx.selectFrom('messages').select('id').where('bulk_id', '=', bulkId).where('state', '=', 'queued').limit(limit);
    const rows = await cancelUpdate(trx, by, now).where('id', 'in', picked).returningAll().execute();
    await announce(trx, rows, by, now);
    return rows.length;
  });
}

function cancelUpdate(trx: Kysely<LedgerDatabase>, by: CancelledBy, now: number) {
  return trx
    .updateTable('messages')
    .set({ state: 'canceled', reason: REASON[by], updated_at: now, finished_at: now })
    .where('state', '=', 'queued');
}

/** The timeline steps and webhooks of the canceled rows, and their bulks completed where these were the last. */
async function announce(trx: Kysely<LedgerDatabase>, rows: readonly MessageRow[], by: CancelledBy, now: number): Promise<void> {
  if (rows.length === 0) return;
  await writeEvents(
    trx,
    rows.map((row) => ({ subject: row, kind: 'state', state: 'canceled', reason: REASON[by], source: 'cancel', at: now, webhook: 'message.canceled', status: 'canceled' })),
    now,
  );
  await completeBulks(trx, [...new Set(rows.flatMap((row) => (row.bulk_id === null ? [] : [row.bulk_id])))], now);
}
