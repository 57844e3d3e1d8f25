import { sql, type Kysely } from 'kysely';

/*
 * Deleting a message deletes its webhook events (a foreign key, ON DELETE
 * CASCADE), and without an index on their message id each deleted message
 * read the whole outbox: on PostgreSQL, pruning 20,000 messages beside 61,000
 * events took 483 s — past the statement timeout, so neither retention
 * pruning nor an erasure of a number's records ever finished. Only events
 * about a message have one (a bulk's have none): a partial index.
 */

export async function up(db: Kysely<any>): Promise<void> {
  // If not there already: an operator may have built it beforehand, CONCURRENTLY (docs/deployment.md).
  await db.schema
    .createIndex('webhook_outbox_message')
    .ifNotExists()
    .on('webhook_outbox')
    .column('message_id')
    .where(sql<boolean>`message_id is not null`)
    .execute();
}
