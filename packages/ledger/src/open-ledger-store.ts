import { Kysely } from 'kysely';
import type { LedgerDatabase } from './database.js';
import { LedgerHasher } from './ledger-hashing.js';
import { parseInput } from './ledger-input-error.js';
import { LedgerStore } from './ledger-store.js';
import { migrateLedger } from './migrations/ledger-migrations.js';
import { LedgerSqliteDialect } from './sqlite/ledger-sqlite-dialect.js';
import { openSqliteDatabase } from './sqlite/open-sqlite-database.js';
import { withStatementCache } from './sqlite/statement-cache.js';
import { dialectOf } from './sql-dialect.js';
import { LedgerStoreOptionsSchema, StoreConfigSchema, type LedgerStoreOptions, type StoreConfigInput } from './store-config.js';

/**
 * Opens (creating if needed) the store `config` names and brings its schema
 * to the latest migration. Throws LedgerInputError for a bad config or options.
 */
export async function openLedgerStore(config: StoreConfigInput, options: LedgerStoreOptions): Promise<LedgerStore> {
  const storeConfig = parseInput(StoreConfigSchema, config, 'ledger store config');
  const { hashKey, clock } = parseInput(LedgerStoreOptionsSchema, options, 'ledger store options');
  const db = new Kysely<LedgerDatabase>({ dialect: new LedgerSqliteDialect({ database: withStatementCache(openSqliteDatabase(storeConfig)) }) });
  try {
    await migrateLedger(db);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return new LedgerStore({ db, dialect: dialectOf(db), hasher: new LedgerHasher(hashKey), clock: clock ?? (() => new Date()) });
}
