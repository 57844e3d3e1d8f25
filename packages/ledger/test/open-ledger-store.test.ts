import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { LedgerInputError, openLedgerStore } from '../src/index.js';
import { openSqliteDatabase } from '../src/sqlite/open-sqlite-database.js';
import { StoreConfigSchema } from '../src/store-config.js';
import { HASH_KEY, message } from './ledger-fixtures.js';

const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});
function tempFolder(): string {
  const folder = mkdtempSync(join(tmpdir(), 'rota-ledger-open-'));
  folders.push(folder);
  return folder;
}

async function refusal(promise: Promise<unknown>): Promise<LedgerInputError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(LedgerInputError);
  return error as LedgerInputError;
}

describe('openLedgerStore', () => {
  it('creates the folder of a sqlite store and keeps records across a reopen', async () => {
    const path = join(tempFolder(), 'nested', 'deeper', 'ledger.db');
    const first = await openLedgerStore({ kind: 'sqlite', path }, { hashKey: HASH_KEY });
    const [outcome] = await first.recordMessages([{ message: message({ to: '05321234567' }), owner: 'acme' }]);
    await first.close();
    expect(existsSync(path)).toBe(true);

    const second = await openLedgerStore({ kind: 'sqlite', path }, { hashKey: HASH_KEY });
    expect(outcome?.kind).toBe('created');
    expect(await second.get(outcome?.kind === 'created' ? outcome.record.id : '')).toMatchObject({ to: '+905321234567' });
    await second.close();
  });

  it('refuses a bad config or key, naming the field', async () => {
    expect((await refusal(openLedgerStore({ kind: 'oracle' } as never, { hashKey: HASH_KEY }))).issues[0]?.path).toBe('kind');
    // Its options left out whole: what they must hold, not only that an object is needed.
    expect((await refusal(openLedgerStore({ kind: 'memory' }, undefined as never))).issues).toEqual([{ path: '(root)', reason: expect.stringContaining('hashKey (a Buffer of 32 or more random bytes)') }]);
    expect((await refusal(openLedgerStore({ kind: 'postgres' } as never, { hashKey: HASH_KEY }))).issues[0]?.path).toBe('url');
    expect((await refusal(openLedgerStore({ kind: 'postgres', url: 'mysql://db/rota' }, { hashKey: HASH_KEY }))).issues[0]).toEqual({
      path: 'url',
      reason: 'must be a postgres:// (or postgresql://) URL',
    });
    for (const url of ['postgres://rota:secret@127.0.0.1:99999/rota', 'postgres://rota:secret@[::1/rota']) {
      const issue = (await refusal(openLedgerStore({ kind: 'postgres', url }, { hashKey: HASH_KEY }))).issues[0];
      expect(issue).toEqual({ path: 'url', reason: expect.stringMatching(/^must be a well-formed URL/) });
      expect(JSON.stringify(issue)).not.toContain('secret');
    }
    // A Unix socket folder instead of a host is a well-formed URL.
    expect(StoreConfigSchema.safeParse({ kind: 'postgres', url: 'postgres:///rota?host=/run/postgresql' }).success).toBe(true);
    expect((await refusal(openLedgerStore({ kind: 'postgres', url: 'postgres://db/rota', schema: 'Rota; drop' }, { hashKey: HASH_KEY }))).issues[0]?.path).toBe('schema');
    expect((await refusal(openLedgerStore({ kind: 'sqlite', path: '' }, { hashKey: HASH_KEY }))).issues[0]?.path).toBe('path');
    expect((await refusal(openLedgerStore({ kind: 'memory' }, { hashKey: Buffer.alloc(31) }))).issues[0]).toEqual({ path: 'hashKey', reason: 'must be at least 32 bytes' });
    expect((await refusal(openLedgerStore({ kind: 'memory' }, {} as never))).issues[0]?.path).toBe('hashKey');
    expect((await refusal(openLedgerStore({ kind: 'memory' }, { hashKey: 'k'.repeat(32) } as never))).issues[0]).toEqual({
      path: 'hashKey',
      reason: 'must be a Buffer of at least 32 random bytes (a string is not a key)',
    });
  });
});

describe('the SQLite connection', () => {
  const pragmas = (config: Parameters<typeof StoreConfigSchema.parse>[0]) => {
    const parsed = StoreConfigSchema.parse(config);
    if (parsed.kind === 'postgres') throw new Error('a SQLite config was expected');
    const db = openSqliteDatabase(parsed);
    try {
      return {
        journal: db.pragma('journal_mode', { simple: true }),
        synchronous: db.pragma('synchronous', { simple: true }),
        busyTimeout: db.pragma('busy_timeout', { simple: true }),
        foreignKeys: db.pragma('foreign_keys', { simple: true }),
        secureDelete: db.pragma('secure_delete', { simple: true }),
      };
    } finally {
      db.close();
    }
  };

  it('is WAL with synchronous NORMAL by default, waits for other writers, enforces foreign keys and overwrites deleted content', () => {
    expect(pragmas({ kind: 'sqlite', path: join(tempFolder(), 'a.db') })).toEqual({ journal: 'wal', synchronous: 1, busyTimeout: 5_000, foreignKeys: 1, secureDelete: 1 });
  });

  it('syncs every commit when synchronous is full', () => {
    expect(pragmas({ kind: 'sqlite', path: join(tempFolder(), 'a.db'), synchronous: 'full', busyTimeoutMs: 250 })).toMatchObject({ synchronous: 2, busyTimeout: 250 });
  });

  it('is the same for a memory store, but for the journal a memory database cannot have', () => {
    expect(pragmas({ kind: 'memory' })).toMatchObject({ journal: 'memory', foreignKeys: 1, secureDelete: 1 });
  });
});
