import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { bulkTemplate, message, openTestStore, TestClock } from './ledger-fixtures.js';

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
});
