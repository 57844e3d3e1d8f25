import type { Kysely } from 'kysely';

/*
 * Many processes on one database (the PostgreSQL store kind; harmless on
 * SQLite, where they stay empty or unused):
 * - `messages.claim_token`: which dispatch unit holds a `dispatching` record.
 *   A worker that lost its unit (its job expired and another worker took
 *   it) cannot say where the records go or write their results: every such
 *   write names the token.
 * - `messages.awaited`: a gateway is waiting for this message's result; its
 *   finish is announced (PostgreSQL NOTIFY) so the wait ends at once.
 * - `operator_overrides`: the operator's run-time rank, switch and breaker
 *   settings, so every process applies them, and a process started later too.
 * - `rate_limits`: per-account send limits held for all workers together
 *   (rate-limiter-flexible's PostgreSQL store, in its own layout).
 */

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('messages').addColumn('claim_token', 'text').execute();
  await db.schema.alterTable('messages').addColumn('awaited', 'integer', (column) => column.notNull().defaultTo(0)).execute();

  await db.schema
    .createTable('operator_overrides')
    .addColumn('provider_id', 'text', (column) => column.notNull())
    // '' for the provider itself (rank, enabled); an account id for a breaker.
    .addColumn('account_id', 'text', (column) => column.notNull())
    // `rank`, `enabled` or `breaker`.
    .addColumn('setting', 'text', (column) => column.notNull())
    .addColumn('value', 'text', (column) => column.notNull())
    .addColumn('changed_by', 'text')
    .addColumn('changed_at', 'bigint', (column) => column.notNull())
    .addPrimaryKeyConstraint('operator_overrides_key', ['provider_id', 'account_id', 'setting'])
    .execute();

  await db.schema
    .createTable('rate_limits')
    .addColumn('key', 'varchar(255)', (column) => column.primaryKey())
    .addColumn('points', 'integer', (column) => column.notNull().defaultTo(0))
    .addColumn('expire', 'bigint')
    .execute();
}
