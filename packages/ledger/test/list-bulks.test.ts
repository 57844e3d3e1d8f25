import { describe, expect, it } from '@jest/globals';
import { LedgerInputError, type BulkOutcome } from '../src/index.js';
import { bulkTemplate, numbers, openTestStore, TestClock } from './ledger-fixtures.js';

const bulkIdOf = (outcome: BulkOutcome): string => {
  if (outcome.kind === 'conflict' || outcome.kind === 'erased') throw new Error('expected a bulk');
  return outcome.bulkId;
};

describe('listBulks', () => {
  it('lists bulks newest first, each with its recipients counted by state', async () => {
    const clock = new TestClock();
    const store = await openTestStore(clock);
    const older = bulkIdOf(await store.recordBulk({ template: bulkTemplate(), owner: 'acme' }, numbers(3)));
    clock.advance(1_000);
    const newer = bulkIdOf(await store.recordBulk({ template: bulkTemplate({ iysType: 'NOTIFICATION' }), owner: 'globex' }, numbers(2, 10)));
    // One record of the newer bulk (NOTIFICATION goes before CAMPAIGN) taken by a dispatcher.
    await store.claimDue({ now: clock.now(), limit: 1 });

    const { items, nextCursor } = await store.listBulks();
    expect(nextCursor).toBeUndefined();
    expect(items).toEqual([
      { bulkId: newer, owner: 'globex', count: 2, iysType: 'NOTIFICATION', createdAt: clock.now(), byState: { queued: 1, dispatching: 1, accepted: 0, rejected: 0, failed: 0, unknown: 0, canceled: 0 }, erased: 0 },
      { bulkId: older, owner: 'acme', count: 3, iysType: 'CAMPAIGN', createdAt: new Date(clock.now().getTime() - 1_000), byState: { queued: 3, dispatching: 0, accepted: 0, rejected: 0, failed: 0, unknown: 0, canceled: 0 }, erased: 0 },
    ]);
    expect((await store.listBulks({ owner: 'acme' })).items.map((b) => b.bulkId)).toEqual([older]);
    await store.close();
  });

  it('pages with a cursor, bulks made in the same millisecond included, without repeating or skipping one', async () => {
    const store = await openTestStore(new TestClock());
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push(bulkIdOf(await store.recordBulk({ template: bulkTemplate(), owner: 'acme' }, numbers(1, i))));
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await store.listBulks({ limit: 2, ...(cursor ? { cursor } : {}) });
      seen.push(...page.items.map((b) => b.bulkId));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toHaveLength(5);
    expect(new Set(seen)).toEqual(new Set(ids));
    await store.close();
  });

  it('refuses a cursor it did not give out and a limit out of range, naming the field', async () => {
    const store = await openTestStore();
    for (const query of [{ cursor: 'bm90LWEtY3Vyc29y' }, { limit: 0 }, { limit: 101 }]) {
      const error = await store.listBulks(query).catch((thrown: unknown) => thrown);
      expect(error).toBeInstanceOf(LedgerInputError);
      expect((error as LedgerInputError).issues[0]!.path).toBe(Object.keys(query)[0]);
    }
    expect(await store.listBulks()).toEqual({ items: [] });
    await store.close();
  });
});
