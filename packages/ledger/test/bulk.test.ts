import { describe, expect, it } from '@jest/globals';
import { Kysely, SqliteDialect } from 'kysely';
import Database from 'better-sqlite3';
import { LedgerInputError, type BulkOutcome } from '../src/index.js';
import type { LedgerDatabase, NewMessageRow } from '../src/database.js';
import { LedgerHasher } from '../src/ledger-hashing.js';
import { messageRowBase, newMessageRow } from '../src/message-row.js';
import { rowMajorParameters } from '../src/store/insert-chunks.js';
import { bulkTemplate, HASH_KEY, message, numbers, openTestStore, TestClock } from './ledger-fixtures.js';

const bulkIdOf = (outcome: BulkOutcome): string => {
  if (outcome.kind === 'conflict' || outcome.kind === 'erased') throw new Error('expected a bulk');
  return outcome.bulkId;
};

describe('recordBulk', () => {
  it('makes the bulk and one record per recipient carrying the template', async () => {
    const store = await openTestStore();
    const recipients = numbers(3);
    const outcome = await store.recordBulk({ template: bulkTemplate({ sender: 'ROTA', sendAt: '2030-01-01T00:00:00Z' }), owner: 'acme', reference: 'spring' }, recipients);
    expect(outcome).toEqual({ kind: 'created', bulkId: expect.stringMatching(/^blk_/), count: 3 });
    const { items } = await store.list({ bulkId: bulkIdOf(outcome) });
    expect(items.map((record) => record.to).sort()).toEqual(recipients);
    for (const record of items) {
      expect(record).toMatchObject({ owner: 'acme', bulkId: bulkIdOf(outcome), state: 'queued', priority: 2, iysType: 'CAMPAIGN', sender: 'ROTA', reference: 'spring', text: 'Indirim basladi' });
      expect(record.dueAt).toEqual(new Date('2030-01-01T00:00:00Z'));
      expect(record).not.toHaveProperty('idempotencyKey');
    }
    await store.close();
  });

  it('answers a repeat under the bulk idempotency key with the first bulk, and another bulk under it with a conflict', async () => {
    const store = await openTestStore();
    const bulk = { template: bulkTemplate(), owner: 'acme', idempotencyKey: 'spring-campaign' };
    const first = await store.recordBulk(bulk, numbers(5));
    expect(await store.recordBulk(bulk, numbers(5))).toEqual({ kind: 'existing', bulkId: bulkIdOf(first), count: 5 });
    expect(await store.recordBulk(bulk, numbers(5, 1))).toEqual({ kind: 'conflict', existingId: bulkIdOf(first) });
    expect(await store.recordBulk({ ...bulk, template: bulkTemplate({ text: 'Baska' }) }, numbers(5))).toEqual({ kind: 'conflict', existingId: bulkIdOf(first) });
    expect((await store.recordBulk({ ...bulk, owner: 'globex' }, numbers(5))).kind).toBe('created');
    // Without a key, every call is a new bulk.
    const { idempotencyKey: _, ...keyless } = bulk;
    expect(bulkIdOf(await store.recordBulk(keyless, numbers(5)))).not.toBe(bulkIdOf(await store.recordBulk(keyless, numbers(5))));
    expect((await store.stats(new Date())).byState.queued).toBe(20);
    await store.close();
  });

  it('refuses recipients that are not E.164, naming the index, and records nothing', async () => {
    const store = await openTestStore();
    const error = await store.recordBulk({ template: bulkTemplate(), owner: 'acme' }, ['+905321234567', '05321234567']).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(LedgerInputError);
    expect((error as LedgerInputError).issues.map((issue) => issue.path)).toEqual(['1']);
    expect(((await store.recordBulk({ template: bulkTemplate(), owner: 'acme' }, []).catch((thrown: unknown) => thrown)) as LedgerInputError).issues[0]?.path).toBe('(root)');
    expect((await store.list()).items).toEqual([]);
    await store.close();
  });

  it('records 100,000 recipients in one call', async () => {
    const store = await openTestStore();
    const recipients = numbers(100_000);
    const outcome = await store.recordBulk({ template: bulkTemplate(), owner: 'acme' }, recipients);
    expect(outcome).toMatchObject({ kind: 'created', count: 100_000 });
    expect(await store.bulkProgress(bulkIdOf(outcome))).toMatchObject({ count: 100_000, byState: { queued: 100_000 } });
    // Rows from the middle and the end of the run (reused statements, then the shorter last one) hold their own values.
    for (const to of [recipients[1], recipients[54_321], recipients[99_999]]) {
      const { items } = await store.list({ to });
      expect(items).toHaveLength(1);
      expect(items[0]).toMatchObject({ to, bulkId: bulkIdOf(outcome), owner: 'acme', state: 'queued', text: 'Indirim basladi' });
    }
    await store.close();
  }, 60_000);
});

describe('bulkProgress', () => {
  it('counts a bulk by state, for its owner or an admin only', async () => {
    const clock = new TestClock();
    const store = await openTestStore(clock);
    const outcome = await store.recordBulk({ template: bulkTemplate(), owner: 'acme' }, numbers(10));
    const bulkId = bulkIdOf(outcome);
    await store.recordMessages([{ message: message({ to: '05321234567' }), owner: 'acme' }]); // a NOTIFICATION, not in the bulk
    const [single, ...fromBulk] = await store.claimDue({ now: clock.now(), limit: 5 });
    expect(single?.bulkId).toBeUndefined();
    expect(fromBulk.map((record) => record.bulkId)).toEqual([bulkId, bulkId, bulkId, bulkId]);
    const failed = { status: 'failed' as const, reason: 'down', attempts: [] };
    await store.finishMany([single!, ...fromBulk.slice(0, 2)].map((record) => ({ id: record.id, result: failed })));
    await store.finish(fromBulk[2]!.id, { status: 'unknown', to: fromBulk[2]!.to, providerId: 'figensoft', accountId: 'main', reason: 'timeout', attempts: [] });

    const progress = await store.bulkProgress(bulkId, { owner: 'acme' });
    expect(progress).toEqual({ bulkId, count: 10, createdAt: clock.now(), byState: { queued: 6, dispatching: 1, accepted: 0, rejected: 0, failed: 2, unknown: 1, canceled: 0 }, erased: 0 });
    expect(await store.bulkProgress(bulkId)).toEqual(progress);
    expect(await store.bulkProgress(bulkId, { owner: 'globex' })).toBeUndefined();
    expect(await store.bulkProgress('blk_unknown')).toBeUndefined();
    await store.close();
  });
});

describe('rowMajorParameters', () => {
  it('binds values in the order Kysely compiles a multi-row INSERT, so a compiled chunk can be reused', () => {
    const db = new Kysely<LedgerDatabase>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) });
    const hasher = new LedgerHasher(HASH_KEY);
    const base = messageRowBase(message({ to: '05321234567', sender: 'ROTA' }), { owner: 'acme', state: 'queued', now: 1 }, hasher);
    const rows: NewMessageRow[] = numbers(3).map((to, i) => newMessageRow(base, { id: `msg_${i}`, to_number: to, idempotency_key: i === 1 ? 'k' : null, fingerprint: `f${i}` }));
    const compiled = db.insertInto('messages').values(rows).compile();
    expect(rowMajorParameters(rows, Object.keys(rows[0]!) as (keyof NewMessageRow)[])).toEqual(compiled.parameters);
    void db.destroy();
  });
});
