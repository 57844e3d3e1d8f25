import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { StoreConfig } from '../store-config.js';

/**
 * Opens the database a SQLite or memory store lives in, set up for a ledger:
 * WAL (readers never wait for the writer), the configured durability, a wait
 * instead of an instant error when another process writes, foreign keys
 * enforced, and deleted content overwritten (`secure_delete`) so that an
 * erased number or a pruned text does not linger in free pages of the file.
 */
export function openSqliteDatabase(config: Exclude<StoreConfig, { kind: 'postgres' }>): Database.Database {
  if (config.kind === 'memory') return configure(new Database(':memory:'), 'normal', 0);
  mkdirSync(dirname(config.path), { recursive: true });
  createOwnerOnly(config.path);
  return configure(new Database(config.path), config.synchronous, config.busyTimeoutMs);
}

/**
 * A new database file is made owner-only (0600) before SQLite opens it, as
 * hash.key is: SQLite would make it 0644 (umask allowing), readable by every
 * local user, and gives its -wal and -shm the database file's mode. An
 * existing file keeps the mode its operator gave it.
 */
function createOwnerOnly(path: string): void {
  try {
    closeSync(openSync(path, 'wx', 0o600));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}

function configure(db: Database.Database, synchronous: 'normal' | 'full', busyTimeoutMs: number): Database.Database {
  try {
    // An in-memory database answers `memory` and keeps it: it has no file to log beside.
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    db.pragma('foreign_keys = ON');
    db.pragma('secure_delete = ON');
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}
