/*
 * A pushed delivery report can outrun the write of its message's send result,
 * and a provider does not push it again (Infobip hands a report out once, by
 * push or by pull). Such reports were held in the process's memory for their
 * rematches: a gateway restarted meanwhile lost them, and the message ended
 * `expired` although it was delivered. `held_reports` keeps them, until they
 * match their message or their last rematch has passed — any process that
 * takes pushes rematches them. Only what a report says (state, reason,
 * code, time), never the number it was sent to.
 */

import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('held_reports')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('provider_id', 'text', (column) => column.notNull())
    .addColumn('provider_message_id', 'text', (column) => column.notNull())
    .addColumn('report', 'text', (column) => column.notNull())
    .addColumn('received_at', 'bigint', (column) => column.notNull())
    .addColumn('due_at', 'bigint', (column) => column.notNull())
    .addColumn('rematches', 'integer', (column) => column.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('held_reports_due').on('held_reports').column('due_at').execute();
}
