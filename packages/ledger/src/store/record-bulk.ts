import type { z } from 'zod';
import type { BulkRow, NewMessageRow } from '../database.js';
import type { LedgerHasher } from '../ledger-hashing.js';
import { newBulkId, newMessageIds } from '../ledger-ids.js';
import { contentColumns, messageRowBase, newMessageRow } from '../message-row.js';
import type { BulkOutcome, NewBulkSchema } from '../new-records.js';
import { insertKeylessMessageRows } from './insert-chunks.js';
import { workOf, type DispatchQueue } from '../queue/dispatch-queue.js';
import type { Transact } from './transact.js';

type ParsedNewBulk = z.output<typeof NewBulkSchema>;

/**
 * The bulk row and one message record per recipient, in one transaction: a
 * bulk is recorded whole or not at all. With an idempotency key, a bulk the
 * owner already made with that key is answered instead (same template and
 * recipients: `existing`; anything different: `conflict`), and nothing is
 * written. As in recordMessages, the transaction starts with its write, and
 * a `queue` is handed the new records in it.
 */
export async function recordBulk(
  transact: Transact,
  bulk: ParsedNewBulk,
  recipients: readonly string[],
  hasher: LedgerHasher,
  now: number,
  queue?: DispatchQueue,
): Promise<BulkOutcome> {
  const { template, owner, reference, idempotencyKey } = bulk;
  const bulkRow: BulkRow = {
    id: newBulkId(),
    owner,
    count: recipients.length,
    idempotency_key: idempotencyKey ?? null,
    fingerprint: idempotencyKey === undefined ? null : hasher.bulkFingerprint({ ...template, reference }, recipients),
    created_at: now,
    callback_url: bulk.callbackUrl ?? null,
    completed_at: null,
    ...contentColumns(template, reference, hasher),
  };

  return transact(async (trx) => {
    const inserted = await trx
      .insertInto('bulks')
      .values(bulkRow)
      .onConflict((conflict) => conflict.columns(['owner', 'idempotency_key']).doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!inserted) {
      const holder = await trx.selectFrom('bulks').select(['id', 'count', 'fingerprint']).where('owner', '=', owner).where('idempotency_key', '=', idempotencyKey!).executeTakeFirstOrThrow();
      return holder.fingerprint === bulkRow.fingerprint ? { kind: 'existing', bulkId: holder.id, count: holder.count } : { kind: 'conflict', existingId: holder.id };
    }
    const rows = recipientRows(bulk, bulkRow.id, recipients, hasher, now);
    await insertKeylessMessageRows(trx, rows);
    await queue?.enqueue(
      trx,
      workOf(rows, () => template.text),
    );
    return { kind: 'created', bulkId: bulkRow.id, count: recipients.length };
  });
}

/** One row per recipient: the shared columns built once, then number, id and fingerprint. */
function recipientRows(bulk: ParsedNewBulk, bulkId: string, recipients: readonly string[], hasher: LedgerHasher, now: number): NewMessageRow[] {
  const { template, reference } = bulk;
  const base = messageRowBase(template, { ...bulk, bulkId, now }, hasher);
  const ids = newMessageIds(recipients.length);
  const fingerprintOf = hasher.fingerprintsFor({ ...template, reference });
  return recipients.map((to, index) => newMessageRow(base, { id: ids[index]!, to_number: to, idempotency_key: null, fingerprint: fingerprintOf(to) }));
}
