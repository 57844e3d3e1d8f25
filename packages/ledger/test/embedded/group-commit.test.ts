import { mkdtempSync, rmSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { Kysely, sql } from 'kysely';
import type { LedgerDatabase } from '../../src/database.js';
import { LedgerSqliteDialect } from '../../src/sqlite/ledger-sqlite-dialect.js';
import { GroupCommit, sqliteWritePath } from '../../src/store/transact.js';

/*
 * The SQLite group commit's promises, each watched from a second connection to
 * the same file (what another process would see): a call that throws is undone
 * alone, a COMMIT that fails fails every call of its group, and no caller is
 * answered before its group's COMMIT has returned. Then its two lanes: small
 * calls go ahead of large ones, and large calls past the group's time budget
 * wait for a turn of the event loop.
 */

let folder: string;
let writer: Kysely<LedgerDatabase>;
let reader: Database.Database;
let group: GroupCommit;

beforeEach(async () => {
  folder = mkdtempSync(join(tmpdir(), 'rota-group-commit-'));
  const path = join(folder, 'group.db');
  const database = new Database(path);
  database.pragma('journal_mode = WAL');
  database.pragma('foreign_keys = ON');
  writer = new Kysely<LedgerDatabase>({ dialect: new LedgerSqliteDialect({ database }) });
  await sql`create table item (id text primary key)`.execute(writer);
  // Checked at COMMIT, not at the statement: how a COMMIT is made to fail.
  await sql`create table child (id text primary key, item_id text not null references item(id) deferrable initially deferred)`.execute(writer);
  reader = new Database(path, { readonly: true });
  group = new GroupCommit(writer);
});

afterEach(async () => {
  reader.close();
  await writer.destroy();
  rmSync(folder, { recursive: true, force: true });
});

const insertItem = (trx: Kysely<LedgerDatabase>, id: string) => sql`insert into item (id) values (${id})`.execute(trx);
const committedItems = (): string[] => (reader.prepare('select id from item order by id').all() as { id: string }[]).map((row) => row.id);
const itemsSeenBy = async (trx: Kysely<LedgerDatabase>): Promise<string[]> => (await sql<{ id: string }>`select id from item order by id`.execute(trx)).rows.map((row) => row.id);

describe('GroupCommit (SQLite)', () => {
  it('runs the calls of one turn in one transaction, and undoes a call that throws alone', async () => {
    // Small calls: a group takes every one waiting, where it stops taking large ones after 4 ms,
    // which a loaded machine spends on the first two (the third then went in a group of its own).
    let seenInsideGroup: string[] = [];
    let seenOutside: string[] = [];
    const settled = await Promise.allSettled([
      group.transactSmall(async (trx) => {
        await insertItem(trx, 'a');
        return 'a done';
      }),
      group.transactSmall(async (trx) => {
        await insertItem(trx, 'b');
        throw new Error('b failed after its insert');
      }),
      group.transactSmall(async (trx) => {
        await insertItem(trx, 'c');
        seenInsideGroup = await itemsSeenBy(trx);
        seenOutside = committedItems();
        return 'c done';
      }),
    ]);

    expect(settled.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((settled[0] as PromiseFulfilledResult<string>).value).toBe('a done');
    expect(((settled[1] as PromiseRejectedResult).reason as Error).message).toBe('b failed after its insert');
    expect((settled[2] as PromiseFulfilledResult<string>).value).toBe('c done');
    // One transaction: the third call saw the first's row (and not the undone second's), nobody outside did yet.
    expect(seenInsideGroup).toEqual(['a', 'c']);
    expect(seenOutside).toEqual([]);
    expect(committedItems()).toEqual(['a', 'c']);
  });

  it('answers no caller before the COMMIT has returned', async () => {
    const ids = ['p', 'q', 'r', 's'];
    const committedWhenAnswered = await Promise.all(ids.map((id) => group.transact((trx) => insertItem(trx, id)).then(() => committedItems().includes(id))));
    expect(committedWhenAnswered).toEqual([true, true, true, true]);
  });

  it('fails every call of a group whose COMMIT fails, keeps none of it, and goes on with the next group', async () => {
    // Small calls, one group whatever the machine's load (see the first test).
    const settled = await Promise.allSettled([
      group.transactSmall((trx) => insertItem(trx, 'kept-if-committed-1')),
      // Its statement succeeds; the deferred foreign key fails the COMMIT of the whole group.
      group.transactSmall((trx) => sql`insert into child (id, item_id) values ('orphan', 'no-such-item')`.execute(trx)),
      group.transactSmall((trx) => insertItem(trx, 'kept-if-committed-2')),
    ]);

    expect(settled.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected', 'rejected']);
    for (const outcome of settled) expect(String((outcome as PromiseRejectedResult).reason)).toMatch(/FOREIGN KEY constraint failed/);
    expect(committedItems()).toEqual([]);
    expect(reader.prepare('select count(*) as n from child').get()).toEqual({ n: 0 });

    // The connection was not left inside the failed transaction.
    await group.transact((trx) => insertItem(trx, 'next'));
    expect(committedItems()).toEqual(['next']);
  });

  it('undoes all of a call that throws when it is alone in its group', async () => {
    await expect(
      group.transact(async (trx) => {
        await insertItem(trx, 'alone');
        throw new Error('alone failed');
      }),
    ).rejects.toThrow('alone failed');
    expect(committedItems()).toEqual([]);
    await group.transact((trx) => insertItem(trx, 'after'));
    expect(committedItems()).toEqual(['after']);
  });

  it('answers every call of a turn larger than one group, and calls made while a group commits', async () => {
    const lateCalls: Promise<unknown>[] = [];
    const calls = Array.from({ length: 600 }, (_, i) =>
      group.transact(async (trx) => {
        await insertItem(trx, `n${String(i).padStart(3, '0')}`);
        // Asked while this group runs: not awaited here (it waits for a later group).
        if (i % 100 === 0) lateCalls.push(group.transact((late) => insertItem(late, `late${i}`)));
      }),
    );
    await Promise.all(calls);
    await Promise.all(lateCalls);
    expect(committedItems()).toHaveLength(606);
  });

  describe('lanes and the time budget', () => {
    /** Holds the thread for `ms`, as a large statement does. */
    const busy = (ms: number) => {
      const until = performance.now() + ms;
      while (performance.now() < until);
    };

    it('runs the small calls waiting before the large ones', async () => {
      const order: string[] = [];
      const call = (lane: 'transact' | 'transactSmall', id: string) =>
        group[lane](async (trx) => {
          await insertItem(trx, id);
          order.push(id);
        });
      await Promise.all([call('transact', 'large-1'), call('transact', 'large-2'), call('transactSmall', 'small-1'), call('transact', 'large-3'), call('transactSmall', 'small-2')]);
      expect(order.slice(0, 3)).toEqual(['small-1', 'small-2', 'large-1']);
      expect(order.slice(3).sort()).toEqual(['large-2', 'large-3']);
      expect(committedItems()).toHaveLength(5);
    });

    it('commits and lets the event loop turn before a large call that would run past the budget', async () => {
      const order: string[] = [];
      const seenCommitted: string[][] = [];
      const large = (id: string) =>
        group.transact(async (trx) => {
          seenCommitted.push(committedItems());
          busy(6); // over the 4 ms budget alone
          await insertItem(trx, id);
          order.push(id);
        });
      const calls = [large('l1'), large('l2'), large('l3')];
      setImmediate(() => order.push('a turn of the event loop'));
      await Promise.all(calls);
      // Each started after the one before had committed (another connection saw it), with a turn between the first two.
      expect(seenCommitted).toEqual([[], ['l1'], ['l1', 'l2']]);
      expect(order).toEqual(['l1', 'a turn of the event loop', 'l2', 'l3']);
    });

    it('still takes a large call into a group whose small calls used up the budget: a stream of small calls cannot starve it', async () => {
      let seenByLarge: string[] | undefined;
      const small = Array.from({ length: 20 }, (_, i) =>
        group.transactSmall(async (trx) => {
          busy(0.5); // 10 ms together
          await insertItem(trx, `s${String(i).padStart(2, '0')}`);
        }),
      );
      const large = group.transact(async (trx) => {
        seenByLarge = await itemsSeenBy(trx);
        await insertItem(trx, 'large');
      });
      await Promise.all([...small, large]);
      // Same transaction as the small calls: it saw their rows before any was committed.
      expect(seenByLarge).toHaveLength(20);
      expect(committedItems()).toHaveLength(21);
    });
  });

  it('cuts large calls into slices only while small calls with records are coming', async () => {
    const writes = sqliteWritePath(writer);
    expect(writes.slice).toBe(Number.POSITIVE_INFINITY); // a bulk alone runs whole: slices cost it throughput
    writes.lane(0); // an OTP claim that may find nothing: small, but no traffic
    expect(writes.slice).toBe(Number.POSITIVE_INFINITY);
    writes.lane(800);
    expect(writes.slice).toBe(Number.POSITIVE_INFINITY);
    await writes.lane(1)((trx) => insertItem(trx, 'a message'));
    expect(writes.slice).toBe(100);
    await new Promise((resolve) => setTimeout(resolve, 1_050));
    expect(writes.slice).toBe(Number.POSITIVE_INFINITY);
    // Background work (a webhook sender's claim of a few events, its last outcomes) is no traffic, however small.
    await writes.background()((trx) => insertItem(trx, 'a webhook outcome'));
    expect(writes.slice).toBe(Number.POSITIVE_INFINITY);
    // A bulk's slice its client waits on goes ahead, and the dispatcher's calls beside it are cut too.
    await writes.ahead()((trx) => insertItem(trx, 'a slice of a bulk'));
    expect(writes.slice).toBe(100);
  });

  describe('urgent holds (an OTP between its record and its finish)', () => {
    const large = (writes: ReturnType<typeof sqliteWritePath>, id: string, order: string[]) =>
      writes.background()(async (trx) => {
        await insertItem(trx, id);
        order.push(id);
      });

    it('starts no large call while a hold is on, and starts it as soon as the hold ends; small calls go meanwhile', async () => {
      const writes = sqliteWritePath(writer);
      const order: string[] = [];
      writes.urgent.begin(['otp-1']);
      const held = large(writes, 'campaign', order);
      await writes.lane(1)(async (trx) => {
        await insertItem(trx, 'otp-claim');
        order.push('otp-claim');
      });
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(order).toEqual(['otp-claim']);
      expect(committedItems()).toEqual(['otp-claim']);
      writes.urgent.end(['otp-1']);
      await held;
      expect(order).toEqual(['otp-claim', 'campaign']);
      expect(writes.urgent.active).toBe(false);
    });

    it('holds a large call 50 ms at most: a stream of OTPs slows large work down, never stops it', async () => {
      const writes = sqliteWritePath(writer);
      const order: string[] = [];
      const startedAt = performance.now();
      const stream = setInterval(() => writes.urgent.begin([`otp-${performance.now()}`]), 5);
      writes.urgent.begin(['otp-0']);
      try {
        await large(writes, 'campaign', order);
      } finally {
        clearInterval(stream);
      }
      const waited = performance.now() - startedAt;
      expect(waited).toBeGreaterThanOrEqual(45);
      expect(waited).toBeLessThan(1_000);
      expect(writes.urgent.active).toBe(true); // the stream's holds were still on: the call went because it had waited long enough
    });

    it('lets a hold lapse when its finish never comes (100 ms)', async () => {
      const writes = sqliteWritePath(writer);
      writes.urgent.begin(['sent-by-another-process']);
      expect(writes.urgent.active).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 130));
      expect(writes.urgent.active).toBe(false);
    });
  });

  it('runs background work in the large lane: the small calls waiting go first', async () => {
    const writes = sqliteWritePath(writer);
    const order: string[] = [];
    const background = writes.background()(async (trx) => {
      await insertItem(trx, 'a webhook outcome');
      order.push('background');
    });
    const small = writes.lane(1)(async (trx) => {
      await insertItem(trx, 'an OTP');
      order.push('small');
    });
    await Promise.all([background, small]);
    expect(order).toEqual(['small', 'background']);
  });
});
