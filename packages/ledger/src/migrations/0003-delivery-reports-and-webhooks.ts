import type { Kysely } from 'kysely';
import { addSequenceColumn, dialectOf } from '../sql-dialect.js';

/*
 * Delivery reports and webhooks. A message accepted by a provider is then
 * followed to its delivery: the last report's state on the message row, every
 * state it went through in `message_events` (its timeline), and when its
 * status is next read (`report_due_at`; NULL when there is nothing to read).
 * Each event a client should hear of is written, in the same transaction as
 * the change it announces, to `webhook_outbox`, which the webhook sender
 * works through (at least once); `webhook_endpoints` remembers receivers that
 * answered 410 and are off until an operator turns them back on.
 */

export async function up(db: Kysely<any>): Promise<void> {
  const dialect = dialectOf(db);
  const messages = [
    ['callback_url', 'text'],
    ['delivery_state', 'text'],
    ['delivery_reason', 'text'],
    ['delivery_code', 'text'],
    ['delivery_at', 'bigint'],
    ['report_due_at', 'bigint'],
    ['accepted_at', 'bigint'],
  ] as const;
  for (const [name, type] of messages) await db.schema.alterTable('messages').addColumn(name, type).execute();
  await db.schema.alterTable('messages').addColumn('delivery_final', 'integer', (column) => column.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('messages').addColumn('report_checks', 'integer', (column) => column.notNull().defaultTo(0)).execute();
  await db.schema.createIndex('messages_report_due_at').on('messages').column('report_due_at').execute();
  await db.schema.createIndex('messages_provider_message').on('messages').columns(['provider_id', 'provider_message_id']).execute();

  await db.schema.alterTable('bulks').addColumn('callback_url', 'text').execute();
  await db.schema.alterTable('bulks').addColumn('completed_at', 'bigint').execute();

  await addSequenceColumn(db.schema.createTable('message_events'), 'seq', dialect)
    .addColumn('message_id', 'text', (column) => column.notNull().references('messages.id').onDelete('cascade'))
    // `state` for the message's own states (accepted, failed, …), `delivery` for a provider's reports.
    .addColumn('kind', 'text', (column) => column.notNull())
    .addColumn('state', 'text', (column) => column.notNull())
    .addColumn('reason', 'text')
    .addColumn('provider_code', 'text')
    // `poll`, `push`, `dispatch`, `recovery` or `expiry`: where the event came from.
    .addColumn('source', 'text', (column) => column.notNull())
    .addColumn('at', 'bigint', (column) => column.notNull())
    .addColumn('recorded_at', 'bigint', (column) => column.notNull())
    .execute();
  await db.schema.createIndex('message_events_message').on('message_events').columns(['message_id', 'seq']).execute();

  await db.schema
    .createTable('webhook_outbox')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('owner', 'text', (column) => column.notNull())
    .addColumn('url', 'text', (column) => column.notNull())
    .addColumn('type', 'text', (column) => column.notNull())
    .addColumn('payload', 'text', (column) => column.notNull())
    // The message an event is about: erasing a number's records erases its pending events too.
    .addColumn('message_id', 'text', (column) => column.references('messages.id').onDelete('cascade'))
    .addColumn('bulk_id', 'text')
    // pending → delivered | dead; held while its endpoint is off.
    .addColumn('state', 'text', (column) => column.notNull())
    .addColumn('attempts', 'integer', (column) => column.notNull().defaultTo(0))
    .addColumn('due_at', 'bigint', (column) => column.notNull())
    .addColumn('last_status', 'integer')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .addColumn('updated_at', 'bigint', (column) => column.notNull())
    .addColumn('delivered_at', 'bigint')
    .execute();
  await db.schema.createIndex('webhook_outbox_due').on('webhook_outbox').columns(['state', 'due_at']).execute();
  await db.schema.createIndex('webhook_outbox_url').on('webhook_outbox').columns(['url', 'state']).execute();

  await db.schema
    .createTable('webhook_endpoints')
    .addColumn('url', 'text', (column) => column.primaryKey())
    .addColumn('disabled_at', 'bigint')
    .addColumn('disabled_reason', 'text')
    .execute();
}
