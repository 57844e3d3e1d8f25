import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import type { BulkOutcome, LedgerStore } from '../../src/index.js';
import { bulkTemplate, message, numbers, openTestStore, TestClock } from '../ledger-fixtures.js';
import { rig } from '../ledger-rig.js';

/*
 * The embedded store records a large bulk in slices, each a transaction of
 * its own, so the event loop turns between them. What
 * must still hold: the bulk is whole or absent — none of its records is
 * claimed before its last slice, a crash mid-way leaves nothing at the next
 * start, and a retry under its key is answered only once it is recorded.
 */

let folder: string;
beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'rota-bulk-recording-'));
});
afterEach(() => rmSync(folder, { recursive: true, force: true }));

const open = (clock = new TestClock()) => openTestStore(clock, { kind: 'sqlite', path: join(folder, 'ledger.db') });
const now = new Date('2030-01-01T00:00:00Z');
/** A single message: a small call, so the store cuts large calls for the next second. */
const recordOne = (store: LedgerStore, to: string) => store.recordMessages([{ message: message({ to }), owner: 'acme' }]);

describe('a large bulk recorded in slices (SQLite)', () => {
  it('lets other calls through between its slices, and no record of it is claimed until it is whole', async () => {
    const store = await open();
    // What another connection sees, one consistent snapshot a read: is the bulk recording, and are any of its records claimed?
    const reader = new Database(join(folder, 'ledger.db'), { readonly: true });
    const snapshot = reader.transaction(() => ({
      recording: (reader.prepare('select count(*) as n from bulks where recording = 1').get() as { n: number }).n,
      claimedOfBulks: (reader.prepare("select count(*) as n from messages where bulk_id is not null and state = 'dispatching'").get() as { n: number }).n,
    }));
    await recordOne(store, '+905320000001');
    const order: string[] = [];
    let bulkDone = false;
    const recording = store.recordBulk({ template: bulkTemplate(), owner: 'acme' }, numbers(6_000)).then((outcome) => {
      order.push('bulk');
      bulkDone = true;
      return outcome;
    });
    const whileRecording: { recording: number; claimedOfBulks: number }[] = [];
    let claimedSingle = false;
    while (!bulkDone) {
      const claimed = await store.claimDue({ now, limit: 800 });
      claimedSingle ||= claimed.some((record) => record.bulkId === undefined);
      const seen = snapshot();
      if (seen.recording > 0) {
        whileRecording.push(seen);
        // Not listed, not readable: no call has answered 202 for it yet (checked when it was still recording after the read).
        const { id } = reader.prepare('select id from bulks where recording = 1').get() as { id: string };
        const [listed, progress] = [await store.listBulks(), await store.bulkProgress(id)];
        if (snapshot().recording > 0) expect({ listed: listed.items, progress }).toEqual({ listed: [], progress: undefined });
      }
      if (whileRecording.length === 1) await recordOne(store, '+905320000002').then(() => order.push('message'));
    }
    const outcome = await recording;
    expect(outcome).toMatchObject({ kind: 'created', count: 6_000 });
    expect(claimedSingle).toBe(true);
    expect(whileRecording.length).toBeGreaterThanOrEqual(2); // claims ran between the slices
    expect(whileRecording.every((seen) => seen.claimedOfBulks === 0)).toBe(true); // and took none of its records
    expect(order).toEqual(['message', 'bulk']); // a message recorded meanwhile was answered first
    // Whole now: its records are claimed.
    const bulkId = (outcome as { bulkId: string }).bulkId;
    await store.claimDue({ now, limit: 6_000 });
    expect((await store.bulkProgress(bulkId))!).toMatchObject({ count: 6_000, byState: { dispatching: 6_000 } });
    reader.close();
    await store.close();
  });

  it('cuts it with no other traffic too: the event loop turns between its slices (a health check is not a store call)', async () => {
    const store = await open();
    let turns = 0;
    let done = false;
    const count = (): void => {
      turns += 1;
      if (!done) setImmediate(count);
    };
    setImmediate(count);
    const outcome = await store.recordBulk({ template: bulkTemplate(), owner: 'acme' }, numbers(6_000));
    done = true;
    expect(outcome).toMatchObject({ kind: 'created', count: 6_000 });
    // One transaction of 6,000 gave the loop one or two turns; six slices of 1,000 give it one at least between each.
    expect(turns).toBeGreaterThanOrEqual(6);
    expect((await store.bulkProgress((outcome as { bulkId: string }).bulkId))!).toMatchObject({ count: 6_000, byState: { queued: 6_000 } });
    await store.close();
  });

  it('leaves nothing of a bulk whose recording a crash cut short: the next start deletes it and its records', async () => {
    const store = await open();
    await recordOne(store, '+905320000001');
    const recording = store.recordBulk({ template: bulkTemplate(), owner: 'acme', idempotencyKey: 'winter' }, numbers(3_000)).catch((error: unknown) => error);
    // The first slice is committed; the process "dies" (the store closes) before the rest.
    while ((await store.list({ limit: 10 })).items.length < 2) await new Promise((resolve) => setImmediate(resolve));
    await store.close();
    expect(await recording).toBeInstanceOf(Error);

    const next = await open();
    expect((await next.list({ limit: 10 })).items.length).toBeGreaterThan(1); // the half-recorded bulk is in the file
    // The next start (a ledger over the same file) deletes it before it claims anything.
    const restarted = await rig({ store: next, dispatch: { pollMs: 3_600_000 } });
    expect((await next.list({ limit: 10 })).items.map((record) => record.to)).toEqual(['+905320000001']);
    expect(await next.listBulks()).toMatchObject({ items: [] });
    expect(restarted.provider.calls.flatMap((call) => call.recipients).filter((to) => to !== '+905320000001')).toEqual([]);
    // Its key is free again: the client's retry records the bulk.
    expect(await next.recordBulk({ template: bulkTemplate(), owner: 'acme', idempotencyKey: 'winter' }, numbers(3_000))).toMatchObject({ kind: 'created', count: 3_000 });
    expect(await next.deleteUnrecordedBulks()).toBe(0);
    await restarted.close();
  });

  it('answers a retry under its key while it records only once it is recorded, with the same bulk', async () => {
    const store = await open();
    await recordOne(store, '+905320000001');
    const bulk = { template: bulkTemplate(), owner: 'acme', idempotencyKey: 'spring' };
    const order: string[] = [];
    const first = store.recordBulk(bulk, numbers(3_000)).then((outcome: BulkOutcome) => (order.push('first'), outcome));
    while ((await store.list({ limit: 10 })).items.length < 2) await new Promise((resolve) => setImmediate(resolve));
    const retry = await store.recordBulk(bulk, numbers(3_000));
    order.push('retry');
    expect(retry).toEqual({ kind: 'existing', bulkId: (await first as { bulkId: string }).bulkId, count: 3_000 });
    expect(order).toEqual(['first', 'retry']);
    await store.close();
  });

  it('answers a retry `recording` at once while another process records the bulk, and `existing` once it is whole', async () => {
    const store = await open();
    const bulk = { template: bulkTemplate(), owner: 'acme', idempotencyKey: 'summer' };
    const first = await store.recordBulk(bulk, numbers(3));
    expect(first).toMatchObject({ kind: 'created' });
    const bulkId = (first as { bulkId: string }).bulkId;
    // Another gateway on the same file recording it (or one that died doing so): this process cannot wait for it.
    const other = new Database(join(folder, 'ledger.db'));
    other.prepare('update bulks set recording = 1 where id = ?').run(bulkId);
    expect(await store.recordBulk(bulk, numbers(3))).toEqual({ kind: 'recording', bulkId });
    expect(await store.recordBulk({ ...bulk, template: bulkTemplate({ text: 'başka' }) }, numbers(3))).toEqual({ kind: 'conflict', existingId: bulkId });
    other.prepare('update bulks set recording = 0 where id = ?').run(bulkId);
    expect(await store.recordBulk(bulk, numbers(3))).toEqual({ kind: 'existing', bulkId, count: 3 });
    other.close();
    await store.close();
  });

  it('never answers a bulk that another process deleted while it was recorded (that process started and cleared the leftovers)', async () => {
    const store = await open();
    await recordOne(store, '+905320000001');
    const other = new Database(join(folder, 'ledger.db'));
    const recording = store.recordBulk({ template: bulkTemplate(), owner: 'acme', idempotencyKey: 'winter' }, numbers(3_000)).catch((error: unknown) => error);
    while ((await store.list({ limit: 10 })).items.length < 2) await new Promise((resolve) => setImmediate(resolve));
    // What another gateway's start does with a bulk still `recording` (deleteUnrecordedBulks), from its own connection.
    const { id } = other.prepare('select id from bulks where recording = 1').get() as { id: string };
    other.transaction(() => {
      other.prepare('delete from messages where bulk_id = ?').run(id);
      other.prepare('delete from bulks where id = ?').run(id);
    })();
    // Its next slice refers to a bulk that is gone (or, past its last slice, marking it whole finds no row): an error, never a 202.
    expect(await recording).toMatchObject({ message: expect.stringMatching(/FOREIGN KEY constraint failed|was deleted while it was being recorded/) });
    expect((await store.list({ limit: 10 })).items.map((record) => record.to)).toEqual(['+905320000001']);
    expect(await store.listBulks()).toMatchObject({ items: [] });
    other.close();
    await store.close();
  });

  it('records a retry afresh when the recording it waited for failed (the bulk is gone)', async () => {
    const store = await open();
    await recordOne(store, '+905320000001');
    const bulk = { template: bulkTemplate(), owner: 'acme', idempotencyKey: 'autumn' };
    const other = new Database(join(folder, 'ledger.db'));
    const first = store.recordBulk(bulk, numbers(3_000)).catch((error: unknown) => error);
    while ((await store.list({ limit: 10 })).items.length < 2) await new Promise((resolve) => setImmediate(resolve));
    // A later slice of this bulk fails (the disk, say): the first call deletes what it wrote and throws.
    const { id: failing } = other.prepare('select id from bulks where recording = 1').get() as { id: string };
    other.exec(`create trigger refuse_rest before insert on messages when new.bulk_id = '${failing}' begin select raise(abort, 'disk full'); end`);
    const retry = store.recordBulk(bulk, numbers(3_000));
    expect(await first).toMatchObject({ message: 'disk full' }); // SQLite's error, from another realm than this test's Error
    const again = await retry;
    expect(again).toMatchObject({ kind: 'created', count: 3_000 });
    expect((again as { bulkId: string }).bulkId).not.toBe(failing);
    expect((await store.listBulks()).items).toHaveLength(1);
    other.close();
    await store.close();
  });
});
