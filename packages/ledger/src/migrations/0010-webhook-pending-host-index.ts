import { sql, type Kysely } from 'kysely';

/*
 * A webhook claim that passes over receiver hosts at their cap (a hanging
 * receiver's backlog) read past every due event of those hosts, in due
 * order. This index orders pending events by host, then due time: the claim
 * lists the hosts by stepping through it, and reads each other host's oldest
 * due events from it. Pending events only (a partial index): delivered and
 * dead events, most of the outbox, cost it nothing. Without `state` among
 * its columns: PostgreSQL leaves a column the predicate fixes out of the
 * index condition, and a leading one left out made it scan the whole index.
 */

export async function up(db: Kysely<any>): Promise<void> {
  // If not there already: an operator may have built it beforehand, CONCURRENTLY (docs/deployment.md).
  await db.schema
    .createIndex('webhook_outbox_pending_host')
    .ifNotExists()
    .on('webhook_outbox')
    .columns(['receiver_host', 'due_at'])
    .where(sql<boolean>`state = 'pending'`)
    .execute();
}
