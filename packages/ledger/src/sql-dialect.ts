import { PostgresAdapter, sql, SqliteAdapter, type CreateTableBuilder, type Kysely, type SelectQueryBuilder, type UpdateQueryBuilder } from 'kysely';

/*
 * The few things SQLite and PostgreSQL cannot say the same way, kept here so the
 * rest of the package is Kysely that compiles to both. A function below is
 * the only place a dialect's name appears in a query.
 */

export type SqlDialect = 'sqlite' | 'postgres';

/**
 * Which database a Kysely instance talks to, read from its adapter. Takes
 * `Kysely<any>` because migrations see the schema of their own time.
 */
export function dialectOf(db: Kysely<any>): SqlDialect {
  const adapter = db.getExecutor().adapter;
  if (adapter instanceof SqliteAdapter) return 'sqlite';
  if (adapter instanceof PostgresAdapter) return 'postgres';
  throw new Error(`the ledger has no store for the ${adapter.constructor.name} database adapter`);
}

/**
 * The auto-increment primary key `seq`. SQLite: `integer primary key
 * autoincrement` (AUTOINCREMENT so that a deleted newest row's number is never
 * handed out again: a cursor must never meet a newer record at an older place).
 * PostgreSQL: `bigint generated always as identity` (a sequence never hands
 * a number out twice either).
 */
export function addSequenceColumn<T extends string, C extends string>(
  table: CreateTableBuilder<T, C>,
  name: string,
  dialect: SqlDialect,
): CreateTableBuilder<T, C | string> {
  switch (dialect) {
    case 'sqlite':
      return table.addColumn(name, 'integer', (column) => column.primaryKey().autoIncrement());
    case 'postgres':
      return table.addColumn(name, 'bigint', (column) => column.primaryKey().generatedAlwaysAsIdentity());
  }
}

/**
 * The rows a claim picks, made safe against a concurrent claimer. SQLite lets
 * one writer at a time in, so `UPDATE … WHERE id IN (SELECT … LIMIT n)` is
 * already atomic. PostgreSQL adds FOR UPDATE SKIP LOCKED, so two workers'
 * claims skip each other's rows instead of waiting for, or taking, the same ones.
 */
export function lockForClaim<Q extends SelectQueryBuilder<any, any, any>>(query: Q, dialect: SqlDialect): Q {
  switch (dialect) {
    case 'sqlite':
      return query;
    case 'postgres':
      return query.forUpdate().skipLocked() as Q;
  }
}

/**
 * A row read to decide a write that a concurrent transaction may decide too.
 * SQLite has one writer at a time, so the read is already alone. PostgreSQL
 * adds FOR UPDATE: the second transaction waits for the first to commit, and
 * its next statement then sees what the first wrote.
 */
export function lockForDecision<Q extends SelectQueryBuilder<any, any, any>>(query: Q, dialect: SqlDialect): Q {
  switch (dialect) {
    case 'sqlite':
      return query;
    case 'postgres':
      return query.forUpdate() as Q;
  }
}

/**
 * The claim's second look at the rows it picked: on PostgreSQL another
 * claimer may have taken one between the pick and the update, so the update
 * keeps only rows still `queued`. SQLite runs the pick and the update as one
 * statement under its one writer, so nothing can change in between; and
 * there the extra condition is harmful: SQLite's planner takes it to search
 * the state index and checks every queued row against the picked ids — a
 * claim of 800 from a backlog of 100,000 read all 100,000 (60–130 ms instead
 * of a few).
 */
export function recheckClaimed<Q extends UpdateQueryBuilder<any, any, any, any>>(update: Q, dialect: SqlDialect): Q {
  switch (dialect) {
    case 'sqlite':
      return update;
    case 'postgres':
      return update.where('state', '=', 'queued') as Q;
  }
}

/** The first key of the ledger's advisory locks on numbers ('rota'): pg-boss's locks are single 64-bit keys, another key space. */
const NUMBER_LOCKS = 0x726f7461;

/**
 * Serializes, per phone number, the transactions that erase a number's
 * records and those that copy a record to it (an operator's resend), so that
 * one of them runs wholly before the other. SQLite has one writer at a time:
 * they are serial already. PostgreSQL: under READ COMMITTED an erasure's
 * DELETE does not see a copy committed after it began, and the copy's look
 * at its original does not see the erasure until it commits, so both take a
 * transaction-scoped advisory lock keyed by a hash of the number (a
 * collision between two numbers only makes them wait for each other).
 */
export async function lockNumber(trx: Kysely<any>, to: string, dialect: SqlDialect): Promise<void> {
  switch (dialect) {
    case 'sqlite':
      return;
    case 'postgres':
      await sql`select pg_advisory_xact_lock(${sql.lit(NUMBER_LOCKS)}, hashtext(${to}))`.execute(trx);
      return;
  }
}

/** The first key of the ledger's advisory locks on one provider's held reports ('roth'). */
const HELD_REPORT_LOCKS = 0x726f7468;

/**
 * Serializes, per provider, the transactions that count its held pushed
 * reports and add to them, so that pushes to several gateways at once each
 * count what the one before added: counted apart, 12 pushes of 5,000 made
 * 35,000 of a 10,000 cap. SQLite's one writer serializes them already.
 */
export async function lockHeldReports(trx: Kysely<any>, providerId: string, dialect: SqlDialect): Promise<void> {
  if (dialect === 'postgres') await sql`select pg_advisory_xact_lock(${sql.lit(HELD_REPORT_LOCKS)}, hashtext(${providerId}))`.execute(trx);
}

/** The first key of the ledger's advisory locks on idempotency keys ('rotk'), beside those on numbers. */
const KEY_LOCKS = 0x726f746b;

/**
 * Serializes the transactions that record under one owner's idempotency key,
 * a message's or a bulk's (one key stands for one send, whichever route made
 * it). SQLite has one writer at a time: they are serial already. PostgreSQL:
 * the unique constraints keep two messages (or two bulks) from sharing a key,
 * but a message and a bulk are rows of two tables, and under READ COMMITTED
 * neither transaction's look at the other table sees the other's uncommitted
 * row: both were recorded. So each takes a transaction-scoped advisory lock
 * per key, keyed by a hash of (owner, key), in one order (no two transactions
 * wait for each other's), before it looks or writes; the lock_timeout in force
 * bounds the wait as it bounds the insert's.
 */
export async function lockIdempotencyKeys(trx: Kysely<any>, keys: readonly { owner: string; key: string }[], dialect: SqlDialect): Promise<void> {
  if (dialect === 'sqlite' || keys.length === 0) return;
  const names = keys.map(({ owner, key }) => JSON.stringify([owner, key]));
  await sql`select pg_advisory_xact_lock(${sql.lit(KEY_LOCKS)}, hash) from (select distinct hashtext(name) as hash from unnest(${names}::text[]) as name order by hash) as keys`.execute(trx);
}

/**
 * Most bound parameters one statement may carry: SQLite's
 * SQLITE_MAX_VARIABLE_NUMBER default (32,766 since 3.32); PostgreSQL allows
 * 65,535, so this one number is safe for both.
 */
export const MAX_BOUND_PARAMETERS = 32_766;
