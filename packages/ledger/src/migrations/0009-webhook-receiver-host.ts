/*
 * The webhook sender sends at most a few events at once to one receiver host
 * (scheme, host and port). Its claims came oldest first whatever the host, so
 * a hanging receiver's backlog, once claimed, stood between the sender and
 * every other client's events. `receiver_host` lets a claim pass over the
 * hosts already at their cap. New rows carry it from their enqueue; rows
 * already there (and rows an older gateway writes during a rolling restart)
 * have '' and get their host from their URL when claimed. No back-fill: on
 * PostgreSQL it would hold the outbox's lock, and every message's change
 * that writes a webhook, for as long as it took.
 */

import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('webhook_outbox')
    .addColumn('receiver_host', 'text', (column) => column.notNull().defaultTo(''))
    .execute();
}
