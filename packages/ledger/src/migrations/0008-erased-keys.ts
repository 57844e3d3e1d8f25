/*
 * KVKK erasure deletes a number's records, and with them their idempotency
 * keys: a client retrying such a message with its key would then send it
 * again, to a person who asked to be forgotten. `erased_keys` keeps, per
 * owner, an HMAC of each erased record's key (not the key: it may carry the
 * client's own reference to that person) until the key's retention would have
 * released it anyway, counted from the record's creation.
 */

import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('erased_keys')
    .addColumn('owner', 'text', (column) => column.notNull())
    .addColumn('key_hash', 'text', (column) => column.notNull())
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .addPrimaryKeyConstraint('erased_keys_key', ['owner', 'key_hash'])
    .execute();
}
