import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import Database from 'better-sqlite3';
import { silentLogger, type Logger } from '@rota/provider';
import { openLedgerStore } from '../src/index.js';
import { bulkTemplate, HASH_KEY, message, openTestStore, TestClock } from './ledger-fixtures.js';

/*
 * What reaches the disk, read as raw bytes: every file SQLite left in the data
 * folder (the database, and a -wal or -shm if any), searched for a text.
 */

const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

function dataFolder(): { folder: string; config: { kind: 'sqlite'; path: string } } {
  const folder = mkdtempSync(join(tmpdir(), 'rota-ledger-kvkk-'));
  folders.push(folder);
  return { folder, config: { kind: 'sqlite', path: join(folder, 'data', 'ledger.db') } };
}

function filesContaining(folder: string, needle: string): string[] {
  const files = readdirSync(folder, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile());
  expect(files.length).toBeGreaterThan(0);
  return files.map((entry) => join(entry.parentPath, entry.name)).filter((path) => readFileSync(path).includes(Buffer.from(needle, 'utf8')));
}

describe('what the ledger writes to disk', () => {
  it('never holds an OTP text, while an ordinary text is there to be found', async () => {
    const { folder, config } = dataFolder();
    const store = await openTestStore(new TestClock(), config);
    const otpText = 'Dogrulama kodunuz 918273 OTPCANARY7Q2';
    const plainText = 'Kargonuz yolda PLAINCANARY5K9';
    const [otp] = await store.recordMessages([
      { message: message({ to: '05321234561', otp: true, text: otpText, idempotencyKey: 'login-1' }), owner: 'acme', state: 'dispatching' },
      { message: message({ to: '05321234562', text: plainText }), owner: 'acme' },
    ]);
    await store.recordBulk({ template: bulkTemplate({ otp: true, text: `Bulk ${otpText}` }), owner: 'acme' }, ['+905321234563']);
    if (otp?.kind !== 'created') throw new Error('expected a new record');
    await store.finish(otp.record.id, { status: 'failed', reason: 'down', attempts: [] });
    expect(await store.get(otp.record.id)).toMatchObject({ otp: true, textLength: otpText.length });
    await store.close();

    expect(filesContaining(folder, 'OTPCANARY7Q2')).toEqual([]);
    expect(filesContaining(folder, '918273')).toEqual([]);
    expect(filesContaining(folder, 'PLAINCANARY5K9')).toEqual([join(folder, 'data', 'ledger.db')]);
  });

  it('keeps nothing of an erased number: not its texts, not the number itself', async () => {
    const { folder, config } = dataFolder();
    const first = await openTestStore(new TestClock(), config);
    await first.recordMessages([
      { message: message({ to: '05329876543', text: 'Randevunuz yarin ERASECANARY3X1' }), owner: 'acme' },
      { message: message({ to: '05321234562', text: 'Baska biri KEEPCANARY8W4' }), owner: 'acme' },
    ]);
    await first.close();
    expect(filesContaining(folder, 'ERASECANARY3X1')).toHaveLength(1);
    expect(filesContaining(folder, '+905329876543')).toHaveLength(1);

    const second = await openTestStore(new TestClock(), config);
    expect(await second.eraseNumber('+905329876543')).toBe(1);
    await second.close();
    expect(filesContaining(folder, 'ERASECANARY3X1')).toEqual([]);
    expect(filesContaining(folder, '+905329876543')).toEqual([]);
    expect(filesContaining(folder, 'KEEPCANARY8W4')).toHaveLength(1);
  });

  it("keeps nothing of a bulk sent to an erased number alone (its text, its reference), and a shared bulk's text for the others", async () => {
    const { folder, config } = dataFolder();
    const store = await openTestStore(new TestClock(), config);
    const alone = await store.recordBulk({ template: bulkTemplate({ text: 'Sadece size BULKCANARY4N8' }), owner: 'acme', reference: 'REFCANARY9P3' }, ['+905329876543']);
    const shared = await store.recordBulk({ template: bulkTemplate({ text: 'Herkese SHAREDCANARY1M5' }), owner: 'acme' }, ['+905329876543', '+905321234562']);
    if (alone.kind !== 'created' || shared.kind !== 'created') throw new Error('expected new bulks');
    expect(filesContaining(folder, 'BULKCANARY4N8')).not.toEqual([]);

    expect(await store.eraseNumber('+905329876543')).toBe(2);
    expect(filesContaining(folder, 'BULKCANARY4N8')).toEqual([]);
    expect(filesContaining(folder, 'REFCANARY9P3')).toEqual([]);
    expect(filesContaining(folder, 'SHAREDCANARY1M5')).not.toEqual([]);
    // The emptied bulk stays, counting its recipient erased; the shared one still sends its text to the other.
    expect(await store.bulkProgress(alone.bulkId)).toMatchObject({ count: 1, erased: 1 });
    const [other] = (await store.list({ bulkId: shared.bulkId })).items;
    expect(other).toMatchObject({ to: '+905321234562', text: 'Herkese SHAREDCANARY1M5' });
    await store.close();
  });

  it('keeps the text of a bulk still writing its records, whose later recipients need it, through an erasure of its first', async () => {
    const { folder, config } = dataFolder();
    const store = await openTestStore(new TestClock(), config);
    const bulk = await store.recordBulk({ template: bulkTemplate({ text: 'Yazilirken RECORDINGCANARY2V6' }), owner: 'acme' }, ['+905329876543']);
    if (bulk.kind !== 'created') throw new Error('expected a new bulk');
    // As while the embedded store writes a large bulk in slices: its first records are in, the rest to come.
    const writer = new Database(config.path);
    writer.prepare('update bulks set recording = 1 where id = ?').run(bulk.bulkId);
    writer.close();
    expect(await store.eraseNumber('+905329876543')).toBe(1);
    expect(filesContaining(folder, 'RECORDINGCANARY2V6')).not.toEqual([]);
    await store.close();
  });

  it('keeps nothing of an erased number in the write-ahead log either, while the store stays open', async () => {
    const { folder, config } = dataFolder();
    const store = await openTestStore(new TestClock(), config);
    await store.recordMessages([
      { message: message({ to: '05329876543', text: 'Randevunuz yarin WALCANARY6T2' }), owner: 'acme' },
      { message: message({ to: '05329876543', text: 'Randevunuz iptal WALCANARY6T2' }), owner: 'acme' },
      { message: message({ to: '05321234562', text: 'Baska biri KEEPCANARY8W4' }), owner: 'acme' },
    ]);
    expect(filesContaining(folder, 'WALCANARY6T2')).toEqual([join(folder, 'data', 'ledger.db-wal')]);

    expect(await store.eraseNumber('+905329876543')).toBe(2);
    // Read at once, the store open: the -wal's old frames held the number and the texts in clear.
    expect(filesContaining(folder, 'WALCANARY6T2')).toEqual([]);
    expect(filesContaining(folder, '+905329876543')).toEqual([]);
    expect(filesContaining(folder, 'KEEPCANARY8W4')).toHaveLength(1);
    expect((await store.list()).items.map((record) => record.to)).toEqual(['+905321234562']);
    await store.close();
  });

  it('keeps nothing of a pruned record in the write-ahead log, while the store stays open', async () => {
    const { folder, config } = dataFolder();
    const clock = new TestClock();
    const store = await openTestStore(clock, config);
    const [old] = await store.recordMessages([{ message: message({ to: '05329876543', text: 'Eski mesaj PRUNECANARY2H7' }), owner: 'acme', state: 'dispatching' }]);
    if (old?.kind !== 'created') throw new Error('expected a new record');
    await store.finish(old.record.id, { status: 'failed', reason: 'down', attempts: [] });
    expect(filesContaining(folder, 'PRUNECANARY2H7')).not.toEqual([]);

    const pruned = await store.prune({ now: clock.advance(31 * 86_400_000), retentionMs: 30 * 86_400_000, idempotencyRetentionMs: 48 * 3_600_000 });
    expect(pruned.deletedMessages).toBe(1);
    expect(filesContaining(folder, 'PRUNECANARY2H7')).toEqual([]);
    expect(filesContaining(folder, '+905329876543')).toEqual([]);
    await store.close();
  });

  it('says so when another connection\'s reader keeps the log from being truncated, and truncates it at the next prune', async () => {
    const { folder, config } = dataFolder();
    const warn = jest.fn<Logger['warn']>();
    const logger: Logger = { ...silentLogger, warn };
    const store = await openLedgerStore({ ...config, busyTimeoutMs: 0 }, { hashKey: HASH_KEY, clock: new TestClock().now, logger });
    await store.recordMessages([{ message: message({ to: '05329876543', text: 'Randevunuz yarin BUSYCANARY4J8' }), owner: 'acme' }]);
    // An operator's sqlite3 shell inside a transaction: its snapshot needs the log as it is.
    const reader = new Database(config.path, { readonly: true });
    reader.exec('begin');
    reader.prepare('select count(*) from messages').get();

    expect(await store.eraseNumber('+905329876543')).toBe(1);
    expect(warn).toHaveBeenCalledWith(expect.objectContaining({ tries: 3 }), expect.stringContaining('-wal'));
    expect(filesContaining(folder, 'BUSYCANARY4J8')).toEqual([join(folder, 'data', 'ledger.db-wal')]);

    reader.exec('commit');
    reader.close();
    // Nothing is due for pruning: the truncation owed is made all the same.
    expect((await store.prune({ now: new Date(), retentionMs: 30 * 86_400_000, idempotencyRetentionMs: 48 * 3_600_000 })).deletedMessages).toBe(0);
    expect(filesContaining(folder, 'BUSYCANARY4J8')).toEqual([]);
    await store.close();
  });
});

describe('who may read the database files', () => {
  it('makes a new database owner-only (0600), and its -wal and -shm with it', async () => {
    const { folder, config } = dataFolder();
    const store = await openTestStore(new TestClock(), config);
    await store.recordMessages([{ message: message({ to: '05321234562' }), owner: 'acme' }]);
    const modes = Object.fromEntries(['ledger.db', 'ledger.db-wal', 'ledger.db-shm'].map((name) => [name, statSync(join(folder, 'data', name)).mode & 0o777]));
    expect(modes).toEqual({ 'ledger.db': 0o600, 'ledger.db-wal': 0o600, 'ledger.db-shm': 0o600 });
    await store.close();
  });

  it('leaves the mode of a database file the operator made as it is', async () => {
    const { folder, config } = dataFolder();
    mkdirSync(join(folder, 'data'));
    writeFileSync(config.path, '', { mode: 0o640 });
    const store = await openTestStore(new TestClock(), config);
    await store.recordMessages([{ message: message({ to: '05321234562' }), owner: 'acme' }]);
    expect(statSync(config.path).mode & 0o777).toBe(0o640);
    await store.close();
  });
});
