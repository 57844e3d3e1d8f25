import type { Kysely } from 'kysely';
import { addSequenceColumn, dialectOf } from '../sql-dialect.js';

/*
 * The first ledger schema. A migration sees the database as it was in its own
 * time, hence `Kysely<any>`. Column types are the ones both SQLite and
 * PostgreSQL know: text, integer, bigint (times in ms since the epoch).
 * `state` has no CHECK: the delivery timeline will add states, and SQLite can
 * only change a CHECK by rebuilding the table; the store writes states from a
 * closed zod enum.
 */

export async function up(db: Kysely<any>): Promise<void> {
  const dialect = dialectOf(db);

  await db.schema
    .createTable('bulks')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('owner', 'text', (column) => column.notNull())
    .addColumn('count', 'integer', (column) => column.notNull())
    .addColumn('iys_type', 'text', (column) => column.notNull())
    .addColumn('recipient_type', 'text', (column) => column.notNull())
    .addColumn('sender', 'text')
    .addColumn('otp', 'integer', (column) => column.notNull())
    .addColumn('send_at', 'bigint')
    .addColumn('valid_until', 'bigint')
    .addColumn('reference', 'text')
    .addColumn('text', 'text')
    .addColumn('text_hash', 'text', (column) => column.notNull())
    .addColumn('text_length', 'integer', (column) => column.notNull())
    .addColumn('encoding', 'text', (column) => column.notNull())
    .addColumn('shift', 'text')
    .addColumn('segments', 'integer', (column) => column.notNull())
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .execute();
  await db.schema.createIndex('bulks_owner_created_at').on('bulks').columns(['owner', 'created_at']).execute();

  await addSequenceColumn(db.schema.createTable('messages'), 'seq', dialect)
    .addColumn('id', 'text', (column) => column.notNull().unique())
    .addColumn('owner', 'text', (column) => column.notNull())
    // No ON DELETE: a bulk row is deleted only once no message refers to it.
    .addColumn('bulk_id', 'text', (column) => column.references('bulks.id'))
    .addColumn('idempotency_key', 'text')
    .addColumn('fingerprint', 'text', (column) => column.notNull())
    .addColumn('state', 'text', (column) => column.notNull())
    .addColumn('reason', 'text')
    .addColumn('priority', 'integer', (column) => column.notNull())
    .addColumn('due_at', 'bigint', (column) => column.notNull())
    .addColumn('to_number', 'text', (column) => column.notNull())
    .addColumn('iys_type', 'text', (column) => column.notNull())
    .addColumn('recipient_type', 'text', (column) => column.notNull())
    .addColumn('sender', 'text')
    .addColumn('otp', 'integer', (column) => column.notNull())
    .addColumn('send_at', 'bigint')
    .addColumn('valid_until', 'bigint')
    .addColumn('reference', 'text')
    .addColumn('text', 'text')
    .addColumn('text_hash', 'text', (column) => column.notNull())
    .addColumn('text_length', 'integer', (column) => column.notNull())
    .addColumn('encoding', 'text', (column) => column.notNull())
    .addColumn('shift', 'text')
    .addColumn('segments', 'integer', (column) => column.notNull())
    .addColumn('provider_id', 'text')
    .addColumn('account_id', 'text')
    .addColumn('provider_message_id', 'text')
    .addColumn('simulated', 'integer', (column) => column.notNull())
    .addColumn('attempts', 'text', (column) => column.notNull())
    .addColumn('issues', 'text')
    // A plain id, no foreign key: the original may be pruned before its resend,
    // and a foreign key would need one more index to keep deletes fast.
    .addColumn('resend_of', 'text')
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .addColumn('updated_at', 'bigint', (column) => column.notNull())
    .addColumn('dispatched_at', 'bigint')
    .addColumn('finished_at', 'bigint')
    // Both databases let any number of NULL keys through a unique constraint, and
    // refuse the second insert of one (owner, key) even when two race: this is
    // what makes a retried request one record.
    .addUniqueConstraint('messages_owner_idempotency_key', ['owner', 'idempotency_key'])
    .execute();

  const indexes: Array<[name: string, columns: string[]]> = [
    // claimDue: the queued records, best priority first, oldest due first.
    ['messages_claim', ['state', 'priority', 'due_at', 'seq']],
    // list for one client, newest first.
    ['messages_owner_seq', ['owner', 'seq']],
    // bulkProgress, and the foreign key check when a bulk row is deleted.
    ['messages_bulk_state', ['bulk_id', 'state']],
    // list by number, and eraseNumber.
    ['messages_to_number', ['to_number']],
    // stats by state; finding records stuck in a state.
    ['messages_state_updated_at', ['state', 'updated_at']],
    // prune: records and idempotency keys older than a retention.
    ['messages_created_at', ['created_at']],
  ];
  for (const [name, columns] of indexes) {
    await db.schema.createIndex(name).on('messages').columns(columns).execute();
  }
}
