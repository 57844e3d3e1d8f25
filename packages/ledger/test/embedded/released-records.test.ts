import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { ResultsNotWrittenError, type LedgerStore } from '../../src/index.js';
import { message, numbers, openTestStore, TestClock } from '../ledger-fixtures.js';
import { rig, until } from '../ledger-rig.js';

/*
 * Records a running process claimed, or sent, and then could not finish
 * (the store refused a write) used to stay `dispatching` until the next
 * start: never sent, never answered. They are released at once, as a start
 * would release them: queued again where no provider was asked, `unknown`
 * (`interrupted`) where one was — never sent twice by themselves.
 */

let folder: string;
let file: string;
beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'rota-released-'));
  file = join(folder, 'ledger.db');
});
afterEach(() => rmSync(folder, { recursive: true, force: true }));

const open = (clock = new TestClock(Date.now())) => openTestStore(clock, { kind: 'sqlite', path: file });
const ids = (outcomes: readonly unknown[]) => outcomes.map((outcome) => (outcome as { record: { id: string } }).record.id);
/** States by count, as another connection reads the file. */
const states = (other: Database.Database) => Object.fromEntries((other.prepare('select state, count(*) as n from messages group by state').all() as { state: string; n: number }[]).map(({ state, n }) => [state, n]));
/** The disk fails whenever a record is written `accepted`: a provider's answer cannot be recorded. */
const refuseAccepted = (other: Database.Database) => other.exec("create trigger refuse_accepted before update of state on messages when new.state = 'accepted' begin select raise(abort, 'disk I/O error'); end");

describe('records released when a running process cannot finish them (SQLite)', () => {
  it('queues again what earlier slices of a claim took when a later slice fails', async () => {
    const clock = new TestClock(Date.now());
    const store: LedgerStore = await open(clock);
    const numbersOf = numbers(150);
    await store.recordMessages(numbersOf.map((to) => ({ message: message({ to }), owner: 'acme', state: 'queued' as const })));
    // A small call: for the next second the store claims in slices of 100.
    await store.recordMessages([{ message: message({ to: '+905329999999' }), owner: 'acme', state: 'queued' }]);
    const other = new Database(file);
    other.exec(`create trigger refuse_claim before update of state on messages when new.state = 'dispatching' and old.to_number = '${numbersOf[149]}' begin select raise(abort, 'disk I/O error'); end`);

    await expect(store.claimDue({ now: clock.now(), limit: 800 })).rejects.toMatchObject({ message: 'disk I/O error' });
    // The first slice (100 records) was committed; it is queued again, not left claimed by no one.
    expect(states(other)).toEqual({ queued: 151 });
    other.exec('drop trigger refuse_claim');
    expect(await store.claimDue({ now: clock.now(), limit: 800 })).toHaveLength(151);
    other.close();
    await store.close();
  });

  it('makes a queued unit whose results could not be written unknown at once, and never sends it again', async () => {
    const store = await open();
    const other = new Database(file);
    refuseAccepted(other);
    const { ledger, provider, close } = await rig({ store, dispatch: { writeRetryMs: 0 } });
    const outcomes = await ledger.submit(numbers(2).map((to) => ({ message: message({ to }), owner: 'acme' })), 'queue');
    const [first, second] = ids(outcomes);

    const released = await until(async () => ((await store.get(second!))?.state === 'unknown' ? await store.get(first!) : undefined), 'the unit released');
    expect(released).toMatchObject({ state: 'unknown', reason: 'interrupted', providerId: 'fake' });
    expect(states(other)).toEqual({ unknown: 2 });
    // The store takes writes again: nothing is sent a second time.
    other.exec('drop trigger refuse_accepted');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(provider.calls.flatMap((call) => call.recipients)).toHaveLength(2);
    other.close();
    await close();
  });

  it('tells a caller who waited that the results were not recorded, and leaves the records unknown', async () => {
    const store = await open();
    const other = new Database(file);
    refuseAccepted(other);
    const { ledger, provider, close } = await rig({ store, dispatch: { writeRetryMs: 0 } });

    const sending = ledger.submit([{ message: message({ to: '+905321110001', idempotencyKey: 'order-1' }), owner: 'acme' }], 'wait');
    const error = await sending.then(() => undefined, (thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(ResultsNotWrittenError);
    const [id] = (error as ResultsNotWrittenError).ids;
    expect(await store.get(id!)).toMatchObject({ state: 'unknown', reason: 'interrupted', providerId: 'fake' });
    // A retry under the same key reads that honest state; nothing is sent again.
    other.exec('drop trigger refuse_accepted');
    const [again] = await ledger.submit([{ message: message({ to: '+905321110001', idempotencyKey: 'order-1' }), owner: 'acme' }], 'wait');
    expect(again).toMatchObject({ record: { id, state: 'unknown' } });
    expect(provider.callCount).toBe(1);
    other.close();
    await close();
  });
});
