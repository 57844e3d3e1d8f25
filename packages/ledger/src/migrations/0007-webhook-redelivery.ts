/*
 * An operator's second chance for a webhook event. `retry_from` starts the
 * event's 24 h retry window again when an operator turns its receiver back on
 * or redelivers it (counted from its creation, an event held a day behind a
 * 410 was given up at its first failure after). `leased_until` says a sender
 * has it on its way, so a redelivery cannot send it a second time at once.
 */

import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('webhook_outbox').addColumn('retry_from', 'bigint').execute();
  await db.schema.alterTable('webhook_outbox').addColumn('leased_until', 'bigint').execute();
}
