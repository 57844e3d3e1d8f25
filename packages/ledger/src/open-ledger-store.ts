import { existsSync } from 'node:fs';
import { Kysely, PostgresDialect, type Dialect } from 'kysely';
import type pg from 'pg';
import { silentLogger, type Logger } from '@rota/provider';
import type { LedgerDatabase } from './database.js';
import { LedgerHasher } from './ledger-hashing.js';
import { ListCursors } from './list-cursor.js';
import { parseInput } from './ledger-input-error.js';
import { LedgerStore } from './ledger-store.js';
import { migrateLedger } from './migrations/ledger-migrations.js';
import { createSchema, holdsLedger } from './postgres/create-schema.js';
import { PgBossQueue } from './postgres/pg-boss-queue.js';
import { OtpSeal } from './queue/otp-seal.js';
import { kyselyPool } from './postgres/kysely-pool.js';
import { openPostgresPool } from './postgres/open-postgres-pool.js';
import { LedgerSqliteDialect } from './sqlite/ledger-sqlite-dialect.js';
import { openSqliteDatabase } from './sqlite/open-sqlite-database.js';
import { withStatementCache } from './sqlite/statement-cache.js';
import { dialectOf } from './sql-dialect.js';
import { LedgerStoreOptionsSchema, StoreConfigSchema, type LedgerStoreOptions, type StoreConfig, type StoreConfigInput } from './store-config.js';

/** The store an open with `existing` named is not there; nothing was created. */
export class StoreMissingError extends Error {
  override readonly name = 'StoreMissingError';
}

/** Throws StoreMissingError unless a SQLite store's file is at `path` (for a caller that must know before it makes anything beside it). */
export function refuseMissingSqliteStore(path: string): void {
  if (!existsSync(path)) throw new StoreMissingError(`there is no SQLite store at ${path}`);
}

/**
 * Opens (creating if needed) the store `config` names and brings its schema
 * to the latest migration. Throws LedgerInputError for a bad config or
 * options; a PostgreSQL server that cannot be reached fails the open.
 */
export async function openLedgerStore(config: StoreConfigInput, options: LedgerStoreOptions): Promise<LedgerStore> {
  const storeConfig = parseInput(StoreConfigSchema, config, 'ledger store config');
  const { hashKey, clock, logger, name, queue: queueOptions, existing } = parseInput(LedgerStoreOptionsSchema, options, 'ledger store options');
  const { dialect, pool } = await connect(storeConfig, logger ?? silentLogger, name, existing);
  const db = new Kysely<LedgerDatabase>({ dialect });
  const postgres = pool && storeConfig.kind === 'postgres' ? { pool, config: storeConfig } : undefined;
  let queue: PgBossQueue | undefined;
  try {
    await migrateLedger(db, undefined, postgres?.config.schema);
    if (postgres) {
      queue = new PgBossQueue({ connection: postgres, seal: new OtpSeal(hashKey), ...(logger ? { logger } : {}), ...queueOptions });
      await queue.start();
    }
  } catch (error) {
    await queue?.stop().catch(() => undefined);
    await db.destroy();
    throw error;
  }
  return new LedgerStore({
    db,
    dialect: dialectOf(db),
    hasher: new LedgerHasher(hashKey),
    cursors: new ListCursors(hashKey),
    clock: clock ?? (() => new Date()),
    ...(postgres ? { postgres } : {}),
    ...(queue ? { queue } : {}),
    ...(logger ? { logger } : {}),
  });
}

async function connect(config: StoreConfig, logger: Logger, name: string, existing: boolean): Promise<{ dialect: Dialect; pool?: pg.Pool }> {
  if (config.kind !== 'postgres') {
    // SQLite would make an empty file: a copy from a mistyped path then "copied 0 messages" and said done.
    if (existing && config.kind === 'sqlite') refuseMissingSqliteStore(config.path);
    return { dialect: new LedgerSqliteDialect({ database: withStatementCache(openSqliteDatabase(config)) }) };
  }
  const pool = openPostgresPool(config, logger, name);
  try {
    if (existing && !(await holdsLedger(pool, config.schema))) throw new StoreMissingError(`there is no ledger in the schema "${config.schema}" of that PostgreSQL database`);
    await createSchema(pool, config.schema);
  } catch (error) {
    await pool.end();
    throw error;
  }
  return { dialect: new PostgresDialect({ pool: kyselyPool(pool, config, logger) }), pool };
}
