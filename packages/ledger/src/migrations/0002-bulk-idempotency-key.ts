import type { Kysely } from 'kysely';

/*
 * A bulk may carry an idempotency key. A retried campaign request is the
 * costliest duplicate there is (up to 100,000 SMS), and a bulk's recipients
 * carry no key of their own. The fingerprint covers the template and the list
 * of numbers; both columns stay NULL for a bulk sent without a key.
 */

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('bulks').addColumn('idempotency_key', 'text').execute();
  await db.schema.alterTable('bulks').addColumn('fingerprint', 'text').execute();
  await db.schema.createIndex('bulks_owner_idempotency_key').on('bulks').columns(['owner', 'idempotency_key']).unique().execute();
}
