import { sql, type Kysely } from 'kysely';
import type { z } from 'zod';
import type { BulkRow, LedgerDatabase, NewMessageRow } from '../database.js';
import type { LedgerHasher } from '../ledger-hashing.js';
import { newBulkId, newMessageIds } from '../ledger-ids.js';
import { contentColumns, messageRowBase, newMessageRow } from '../message-row.js';
import type { BulkOutcome, NewBulkSchema } from '../new-records.js';
import { insertKeylessMessageRows } from './insert-chunks.js';
import { workOf, type DispatchQueue } from '../queue/dispatch-queue.js';
import type { WritePath } from './transact.js';
import { lockIdempotencyKeys, type SqlDialect } from '../sql-dialect.js';

type ParsedNewBulk = z.output<typeof NewBulkSchema>;

/** What recordBulk needs of its store. */
export interface BulkRecorder {
  dialect: SqlDialect;
  writes: WritePath;
  hasher: LedgerHasher;
  queue: DispatchQueue | undefined;
  /** The bulks this store is recording in slices now: id → whether its recording ended whole (false: it failed and is gone). */
  recordings: Map<string, Promise<boolean>>;
}

/**
 * The bulk row and one message record per recipient: a bulk is recorded
 * whole or not at all. With an idempotency key, a bulk the owner already
 * made with that key is answered instead (same template and recipients:
 * `existing`; anything different: `conflict`), and nothing is written. As in
 * recordMessages, the transaction starts with its write, and a `queue` is
 * handed the new records in it.
 *
 * One transaction, unless the store cuts bulks (`writes.bulkSlice`: the
 * embedded store, see store/transact). Then the records go in slices, each a
 * transaction of its own, so that the event loop turns between them (100,000
 * records in one transaction held it 2–3 s, and every other request with it),
 * and "whole or not at all" is kept another way: the bulk is
 * `recording` until its last slice, none of its records is claimed meanwhile,
 * a failure deletes what was written, and a crash leaves a bulk start-up
 * deletes (`deleteUnrecordedBulks`). Only the call that answers 202 says it exists.
 */
export async function recordBulk(store: BulkRecorder, bulk: ParsedNewBulk, recipients: readonly string[], now: number): Promise<BulkOutcome> {
  const { dialect, writes, hasher, queue, recordings } = store;
  const { template, owner, reference, idempotencyKey } = bulk;
  const slice = writes.bulkSlice;
  const sliced = recipients.length > slice;
  const bulkRow: BulkRow = {
    id: newBulkId(),
    owner,
    count: recipients.length,
    idempotency_key: idempotencyKey ?? null,
    fingerprint: idempotencyKey === undefined ? null : hasher.bulkFingerprint({ ...template, reference }, recipients),
    created_at: now,
    callback_url: bulk.callbackUrl ?? null,
    completed_at: null,
    recording: sliced ? 1 : 0,
    ...contentColumns(template, reference, hasher),
  };
  // Rows are made a slice at a time (ids, fingerprints): made all at once, 100,000 of them held the event loop half a second.
  const rowsOf = recipientRows(bulk, bulkRow.id, recipients, hasher, now);
  const first = rowsOf(0, sliced ? slice : recipients.length);

  // Settled once this call knows whether the bulk ended whole; a retry under its key in this process waits for it.
  let ended!: (whole: boolean) => void;
  const whole = new Promise<boolean>((resolve) => (ended = resolve));
  let stillRecording = false;
  let outcome: BulkOutcome;
  try {
    outcome = await (sliced ? writes.ahead() : writes.lane(first.length))(async (trx): Promise<BulkOutcome> => {
      // One key stands for one send, whichever route made it: a key of the owner's message (or an erased one's) is not a bulk's too.
      // Locked first: a message's transaction recording under it now is waited for, and seen.
      if (idempotencyKey !== undefined) await lockIdempotencyKeys(trx, [{ owner, key: idempotencyKey }], dialect);
      const taken = idempotencyKey === undefined ? undefined : await keyOfAMessage(trx, hasher, owner, idempotencyKey);
      if (taken) return taken;
      const inserted = await trx
        .insertInto('bulks')
        .values(bulkRow)
        .onConflict((conflict) => conflict.columns(['owner', 'idempotency_key']).doNothing())
        .returning('id')
        .executeTakeFirst();
      if (!inserted) {
        const holder = await trx.selectFrom('bulks').select(['id', 'count', 'fingerprint', 'recording']).where('owner', '=', owner).where('idempotency_key', '=', idempotencyKey!).executeTakeFirstOrThrow();
        stillRecording = holder.recording === 1;
        return holder.fingerprint === bulkRow.fingerprint ? { kind: 'existing', bulkId: holder.id, count: holder.count } : { kind: 'conflict', existingId: holder.id };
      }
      // Known before the row is seen: a retry's transaction can only come after this one.
      if (sliced) recordings.set(bulkRow.id, whole);
      await insertKeylessMessageRows(trx, first);
      await queue?.enqueue(
        trx,
        workOf(first, () => template.text),
      );
      return { kind: 'created', bulkId: bulkRow.id, count: recipients.length };
    });
  } catch (error) {
    ended(false);
    recordings.delete(bulkRow.id);
    throw error;
  }
  if (outcome.kind === 'existing' && stillRecording) {
    // A retry while the first call still records: answered as the first call will be, never before. A bulk that
    // another process records (or left when it died, until it starts again) cannot be waited for here: the caller retries.
    const recording = recordings.get(outcome.bulkId);
    if (!recording) return { kind: 'recording', bulkId: outcome.bulkId };
    return (await recording) ? outcome : recordBulk(store, bulk, recipients, now);
  }
  if (outcome.kind !== 'created' || !sliced) return outcome;

  try {
    for (let start = slice; start < recipients.length; start += slice) {
      const part = rowsOf(start, start + slice);
      // Ahead of the dispatcher's work: behind its units of 800, each slice waited ~100 ms and a bulk recorded beside a
      // CAMPAIGN being sent took 20–40 s (bench/ledger (d)'s backlog), where in one transaction it took 2–3 s.
      await writes.ahead()(async (trx) => {
        await insertKeylessMessageRows(trx, part);
        await queue?.enqueue(
          trx,
          workOf(part, () => template.text),
        );
      });
    }
    const marked = await writes.lane(1)((trx) => trx.updateTable('bulks').set({ recording: 0 }).where('id', '=', bulkRow.id).executeTakeFirst());
    // Gone meanwhile: another process on the file started and deleted it as a crash's leftover. Never a 202 for it.
    if (Number(marked.numUpdatedRows) !== 1) throw new Error(`the bulk ${bulkRow.id} was deleted while it was being recorded (another process on the ledger file started); nothing of it is sent`);
    ended(true);
  } catch (error) {
    // Not recorded: nothing of it stays, so nothing of it is sent (its records were never claimable).
    await writes.lane(recipients.length)((trx) => deleteBulk(trx, bulkRow.id)).catch(() => undefined);
    ended(false);
    throw error;
  } finally {
    recordings.delete(bulkRow.id);
  }
  return outcome;
}

/** What a bulk under `key` is answered when one of the owner's messages holds that key, or held it and was erased. */
async function keyOfAMessage(trx: Kysely<LedgerDatabase>, hasher: LedgerHasher, owner: string, key: string): Promise<BulkOutcome | undefined> {
  const message = await trx.selectFrom('messages').select('id').where('owner', '=', owner).where('idempotency_key', '=', key).executeTakeFirst();
  if (message) return { kind: 'conflict', existingId: message.id };
  const erased = await trx.selectFrom('erased_keys').select('owner').where('owner', '=', owner).where('key_hash', '=', hasher.erasedKey(key)).executeTakeFirst();
  return erased ? { kind: 'erased' } : undefined;
}

/** Deletes a bulk and its records (one that was never wholly recorded: no record of it was claimed). */
async function deleteBulk(trx: Kysely<LedgerDatabase>, bulkId: string): Promise<void> {
  await trx.deleteFrom('messages').where('bulk_id', '=', bulkId).execute();
  await trx.deleteFrom('bulks').where('id', '=', bulkId).execute();
}

/**
 * At start: bulks a crash left half-recorded (`recording`), with their
 * records. None was answered 202, and none of their records was claimed.
 * Returns how many bulks were deleted.
 */
export async function deleteUnrecordedBulks(db: Kysely<LedgerDatabase>): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const unrecorded = await trx.selectFrom('bulks').select('id').where(sql<boolean>`recording = 1`).execute();
    for (const { id } of unrecorded) await deleteBulk(trx, id);
    return unrecorded.length;
  });
}

/** The rows of recipients [start, end): the shared columns built once, then number, id and fingerprint. */
function recipientRows(bulk: ParsedNewBulk, bulkId: string, recipients: readonly string[], hasher: LedgerHasher, now: number): (start: number, end: number) => NewMessageRow[] {
  const { template, reference } = bulk;
  const base = messageRowBase(template, { ...bulk, bulkId, now }, hasher);
  const fingerprintOf = hasher.fingerprintsFor({ ...template, reference });
  return (start, end) => {
    const numbers = recipients.slice(start, end);
    const ids = newMessageIds(numbers.length);
    return numbers.map((to, index) => newMessageRow(base, { id: ids[index]!, to_number: to, idempotency_key: null, fingerprint: fingerprintOf(to) }));
  };
}
