import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { openLedgerStore, refuseMissingSqliteStore, type LedgerRole, type LedgerStore, type StoreConfigInput } from '@rota/ledger';
import type { Logger } from 'pino';
import type { RotaConfig } from '../config/rota-config.js';
import { lockDataFolder } from './data-folder-lock.js';

/** The store a configuration names, open; `close` closes it and lets the data folder go. */
export interface ConfiguredStore {
  store: LedgerStore;
  /** The key the store hashes with (a copy gives a new embedded target the source's). */
  hashKey: Buffer;
  close(): Promise<void>;
  /** close(), and the files this open made removed (a new SQLite store and its hash key) before the data folder is let go. */
  discard(): Promise<void>;
}

export interface OpenConfiguredStoreOptions {
  logger: Logger;
  /** A relative SQLite path is read from this file's folder. */
  configPath?: string;
  /** A gateway or worker needs a store other processes share (PostgreSQL). */
  role: LedgerRole;
  /** Open only a store that is there (a copy's source): StoreMissingError, and nothing created, otherwise. */
  existing?: boolean;
  /** What to tell whoever finds the SQLite store's data folder held by another process. */
  busyAdvice?: string;
  /** The key a SQLite store without one (no store.hashKey, no hash.key yet) is given, instead of a random one. */
  newHashKey?: Buffer;
}

/** `base64url:` before a hash key: the key's bytes, as hash.key holds them (how an embedded key moves to PostgreSQL). */
const ENCODED_KEY = 'base64url:';

/**
 * Opens the store of `config`: SQLite (locked to this process, its hash key
 * from the configuration or hash.key beside the file), PostgreSQL (shared,
 * its hash key from the configuration), or memory.
 */
export async function openConfiguredStore(config: RotaConfig, options: OpenConfiguredStoreOptions): Promise<ConfiguredStore> {
  const { store: settings } = config;
  const { logger, role, existing = false } = options;
  let storeConfig: StoreConfigInput;
  let hashKey: Buffer;
  let unlock = async (): Promise<void> => {};
  /** The files of a new SQLite store, made by this open: what discard() removes. */
  let made: string[] = [];
  if (settings.kind === 'postgres') {
    const { hashKey: key, ...postgres } = settings;
    storeConfig = postgres;
    hashKey = hashKeyOf(key);
  } else if (role !== 'embedded') {
    throw new Error(`a ${role} shares its work with other processes through PostgreSQL; store.kind is ${settings.kind} (set store.kind: postgres, or run one gateway, which does everything)`);
  } else if (settings.kind === 'memory') {
    logger.warn({}, 'store.kind is memory: message records, idempotency keys and the queue are lost when the process stops (tests and benchmarks only)');
    storeConfig = { kind: 'memory' };
    hashKey = randomBytes(32);
  } else {
    const path = sqlitePathOf(settings.path, options.configPath);
    storeConfig = { kind: 'sqlite', path, synchronous: settings.synchronous };
    // Before the folder, its lock and a hash key are made for it.
    if (existing) refuseMissingSqliteStore(path);
    await mkdir(dirname(path), { recursive: true });
    unlock = await lockDataFolder(dirname(path), options.busyAdvice);
    made = [path, `${path}-wal`, `${path}-shm`, hashKeyFileOf(path)].filter((file) => !existsSync(file));
    try {
      hashKey = settings.hashKey !== undefined ? hashKeyOf(settings.hashKey) : await hashKeyBeside(path, logger, options.newHashKey);
    } catch (error) {
      await unlock();
      throw error;
    }
  }
  try {
    const { unitTimeoutSeconds } = config.dispatch;
    // Expired units are looked for a few times per timeout, so a dead worker's unit moves on soon after it.
    const queue = { unitTimeoutSeconds, maintenanceSeconds: Math.max(1, Math.min(15, Math.floor(unitTimeoutSeconds / 4))) };
    // Seen in pg_stat_activity: which process holds a connection.
    const store = await openLedgerStore(storeConfig, { hashKey, logger, name: `rota-${role}-${process.pid}`, queue, existing });
    return {
      store,
      hashKey,
      close: async () => {
        await store.close();
        await unlock();
      },
      discard: async () => {
        await store.close();
        // While the folder is still locked: no other process can be making these files meanwhile.
        for (const file of made) await rm(file, { force: true });
        await unlock();
      },
    };
  } catch (error) {
    await unlock();
    throw error;
  }
}

/** A SQLite store's file: `path` as written, relative to the configuration file's folder (or the working folder without one). */
export function sqlitePathOf(path: string, configPath: string | undefined): string {
  return isAbsolute(path) ? path : resolve(configPath ? dirname(configPath) : process.cwd(), path);
}

/** Where the hash key of the SQLite store at `databasePath` is kept when the configuration names none. */
const hashKeyFileOf = (databasePath: string): string => join(dirname(databasePath), 'hash.key');

/** The key's bytes: the text itself, or what follows `base64url:` decoded. */
function hashKeyOf(key: string): Buffer {
  return key.startsWith(ENCODED_KEY) ? Buffer.from(key.slice(ENCODED_KEY.length), 'base64url') : Buffer.from(key, 'utf8');
}

/**
 * The key of the hashes kept instead of OTP texts, when the configuration
 * names none: made once, at random, into `hash.key` beside the database
 * (owner-only; `newKey` instead where a copy brings one), and read from there afterwards. Kept out of the database file,
 * so a copy of the file alone cannot test guesses against the hashes.
 */
async function hashKeyBeside(databasePath: string, logger: Logger, newKey: Buffer = randomBytes(32)): Promise<Buffer> {
  const file = hashKeyFileOf(databasePath);
  try {
    const key = Buffer.from((await readFile(file, 'utf8')).trim(), 'base64url');
    if (key.length >= 32) return key;
    throw new Error(`${file} holds fewer than 32 bytes; delete it to have a new key made, or set store.hashKey`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${newKey.toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
  logger.info({ file }, 'store: made a new hash key (keep it with the database; set store.hashKey to keep it elsewhere)');
  return newKey;
}
