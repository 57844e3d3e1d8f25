import { describe, expect, it } from '@jest/globals';
import { LedgerInputError, type LedgerStore, type ListQuery, type MessageRecord, type NewMessage } from '../src/index.js';
import { ListCursors } from '../src/list-cursor.js';
import { bulkTemplate, message, openTestStore, TestClock } from './ledger-fixtures.js';

const MINUTE = 60_000;

async function recordOne(store: LedgerStore, entry: NewMessage): Promise<MessageRecord> {
  const [outcome] = await store.recordMessages([entry]);
  if (outcome?.kind !== 'created') throw new Error('expected a new record');
  return outcome.record;
}

/** Every page of a query, following the cursors. */
async function allPages(store: LedgerStore, query: ListQuery): Promise<MessageRecord[][]> {
  const pages: MessageRecord[][] = [];
  let cursor: string | undefined;
  do {
    const page = await store.list({ ...query, ...(cursor ? { cursor } : {}) });
    pages.push(page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return pages;
}

describe('get', () => {
  it('gives a record to its owner and to an admin, and nothing to another client', async () => {
    const store = await openTestStore();
    const record = await recordOne(store, { message: message({ to: '05321234567' }), owner: 'acme' });
    expect(await store.get(record.id, { owner: 'acme' })).toEqual(record);
    expect(await store.get(record.id)).toEqual(record);
    expect(await store.get(record.id, { owner: 'globex' })).toBeUndefined();
    expect(await store.get('msg_doesnotexist0000000000')).toBeUndefined();
    await store.close();
  });
});

describe('list', () => {
  /**
   * 120 records, one a minute: i % 3 === 0 → globex, the rest acme; i % 4 === 0 →
   * to +905320000001; the first 10 claimed (dispatching); 20 in a bulk.
   */
  async function seeded() {
    const clock = new TestClock();
    const store = await openTestStore(clock);
    const start = clock.now();
    const created: MessageRecord[] = [];
    for (let i = 0; i < 100; i++) {
      const to = i % 4 === 0 ? '+905320000001' : `+90532${String(100 + i).padStart(7, '0')}`;
      created.push(await recordOne(store, { message: message({ to }), owner: i % 3 === 0 ? 'globex' : 'acme' }));
      clock.advance(MINUTE);
    }
    const bulk = await store.recordBulk({ template: bulkTemplate(), owner: 'acme' }, Array.from({ length: 20 }, (_, i) => `+90533${String(i).padStart(7, '0')}`));
    if (bulk.kind !== 'created') throw new Error('expected a new bulk');
    const claimed = await store.claimDue({ now: clock.now(), limit: 10 });
    return { store, clock, start, created, bulkId: bulk.bulkId, claimed };
  }

  it('pages through 120 records newest first, each exactly once, the last page without a cursor', async () => {
    const { store } = await seeded();
    const pages = await allPages(store, { limit: 50 });
    expect(pages.map((page) => page.length)).toEqual([50, 50, 20]);
    const ids = pages.flat().map((record) => record.id);
    expect(new Set(ids).size).toBe(120);
    const created = pages.flat().map((record) => record.createdAt.getTime());
    expect(created).toEqual([...created].sort((a, b) => b - a));
    // The bulk was recorded last, so it comes first.
    expect(pages[0]!.slice(0, 20).every((record) => record.bulkId !== undefined)).toBe(true);
    await store.close();
  });

  it('ends on a full last page without a cursor to an empty one', async () => {
    const { store } = await seeded();
    expect((await allPages(store, { limit: 60 })).map((page) => page.length)).toEqual([60, 60]);
    expect((await store.list({ limit: 500 })).nextCursor).toBeUndefined();
    expect((await store.list()).items).toHaveLength(50);
    await store.close();
  });

  it('filters by owner, state, bulk, number and creation time, alone and together, across pages', async () => {
    const { store, start, created, bulkId, claimed } = await seeded();
    const ids = async (query: ListQuery) => (await allPages(store, { limit: 7, ...query })).flat().map((record) => record.id);
    const expected = (keep: (record: MessageRecord, index: number) => boolean) =>
      created
        .filter(keep)
        .map((record) => record.id)
        .reverse();

    expect(await ids({ owner: 'globex' })).toEqual(expected((_, i) => i % 3 === 0));
    expect((await ids({ owner: 'acme' })).length).toBe(100 - 34 + 20);
    expect(await ids({ to: '0532 000 00 01' })).toEqual(expected((_, i) => i % 4 === 0));
    expect(await ids({ owner: 'globex', to: '+905320000001' })).toEqual(expected((_, i) => i % 12 === 0));
    expect((await ids({ bulkId })).length).toBe(20);
    expect(await ids({ bulkId, owner: 'globex' })).toEqual([]);
    // claimDue took the ten oldest (all NOTIFICATION, due when recorded).
    expect(await ids({ state: 'dispatching' })).toEqual(claimed.map((record) => record.id).reverse());
    expect((await ids({ state: 'queued' })).length).toBe(110);
    // createdFrom is inclusive, createdUntil exclusive.
    const from = new Date(start.getTime() + 10 * MINUTE);
    const until = new Date(start.getTime() + 20 * MINUTE);
    expect(await ids({ createdFrom: from, createdUntil: until })).toEqual(expected((_, i) => i >= 10 && i < 20));
    expect(await ids({ createdFrom: from.toISOString(), createdUntil: until.toISOString(), owner: 'globex' } as ListQuery)).toEqual(
      expected((_, i) => i >= 10 && i < 20 && i % 3 === 0),
    );
    await store.close();
  });

  it("gives out cursors that say nothing of other clients' traffic, and refuses one altered or of another ledger", async () => {
    const { store } = await seeded();
    const first = (await store.list({ owner: 'acme', limit: 1 })).nextCursor!;
    // A cursor was the base64url of the record's seq, which counts every client's records: now it is one encrypted block.
    expect(first).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(Buffer.from(first, 'base64url').toString('latin1')).not.toMatch(/^\d+$/);
    const refused = (cursor: string) => store.list({ owner: 'acme', cursor }).then(() => 'listed', (error: LedgerInputError) => error.issues.map((issue) => `${issue.path}: ${issue.reason}`));
    const flipped = `${first.slice(0, 5)}${first[5] === 'A' ? 'B' : 'A'}${first.slice(6)}`;
    expect(await refused(flipped)).toEqual(['cursor: is not a cursor this list gave out']);
    expect(await refused(new ListCursors(Buffer.alloc(32, 9)).seal(5, 'acme'))).toEqual(['cursor: is not a cursor this list gave out']);
    expect(await refused(first)).toBe('listed');
    await store.close();
  });

  it("refuses a cursor given out for another client's list, or the admin's of every client; takes it with other filters and page sizes", async () => {
    const { store } = await seeded();
    const cursor = (await store.list({ owner: 'acme', limit: 1 })).nextCursor!;
    const reason = (query: ListQuery) => store.list(query).then(() => 'listed', (error: LedgerInputError) => error.issues.map((issue) => `${issue.path}: ${issue.reason}`).join());
    expect(await reason({ owner: 'globex', cursor })).toBe('cursor: is not a cursor this list gave out');
    expect(await reason({ cursor })).toBe('cursor: is not a cursor this list gave out');
    expect(await reason({ owner: 'globex', cursor: (await store.list({ limit: 1 })).nextCursor! })).toBe('cursor: is not a cursor this list gave out');
    // A place in acme's list: a CLI's `--since 2h` is a new instant on every page.
    expect(await reason({ owner: 'acme', state: 'accepted', createdFrom: new Date('2001-01-01T00:00:00Z'), cursor })).toBe('listed');
    expect(await reason({ owner: 'acme', limit: 5, cursor })).toBe('listed');
    await store.close();
  });

  it('refuses a bad cursor, limit, filter or unknown field, naming it', async () => {
    const { store } = await seeded();
    const pathsOf = async (query: unknown) => {
      const error = await store.list(query as ListQuery).catch((thrown: unknown) => thrown);
      expect(error).toBeInstanceOf(LedgerInputError);
      return (error as LedgerInputError).issues.map((issue) => issue.path);
    };
    const valid = (await store.list({ limit: 10 })).nextCursor!;
    expect(await pathsOf({ cursor: 'not a cursor!' })).toEqual(['cursor']);
    expect(await pathsOf({ cursor: Buffer.from('abc').toString('base64url') })).toEqual(['cursor']);
    expect(await pathsOf({ cursor: Buffer.from('0012').toString('base64url') })).toEqual(['cursor']);
    expect(await pathsOf({ cursor: `${valid}!` })).toEqual(['cursor']);
    expect(await pathsOf({ limit: 0 })).toEqual(['limit']);
    expect(await pathsOf({ limit: 501 })).toEqual(['limit']);
    expect(await pathsOf({ state: 'sent' })).toEqual(['state']);
    expect(await pathsOf({ to: '12' })).toEqual(['to']);
    expect(await pathsOf({ createdFrom: 'yesterday' })).toEqual(['createdFrom']);
    // The reasons speak of the input as a query string carries it, not of zod's coercion.
    const reasonsOf = (query: unknown) => store.list(query as ListQuery).catch((thrown: LedgerInputError) => thrown.issues.map((issue) => `${issue.path}: ${issue.reason}`));
    expect(await reasonsOf({ createdUntil: '2030-13-45', limit: 'many' })).toEqual([
      'createdUntil: must be an ISO 8601 date and time with its offset (e.g. 2030-01-01T10:00:00Z), or a date (2030-01-01: from midnight UTC)',
      'limit: must be a whole number from 1 to 500',
    ]);
    expect(await reasonsOf({ limit: '2.5' })).toEqual(['limit: must be a whole number from 1 to 500']);
    // A day its month does not have (JavaScript reads it as 2 March), a year outside 2000–9999, an empty bulkId.
    expect(await reasonsOf({ createdFrom: '2026-02-30T00:00:00Z', createdUntil: '2026-04-31' })).toEqual([
      'createdFrom: names a day its month does not have',
      'createdUntil: names a day its month does not have',
    ]);
    expect(await reasonsOf({ createdFrom: '0001-01-01T00:00:00Z' })).toEqual(['createdFrom: must be in the years 2000 to 9999']);
    expect(await reasonsOf({ bulkId: '' })).toEqual(["bulkId: must not be empty (leave bulkId out for every record's)"]);
    expect((await store.list({ createdFrom: '2024-02-29T00:00:00Z', limit: 1 })).items).toHaveLength(1);
    // What JavaScript's Date would read, and a reader would not: "1" as 2001, US-ordered days, a time in the server's zone.
    for (const createdFrom of ['1', '-1', 'May 5', '12/7/2026', '7/12/2026', '2026-12-07T22:30:00', '2026-12-07 22:30Z', '1733600000000']) {
      expect(await reasonsOf({ createdFrom })).toEqual([expect.stringMatching(/^createdFrom: must be an ISO 8601 date and time with its offset/)]);
    }
    // An offset is honoured, and a date alone is its midnight, UTC: one record made at 09:00Z, read from both sides.
    const clock = new TestClock(Date.parse('2025-03-01T09:00:00Z'));
    const dated = await openTestStore(clock);
    await dated.recordMessages([{ message: message({ to: '05321234567' }), owner: 'acme' }]);
    const count = async (query: ListQuery) => (await dated.list(query)).items.length;
    expect(await count({ createdFrom: '2025-03-01T12:00:00+03:00' })).toBe(1);
    expect(await count({ createdFrom: '2025-03-01T12:00:00.001+03:00' })).toBe(0);
    expect(await count({ createdFrom: '2025-03-01', createdUntil: '2025-03-02' })).toBe(1);
    expect(await count({ createdFrom: '2025-03-01T09:00:00.001Z', createdUntil: '2025-03-02' })).toBe(0);
    expect(await count({ createdUntil: '2025-03-01' })).toBe(0);
    await dated.close();
    // An empty range is refused rather than answered "no messages" (rota messages --since 1h --until 2h).
    expect(await reasonsOf({ createdFrom: '2030-01-02T00:00:00Z', createdUntil: '2030-01-01T00:00:00Z' })).toEqual(['createdUntil: must be after createdFrom: the range is empty']);
    expect(await reasonsOf({ createdFrom: '2030-01-01T00:00:00Z', createdUntil: '2030-01-01T00:00:00Z' })).toEqual(['createdUntil: must be after createdFrom: the range is empty']);
    // Digits only, and one issue whatever is wrong: Number() took these as 100, 16, 5 and gave an infinity two issues.
    for (const limit of ['1e2', '0x10', ' 5', '1e400', 1e400, -0.5]) expect(await reasonsOf({ limit })).toEqual(['limit: must be a whole number from 1 to 500']);
    expect((await store.list({ limit: '7' } as unknown as ListQuery)).items).toHaveLength(7);
    expect(await pathsOf({ sort: 'asc' })).toEqual(['sort']);
    expect((await store.list({ cursor: valid, limit: 10 })).items).toHaveLength(10);
    await store.close();
  });
});
