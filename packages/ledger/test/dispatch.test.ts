import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Attempt, SendResult } from '@rota/core';
import { describe, expect, it } from '@jest/globals';
import type { LedgerStore, MessageRecord, NewMessage } from '../src/index.js';
import { message, openTestStore, TestClock } from './ledger-fixtures.js';

const MINUTE = 60_000;

async function record(store: LedgerStore, entries: NewMessage[]): Promise<MessageRecord[]> {
  return (await store.recordMessages(entries)).map((outcome) => {
    if (outcome.kind !== 'created') throw new Error('expected a new record');
    return outcome.record;
  });
}

const attempt = (outcome: Attempt['outcome']): Attempt => ({ providerId: 'figensoft', accountId: 'main', outcome, tries: 1, durationMs: 42 });
const accepted = (to: string): SendResult => ({
  status: 'accepted',
  to,
  providerId: 'figensoft',
  accountId: 'main',
  providerMessageId: 'fs-981',
  segments: 2,
  encoding: 'GSM7_TURKISH_SHIFT',
  shift: 'single',
  simulated: true,
  attempts: [attempt('accepted')],
});

describe('claimDue', () => {
  it('serves OTP, then NOTIFICATION, then CAMPAIGN, holds a future sendAt, and never gives a record twice', async () => {
    const clock = new TestClock();
    const store = await openTestStore(clock);
    const later = new Date(clock.now().getTime() + 10 * MINUTE);
    const [campaign, notification, scheduled, otp] = await record(store, [
      { message: message({ to: '05321234561', iysType: 'CAMPAIGN' }), owner: 'acme' },
      { message: message({ to: '05321234562' }), owner: 'acme' },
      { message: message({ to: '05321234563', sendAt: later }), owner: 'acme' },
      { message: message({ to: '05321234564', otp: true, iysType: 'CAMPAIGN' }), owner: 'acme' },
    ]);
    clock.advance(MINUTE);

    // On the embedded store a just-recorded OTP is held urgent (store/urgent-holds): it is claimed alone, the rest next.
    const first: MessageRecord[] = [];
    for (let claimed = await store.claimDue({ now: clock.now(), limit: 10 }); claimed.length > 0; claimed = await store.claimDue({ now: clock.now(), limit: 10 })) first.push(...claimed);
    expect(first.map((r) => r.id)).toEqual([otp!.id, notification!.id, campaign!.id]);
    expect(first.every((r) => r.state === 'dispatching' && r.dispatchedAt?.getTime() === clock.now().getTime())).toBe(true);

    const atSendAt = await store.claimDue({ now: later, limit: 10 });
    expect(atSendAt.map((r) => r.id)).toEqual([scheduled!.id]);
    expect(await store.claimDue({ now: later, limit: 10 })).toEqual([]);
    await store.close();
  });

  it('orders one priority by due time, then by recording order', async () => {
    const clock = new TestClock();
    const store = await openTestStore(clock);
    const earlier = new Date(clock.now().getTime() - 5 * MINUTE);
    const [a, b, c] = await record(store, [
      { message: message({ to: '05321234561' }), owner: 'acme' },
      { message: message({ to: '05321234562' }), owner: 'acme' },
      { message: message({ to: '05321234563', sendAt: earlier }), owner: 'acme' },
    ]);
    expect((await store.claimDue({ now: clock.now(), limit: 10 })).map((r) => r.id)).toEqual([c!.id, a!.id, b!.id]);
    await store.close();
  });

  it('takes at most `limit`, and calls in turn or at once share the work without overlap', async () => {
    const store = await openTestStore();
    await record(store, Array.from({ length: 25 }, (_, i) => ({ message: message({ to: `+90532${String(i).padStart(7, '0')}` }), owner: 'acme' })));
    const now = new Date('2030-01-01T00:00:00Z');
    const inTurn = [await store.claimDue({ now, limit: 4 }), await store.claimDue({ now, limit: 4 })];
    const atOnce = await Promise.all([store.claimDue({ now, limit: 4 }), store.claimDue({ now, limit: 4 }), store.claimDue({ now, limit: 100 })]);
    const all = [...inTurn, ...atOnce].map((batch) => batch.map((r) => r.id));
    expect(inTurn.map((batch) => batch.length)).toEqual([4, 4]);
    // At once, who goes first is the database's choice (SQLite runs the calls in turn;
    // PostgreSQL's skip each other's locked rows): each stays within its limit, and together they take the rest.
    expect(atOnce.map((batch) => batch.length <= [4, 4, 100][atOnce.indexOf(batch)]!)).toEqual([true, true, true]);
    expect(atOnce.flat()).toHaveLength(17);
    expect(new Set(all.flat()).size).toBe(25);
    await store.close();
  });
});

describe('calls larger than a slice (SQLite cuts them while small calls come)', () => {
  it('claims, marks and finishes all of them, in order, each once', async () => {
    const store = await openTestStore();
    // A single message first: a small call, so on SQLite the large calls after it go in slices of 100.
    const [single] = await record(store, [{ message: message({ to: '+905320000000', iysType: 'CAMPAIGN' }), owner: 'acme' }]);
    const many = await record(
      store,
      Array.from({ length: 250 }, (_, i) => ({ message: message({ to: `+90533${String(i).padStart(7, '0')}`, iysType: i % 2 === 0 ? 'CAMPAIGN' : 'NOTIFICATION' }), owner: 'acme' })),
    );
    const now = new Date('2030-01-01T00:00:00Z');
    const claimed = await store.claimDue({ now, limit: 230 });
    // NOTIFICATION first (125 of them), then CAMPAIGN by recording order: the single message, then the batch's.
    const notification = many.filter((_, i) => i % 2 === 1).map((r) => r.id);
    const campaign = [single!.id, ...many.filter((_, i) => i % 2 === 0).map((r) => r.id)];
    expect(claimed.map((r) => r.id)).toEqual([...notification, ...campaign].slice(0, 230));
    expect((await store.claimDue({ now, limit: 230 })).map((r) => r.id)).toEqual([...notification, ...campaign].slice(230));

    const ids = claimed.map((r) => r.id);
    expect(await store.markDispatching(ids, { providerId: 'figensoft', accountId: 'main' })).toBe(230);
    const finished = await store.finishManyRecords(ids.map((id, i) => ({ id, result: accepted(claimed[i]!.to) })));
    expect(finished.size).toBe(230);
    expect(await store.finishMany(ids.map((id, i) => ({ id, result: accepted(claimed[i]!.to) })))).toBe(0); // finished once
    expect((await store.get(ids[229]!))!).toMatchObject({ state: 'accepted', providerId: 'figensoft' });
    await store.close();
  });
});

describe('markDispatching', () => {
  it('names provider and account on dispatching records only', async () => {
    const store = await openTestStore();
    const [claimedLater, queued] = await record(store, [
      { message: message({ to: '05321234561' }), owner: 'acme' },
      { message: message({ to: '05321234562', sendAt: '2099-01-01T00:00:00Z' }), owner: 'acme' },
    ]);
    const [sending] = await record(store, [{ message: message({ to: '05321234563' }), owner: 'acme', state: 'dispatching' }]);
    await store.claimDue({ now: new Date('2030-01-01T00:00:00Z'), limit: 1 });

    expect(await store.markDispatching([claimedLater!.id, queued!.id, sending!.id], { providerId: 'figensoft', accountId: 'main' })).toBe(2);
    expect(await store.get(claimedLater!.id)).toMatchObject({ providerId: 'figensoft', accountId: 'main', state: 'dispatching' });
    expect(await store.get(sending!.id)).toMatchObject({ providerId: 'figensoft', accountId: 'main' });
    expect(await store.get(queued!.id)).not.toHaveProperty('providerId');
    // An id with no record (erased since its claim) refuses the whole try, naming it, and marks nothing.
    await expect(store.markDispatching([sending!.id, 'msg_unknown'], { providerId: 'other', accountId: 'other' })).rejects.toMatchObject({ name: 'WithdrawnBeforeTry', withdrawn: ['msg_unknown'] });
    expect(await store.get(sending!.id)).toMatchObject({ providerId: 'figensoft' });
    await store.close();
  });
});

describe('finish', () => {
  it('writes an accepted result whole and sets finishedAt', async () => {
    const clock = new TestClock();
    const store = await openTestStore(clock);
    const [sending] = await record(store, [{ message: message({ to: '05321234561' }), owner: 'acme', state: 'dispatching' }]);
    clock.advance(1_500);
    expect(await store.finish(sending!.id, accepted(sending!.to))).toBe(true);
    expect(await store.get(sending!.id)).toMatchObject({
      state: 'accepted',
      providerId: 'figensoft',
      accountId: 'main',
      providerMessageId: 'fs-981',
      segments: 2,
      encoding: 'GSM7_TURKISH_SHIFT',
      shift: 'single',
      simulated: true,
      attempts: [attempt('accepted')],
      updatedAt: clock.now(),
      finishedAt: clock.now(),
    });
    await store.close();
  });

  it('writes the reason and issues of a rejection, keeps the provider a failure does not name, and never rewrites a finished record', async () => {
    const store = await openTestStore();
    const [rejected, failed] = await record(store, [
      { message: message({ to: '05321234561' }), owner: 'acme', state: 'dispatching' },
      { message: message({ to: '05321234562' }), owner: 'acme', state: 'dispatching' },
    ]);
    await store.markDispatching([failed!.id], { providerId: 'infobip', accountId: 'eu' });
    const finished = await store.finishMany([
      { id: rejected!.id, result: { status: 'rejected', reason: 'invalid sender', issues: [{ path: 'sender', reason: 'not registered' }], providerId: 'figensoft', attempts: [attempt('rejected')] } },
      { id: failed!.id, result: { status: 'failed', reason: 'all providers down', attempts: [attempt('failed'), attempt('failed')] } },
      { id: 'msg_unknown', result: { status: 'failed', reason: 'x', attempts: [] } },
    ]);
    expect(finished).toBe(2);
    expect(await store.get(rejected!.id)).toMatchObject({ state: 'rejected', reason: 'invalid sender', issues: [{ path: 'sender', reason: 'not registered' }], providerId: 'figensoft' });
    expect(await store.get(failed!.id)).toMatchObject({ state: 'failed', reason: 'all providers down', providerId: 'infobip', accountId: 'eu' });
    expect((await store.get(failed!.id))!.attempts).toHaveLength(2);

    const before = await store.get(rejected!.id);
    expect(await store.finish(rejected!.id, accepted(rejected!.to))).toBe(false);
    expect(await store.finishMany([{ id: failed!.id, result: accepted(failed!.to) }])).toBe(0);
    expect(await store.get(rejected!.id)).toEqual(before);
    await store.close();
  });

  it('records an unknown outcome with where it went', async () => {
    const store = await openTestStore();
    const [sending] = await record(store, [{ message: message({ to: '05321234561' }), owner: 'acme', state: 'dispatching' }]);
    await store.finish(sending!.id, { status: 'unknown', to: sending!.to, providerId: 'twilio', accountId: 'us', reason: 'timeout', attempts: [attempt('unknown')] });
    expect(await store.get(sending!.id)).toMatchObject({ state: 'unknown', reason: 'timeout', providerId: 'twilio', accountId: 'us' });
    await store.close();
  });

  it('records an unknown outcome in the encoding its provider would have sent and billed (UCS-2, not the shift table it was recorded in)', async () => {
    const store = await openTestStore();
    const [sending, plain] = await record(store, [
      { message: message({ to: '05321234561', text: 'Siparişiniz yola çıktı. '.repeat(4) }), owner: 'acme', state: 'dispatching' },
      { message: message({ to: '05321234562', text: 'Siparişiniz yola çıktı. '.repeat(4) }), owner: 'acme', state: 'dispatching' },
    ]);
    expect(sending).toMatchObject({ encoding: 'GSM7_TURKISH_SHIFT', shift: 'locking', segments: 1 });
    await store.finishMany([
      { id: sending!.id, result: { status: 'unknown', to: sending!.to, providerId: 'twilio', accountId: 'us', encoding: 'UCS2', segments: 2, reason: 'reset', attempts: [attempt('unknown')] } },
      // A result without an encoding (an older router's) leaves the recorded one.
      { id: plain!.id, result: { status: 'unknown', to: plain!.to, providerId: 'twilio', accountId: 'us', reason: 'reset', attempts: [attempt('unknown')] } },
    ]);
    const written = await store.get(sending!.id);
    expect(written).toMatchObject({ state: 'unknown', encoding: 'UCS2', segments: 2 });
    expect(written).not.toHaveProperty('shift');
    expect(await store.get(plain!.id)).toMatchObject({ state: 'unknown', encoding: 'GSM7_TURKISH_SHIFT', shift: 'locking', segments: 1 });
    await store.close();
  });
});

describe('recoverInterrupted', () => {
  it('turns a dispatching record that names a provider into unknown (interrupted), queues again one that never reached a provider, and leaves the rest', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'rota-ledger-recover-'));
    try {
      const clock = new TestClock();
      const config = { kind: 'sqlite' as const, path: join(folder, 'ledger.db') };
      const before = await openTestStore(clock, config);
      const [inFlight, queued, done, waiting] = await record(before, [
        { message: message({ to: '05321234561' }), owner: 'acme', state: 'dispatching' },
        { message: message({ to: '05321234562', sendAt: '2099-01-01T00:00:00Z' }), owner: 'acme' },
        { message: message({ to: '05321234563' }), owner: 'acme', state: 'dispatching' },
        { message: message({ to: '05321234564' }), owner: 'acme', state: 'dispatching' },
      ]);
      await before.markDispatching([inFlight!.id], { providerId: 'figensoft', accountId: 'figensoft-notification' });
      await before.finish(done!.id, accepted(done!.to));
      await before.close(); // the process dies here

      const after = await openTestStore(clock, config);
      const restart = clock.advance(MINUTE);
      expect(await after.recoverInterrupted(restart)).toEqual({ unknown: 1, requeued: 1 });
      expect(await after.get(inFlight!.id)).toMatchObject({ state: 'unknown', reason: 'interrupted', providerId: 'figensoft', finishedAt: restart, updatedAt: restart });
      expect(await after.get(queued!.id)).toMatchObject({ state: 'queued' });
      expect(await after.get(done!.id)).toMatchObject({ state: 'accepted' });
      expect(await after.get(waiting!.id)).toMatchObject({ state: 'queued' });
      expect(await after.recoverInterrupted(restart)).toEqual({ unknown: 0, requeued: 0 });
      expect((await after.claimDue({ now: restart, limit: 10 })).map((r) => r.id)).toEqual([waiting!.id]);
      await after.close();
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
