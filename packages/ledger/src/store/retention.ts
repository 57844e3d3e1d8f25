import type { ExpressionBuilder, Kysely } from 'kysely';
import type { LedgerDatabase } from '../database.js';
import type { LedgerHasher } from '../ledger-hashing.js';
import type { DispatchQueue } from '../queue/dispatch-queue.js';
import { lockNumber, MAX_BOUND_PARAMETERS, type SqlDialect } from '../sql-dialect.js';
import { chunksOf } from './insert-chunks.js';
import { UNFINISHED_STATES } from '../message-record.js';
import type { PruneResult } from '../retention-options.js';

/**
 * KVKK: records are kept only as long as they are needed. The retention runs
 * from when a record was created, or from its sendAt if it was sent after that
 * (ranOutBy), and so does an idempotency key's (a bulk's and an erased
 * record's too). A record still owed a send or an answer (`queued`,
 * `dispatching`) is never deleted, however old, and keeps its idempotency key:
 * a replay of its request must still find it. A bulk row goes once it is old
 * and none of its records is left.
 */
export async function prune(db: Kysely<LedgerDatabase>, options: { now: number; retentionMs: number; idempotencyRetentionMs: number }): Promise<PruneResult> {
  const recordCutoff = options.now - options.retentionMs;
  const keyCutoff = options.now - options.idempotencyRetentionMs;
  // The records in transactions of PRUNE_CHUNK each: a first prune after a long time, or a shorter retention, may
  // delete millions, which in one statement outlasted PostgreSQL's statement timeout (and nothing was pruned, ever)
  // and on SQLite held the event loop for all of it. What a chunk deleted stays deleted if a later one fails.
  const deletedMessages = await inChunks(async () => {
    const result = await db
      .deleteFrom('messages')
      .where('id', 'in', (sub) =>
        sub
          .selectFrom('messages')
          .select('id')
          .where(ranOutBy(recordCutoff))
          .where('state', 'not in', UNFINISHED_STATES)
          .limit(PRUNE_CHUNK),
      )
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  });
  // The keys the same way: the first prune after one that never finished may clear millions.
  const clearedMessageKeys = await inChunks(async () => {
    const result = await db
      .updateTable('messages')
      .set({ idempotency_key: null })
      .where('id', 'in', (sub) =>
        sub
          .selectFrom('messages')
          .select('id')
          .where('idempotency_key', 'is not', null)
          .where(ranOutBy(keyCutoff))
          .where('state', 'not in', UNFINISHED_STATES)
          .limit(PRUNE_CHUNK),
      )
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  });
  return db.transaction().execute(async (trx) => {
    const bulks = await trx
      .deleteFrom('bulks')
      .where('created_at', '<', recordCutoff)
      // Its row holds its key: a scheduled bulk whose records were all erased keeps it for its window after its sendAt.
      .where(bulkDuePassedBy(keyCutoff))
      .where(({ not, exists, selectFrom }) => not(exists(selectFrom('messages').select('messages.id').whereRef('messages.bulk_id', '=', 'bulks.id'))))
      .executeTakeFirst();
    // An erased record's key is released when the record's own would have been.
    const erasedKeys = await trx.deleteFrom('erased_keys').where('created_at', '<', keyCutoff).executeTakeFirst();
    const bulkKeys = await trx
      .updateTable('bulks')
      .set({ idempotency_key: null })
      .where('idempotency_key', 'is not', null)
      .where('created_at', '<', keyCutoff)
      .where(bulkDuePassedBy(keyCutoff))
      .where(({ not, exists, selectFrom }) =>
        not(exists(selectFrom('messages').select('messages.id').whereRef('messages.bulk_id', '=', 'bulks.id').where('messages.state', 'in', UNFINISHED_STATES))),
      )
      .executeTakeFirst();
    return {
      deletedMessages,
      deletedBulks: Number(bulks.numDeletedRows),
      clearedIdempotencyKeys: clearedMessageKeys + Number(bulkKeys.numUpdatedRows) + Number(erasedKeys.numDeletedRows),
    };
  });
}

/**
 * Whether a record's time ran out by `cutoff`: it runs from its creation, or
 * from its sendAt when that is later and it was sent then (one sent 40 days
 * after it was recorded still awaits its reports, and a repeat of its request
 * just after must not send it twice). One finished before its sendAt (canceled)
 * runs from its creation, or from when it finished: it will never be sent.
 */
function ranOutBy(cutoff: number) {
  return (eb: ExpressionBuilder<LedgerDatabase, 'messages'>) =>
    eb.and([eb('created_at', '<', cutoff), eb.or([eb('send_at', 'is', null), eb('send_at', '<', cutoff), eb('finished_at', '<', cutoff)])]);
}

/** The same for a bulk's sendAt: passed by `cutoff`, or the bulk completed before it (all of it canceled). */
function bulkDuePassedBy(cutoff: number) {
  return (eb: ExpressionBuilder<LedgerDatabase, 'bulks'>) => eb.or([eb('send_at', 'is', null), eb('send_at', '<', cutoff), eb('completed_at', '<', cutoff)]);
}

/** When an erased record's key window starts, as ranOutBy counts it: its creation, or its sendAt if it had not finished before. */
function keyWindowStart(record: { created_at: number; send_at: number | null; finished_at: number | null }): number {
  if (record.send_at === null) return record.created_at;
  const due = record.finished_at !== null && record.finished_at < record.send_at ? record.finished_at : record.send_at;
  return Math.max(record.created_at, due);
}

/** Records a prune deletes (or whose keys it clears) in one statement: with their events and timeline steps, well under a second. */
const PRUNE_CHUNK = 5_000;

/** Runs `chunk` (one statement on at most PRUNE_CHUNK records) until one does fewer; the records it did in all. */
async function inChunks(chunk: () => Promise<number>): Promise<number> {
  let total = 0;
  let done: number;
  do {
    done = await chunk();
    total += done;
  } while (done === PRUNE_CHUNK);
  return total;
}

/**
 * KVKK erasure: every record sent to the number, whatever its state. Returns
 * how many went. The idempotency keys of those records stay behind as hashes
 * (erased_keys), so that a client's retry under one sends nothing. Holds
 * the number's lock (lockNumber) from its first statement: a resend's copy to
 * the number is recorded wholly before (and deleted here) or after (and then
 * finds its original gone, see recordResend).
 */
export async function eraseNumber(db: Kysely<LedgerDatabase>, dialect: SqlDialect, hasher: LedgerHasher, to: string, queue?: Pick<DispatchQueue, 'forgetErasedTexts'>): Promise<number> {
  return db.transaction().execute(async (trx) => {
    await lockNumber(trx, to, dialect);
    const erased = await trx.deleteFrom('messages').where('to_number', '=', to).returning(['id', 'owner', 'idempotency_key', 'created_at', 'send_at', 'finished_at', 'bulk_id']).execute();
    // The shared queue's copy of an OTP's text (sealed) goes in the same transaction.
    await queue?.forgetErasedTexts(trx, erased.map(({ id }) => id));
    // Pushed reports held for a later match name their message by an id that may carry the number (a request id, "+",
    // the number's digits: Message Center's): they go too, matched or not.
    await trx.deleteFrom('held_reports').where('provider_message_id', 'like', `%+${to.slice(1)}`).execute();
    // A bulk left with no record (one sent to this number alone) keeps its text and reference no longer: they were this
    // person's. The bulk itself stays, its key and counts (erased) with it, so a repeat of it sends nothing again. A bulk
    // still writing its records needs its text for those.
    const bulkIds = [...new Set(erased.flatMap(({ bulk_id: bulkId }) => (bulkId === null ? [] : [bulkId])))];
    for (const chunk of chunksOf(bulkIds, MAX_BOUND_PARAMETERS)) {
      await trx
        .updateTable('bulks')
        .set({ text: null, reference: null })
        .where('id', 'in', chunk)
        .where('recording', '=', 0)
        .where(({ not, exists, selectFrom }) => not(exists(selectFrom('messages').select('messages.id').whereRef('messages.bulk_id', '=', 'bulks.id'))))
        .execute();
    }
    // Dated as the record's own key window runs: a scheduled record's from its sendAt, so a retry before then sends nothing to the number.
    const keys = erased.flatMap((record) => (record.idempotency_key === null ? [] : [{ owner: record.owner, key_hash: hasher.erasedKey(record.idempotency_key), created_at: keyWindowStart(record) }]));
    for (const chunk of chunksOf(keys, Math.floor(MAX_BOUND_PARAMETERS / 3))) {
      await trx
        .insertInto('erased_keys')
        .values(chunk)
        .onConflict((conflict) => conflict.columns(['owner', 'key_hash']).doNothing())
        .execute();
    }
    return erased.length;
  });
}
