import { sql, type Kysely } from 'kysely';

/*
 * The embedded store records a large bulk in slices, each a transaction of
 * its own, so that writing 100,000 records does not hold the event loop for
 * seconds (every other request, an OTP's among them, waited that long).
 * `bulks.recording` is 1 while its records are being written: none of them
 * is claimed until it is 0 again, and a bulk a crash left at 1 is deleted at
 * the next start, its records with it — it was never answered 202. The
 * partial index finds the few bulks recording at a time (the claim asks on
 * every call); PostgreSQL records a bulk in one transaction and never sets it.
 */

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('bulks').addColumn('recording', 'integer', (column) => column.notNull().defaultTo(0)).execute();
  await db.schema.createIndex('bulks_recording').on('bulks').column('id').where(sql<boolean>`recording = 1`).execute();
}
