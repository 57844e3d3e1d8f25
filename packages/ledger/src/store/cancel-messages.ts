import type { Kysely } from 'kysely';
import type { LedgerDatabase, MessageRow } from '../database.js';
import { completeBulks } from './bulk-completion.js';
import { writeEvents } from './message-events.js';
import type { Transact } from './transact.js';
import { chunksOf } from './insert-chunks.js';
import { lockForClaim, MAX_BOUND_PARAMETERS, type SqlDialect } from '../sql-dialect.js';

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

/**
 * Up to `limit` of a bulk's queued records canceled in one transaction:
 * how many it picked, and how many of those it canceled (fewer where a claim
 * took some first). On PostgreSQL the pick locks its rows in id order and
 * skips rows another transaction holds (a worker's claim), as claimDue does:
 * a cancel never waits on a claim, nor a claim on it. The caller goes on
 * until a slice picks nothing: a slice that cancels fewer than it asked for
 * says nothing of what is left.
 */
export async function cancelBulkSlice(transact: Transact, dialect: SqlDialect, bulkId: string, by: CancelledBy, limit: number, now: number): Promise<{ picked: number; canceled: number }> {
  return transact(async (trx) => {
    const pick = trx.selectFrom('messages').select('id').where('bulk_id', '=', bulkId).where('state', '=', 'queued').orderBy('id').limit(limit);
    const ids = (await lockForClaim(pick, dialect).execute()).map((row) => row.id);
    if (ids.length === 0) return { picked: 0, canceled: 0 };
    const rows: MessageRow[] = [];
    for (const chunk of chunksOf(ids, MAX_BOUND_PARAMETERS - 16)) rows.push(...(await cancelUpdate(trx, by, now).where('id', 'in', chunk).returningAll().execute()));
    await announce(trx, rows, by, now);
    return { picked: ids.length, canceled: rows.length };
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
