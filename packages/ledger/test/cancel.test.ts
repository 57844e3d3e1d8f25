import type { SendResult } from '@rota/core';
import { describe, expect, it } from '@jest/globals';
import type { LedgerStore, MessageRecord, RecordOutcome } from '../src/index.js';
import { WithdrawnBeforeTry } from '../src/store/cancel-messages.js';
import { bulkTemplate, message, numbers, openTestStore, TestClock } from './ledger-fixtures.js';
import { rig, until } from './ledger-rig.js';

// A queued message (a scheduled one, a campaign's records) taken back before
// it is sent: `canceled`, final, announced like any other end.

const LATER = '2099-01-01T00:00:00Z';
const HOOK = 'https://hooks.example/rota';

const recordOf = (outcome: RecordOutcome | undefined): MessageRecord => {
  if (outcome?.kind === 'created') return outcome.record;
  throw new Error(`expected a new record, got ${JSON.stringify(outcome)}`);
};

async function scheduled(store: LedgerStore, to = '05321234567', owner = 'acme'): Promise<MessageRecord> {
  const [outcome] = await store.recordMessages([{ message: message({ to, sendAt: LATER }), owner, callbackUrl: HOOK }]);
  return recordOf(outcome);
}

describe('LedgerStore.cancel', () => {
  it('cancels a queued message: final, with its reason, a timeline step and a message.canceled webhook; never claimed after', async () => {
    const clock = new TestClock();
    const store = await openTestStore(clock);
    const record = await scheduled(store);
    clock.advance(1_000);

    const outcome = await store.cancel(record.id, { owner: 'acme' }, 'client');
    expect(outcome).toMatchObject({ kind: 'canceled', record: { id: record.id, state: 'canceled', reason: 'canceled by its client before it was sent', finishedAt: clock.now() } });
    expect((await store.timeline(record.id))!.map((step) => [step.state, step.source])).toEqual([['canceled', 'cancel']]);
    expect((await store.webhooksOfMessage(record.id))!.map((event) => [event.type, event.state])).toEqual([['message.canceled', 'pending']]);
    expect(await store.claimDue({ now: new Date(LATER), limit: 10 })).toEqual([]);
    expect((await store.stats(clock.now())).byState.canceled).toBe(1);
    // Once is enough: the second call finds it canceled.
    expect(await store.cancel(record.id, { owner: 'acme' }, 'client')).toMatchObject({ kind: 'not-cancelable', record: { state: 'canceled' } });
    await store.close();
  });

  it("answers nothing for another client's message, and lets an operator cancel any", async () => {
    const store = await openTestStore();
    const record = await scheduled(store);
    expect(await store.cancel(record.id, { owner: 'globex' }, 'client')).toBeUndefined();
    expect(await store.cancel('msg_none', {}, 'operator')).toBeUndefined();
    expect((await store.get(record.id))?.state).toBe('queued');
    expect(await store.cancel(record.id, {}, 'operator')).toMatchObject({ kind: 'canceled', record: { reason: 'canceled by an operator before it was sent' } });
    await store.close();
  });

  it('cancels a claimed message no try has named a provider for; its try is then not made, and the marks of the rest of it are undone', async () => {
    const store = await openTestStore();
    await store.recordMessages(['05321234567', '05321234568'].map((to) => ({ message: message({ to }), owner: 'acme' })));
    const claimed = await store.claimDue({ now: new Date(), limit: 2 });
    const [waiting, beside] = claimed.map((record) => record.id) as [string, string];
    // Waiting for its account's rate limit, or its turn in the unit: not on its way yet.
    expect(await store.cancel(waiting, { owner: 'acme' }, 'client')).toMatchObject({ kind: 'canceled', record: { state: 'canceled' } });
    const target = { providerId: 'fake', accountId: 'fake-notification' };
    const refused = await store.markDispatching([waiting, beside], target).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(WithdrawnBeforeTry);
    expect(refused).toMatchObject({ withdrawn: [waiting] });
    // Rolled back whole: the other names no provider, so a crash now cannot leave it unknown as if it had been sent.
    expect(await store.get(beside)).toMatchObject({ state: 'dispatching' });
    expect((await store.get(beside))?.providerId).toBeUndefined();
    expect(await store.withdrawnAmong([waiting, beside])).toEqual([waiting]);
    // Once a try has named its provider, the message is on its way: sent, not canceled.
    expect(await store.markDispatching([beside], target)).toBe(1);
    expect(await store.cancel(beside, { owner: 'acme' }, 'client')).toMatchObject({ kind: 'not-cancelable', record: { state: 'dispatching' } });
    expect(await store.timeline(beside)).toEqual([]);
    await store.close();
  });
});

describe('LedgerStore.cancelBulk', () => {
  it('cancels every record not on its way (slices on SQLite), leaves those whose try named a provider to be sent, and completes the bulk once they are', async () => {
    const store = await openTestStore();
    const recipients = numbers(2_500);
    const bulk = await store.recordBulk({ template: bulkTemplate(), owner: 'acme', callbackUrl: HOOK }, recipients);
    const bulkId = (bulk as { bulkId: string }).bulkId;
    const claimed = await store.claimDue({ now: new Date(), limit: 300 });
    expect(claimed).toHaveLength(300);
    // A hundred of the claimed are in a request to their provider; two hundred wait for their turn.
    expect(await store.markDispatching(claimed.slice(0, 100).map((record) => record.id), { providerId: 'fake', accountId: 'fake-campaign' })).toBe(100);

    expect(await store.cancelBulk(bulkId, { owner: 'globex' }, 'client')).toBeUndefined();
    const outcome = await store.cancelBulk(bulkId, { owner: 'acme' }, 'client');
    expect(outcome).toMatchObject({ canceled: 2_400, progress: { count: 2_500, byState: { canceled: 2_400, dispatching: 100, queued: 0 } } });
    expect(await store.claimDue({ now: new Date(), limit: 1_000 })).toEqual([]);
    // A second cancel finds nothing left to take back.
    expect((await store.cancelBulk(bulkId, {}, 'operator'))?.canceled).toBe(0);

    // The hundred on their way finish: the bulk is complete, and says how it ended.
    await store.finishMany(claimed.slice(0, 100).map((record) => ({ id: record.id, result: { status: 'failed', reason: 'test', attempts: [] } })));
    const due = await store.claimWebhooks({ now: new Date(Date.now() + 60_000), limit: 5_000, leaseMs: 60_000 });
    expect(due.filter((event) => event.type === 'message.canceled')).toHaveLength(2_400);
    const completed = due.filter((event) => event.type === 'bulk.completed');
    expect(completed).toHaveLength(1);
    expect(JSON.parse(completed[0]!.payload).data).toMatchObject({ bulkId, byState: { canceled: 2_400, failed: 100 } });
    await store.close();
  }, 30_000);
});

describe('a cancel while a request waits for its account\'s rate limit', () => {
  it('ends the wait: the canceled request holds neither its slot nor the budget, and a message behind it goes out at once', async () => {
    // Two a second, and one request of 40: it would wait 20 s for the account, in the one slot that is not the OTPs'.
    const r = await rig({ provider: { maxRecipientsPerRequest: 40 }, limits: new Map([['fake/fake-campaign', 2]]), dispatch: { concurrency: 2 } });
    const outcome = await r.ledger.submitBulk({ template: bulkTemplate(), recipients: numbers(40), owner: 'acme' });
    const bulkId = (outcome as { bulkId: string }).bulkId;
    await until(async () => ((await r.store.bulkProgress(bulkId))?.byState.dispatching === 40 ? true : undefined), 'the unit claimed');
    await new Promise((resolve) => setTimeout(resolve, 300)); // waiting on the throttle now
    expect((await r.ledger.cancelBulk(bulkId, { owner: 'acme' }, 'client'))?.canceled).toBe(40);
    const canceledAt = Date.now();
    const [behind] = await r.ledger.submit([{ message: message({ to: '+905329998877', iysType: 'CAMPAIGN', text: 'Kampanya' }), owner: 'acme' }], 'queue');
    const id = (behind as { record: MessageRecord }).record.id;
    await until(async () => ((await r.store.get(id))?.state === 'accepted' ? true : undefined), 'the message behind it sent', 10_000);
    // Before: it waited for the slot, which the canceled request held for its 20 s of budget.
    expect(Date.now() - canceledAt).toBeLessThan(5_000);
    expect(r.provider.calls.flatMap((call) => call.recipients)).toEqual(['+905329998877']);
    await r.close();
  }, 30_000);
});

describe('Ledger.cancel', () => {
  it('takes back a scheduled message, which the provider then never sees', async () => {
    const r = await rig();
    // Far enough ahead that the cancel comes first however slow the store (PostgreSQL on a loaded machine).
    const sendAt = new Date(Date.now() + 2_000);
    const [outcome] = await r.ledger.submit([{ message: message({ to: '+905321234567', sendAt }), owner: 'acme' }], 'queue');
    const id = recordOf(outcome as RecordOutcome).id;
    expect(await r.ledger.cancel(id, { owner: 'acme' }, 'client')).toMatchObject({ kind: 'canceled', record: { state: 'canceled' } });
    // Another, due at the same moment, goes out: the dispatcher ran past the canceled one.
    const [other] = await r.ledger.submit([{ message: message({ to: '+905321234568', sendAt }), owner: 'acme' }], 'queue');
    await until(async () => ((await r.store.get(recordOf(other as RecordOutcome).id))?.state === 'accepted' ? true : undefined), 'the other sent', 10_000);
    expect(r.provider.calls.flatMap((call) => call.recipients)).toEqual(['+905321234568']);
    expect(await r.ledger.cancel('msg_none', {}, 'operator')).toEqual({ kind: 'not-found' });
    await r.close();
  });

  it("takes back what of a bulk waits for its account's rate limit, claimed or not: nothing more is sent, and the bulk completes", async () => {
    // Two messages a second: a unit of 40 is claimed at once and waits on the throttle, request by request.
    const r = await rig({ provider: { maxRecipientsPerRequest: 1 }, limits: new Map([['fake/fake-campaign', 2]]) });
    const outcome = await r.ledger.submitBulk({ template: bulkTemplate(), recipients: numbers(40), owner: 'acme', callbackUrl: HOOK });
    const bulkId = (outcome as { bulkId: string }).bulkId;
    await until(async () => (r.provider.calls.length >= 2 ? true : undefined), 'the first sends');
    const before = await r.store.bulkProgress(bulkId);
    expect(before?.byState.dispatching ?? 0).toBeGreaterThan(20); // claimed, waiting
    const canceled = await r.ledger.cancelBulk(bulkId, { owner: 'acme' }, 'client');
    const sentByThen = r.provider.calls.length;
    // At most the try under way when the cancel came (it named its provider first) is sent after it.
    expect(canceled?.canceled).toBeGreaterThanOrEqual(40 - sentByThen - 1);
    await until(async () => ((await r.store.bulkProgress(bulkId))?.byState.dispatching ? undefined : true), 'the unit ends');
    await new Promise((resolve) => setTimeout(resolve, 1_200)); // two more turns of the throttle: nothing goes
    const after = (await r.store.bulkProgress(bulkId))!;
    expect(r.provider.calls.length).toBeLessThanOrEqual(sentByThen + 1);
    expect(Object.fromEntries(Object.entries(after.byState).filter(([, n]) => n > 0))).toEqual({ accepted: r.provider.calls.length, canceled: 40 - r.provider.calls.length });
    // Canceled records are final, never queued again, and never sent: the provider saw each number once at most.
    const sent = r.provider.calls.flatMap((call) => call.recipients);
    expect(new Set(sent).size).toBe(sent.length);
    await r.close();
  }, 20_000);
});

describe("an erasure while a request waits for its account's rate limit", () => {
  it("takes the erased number's record out of the try, and the rest of its request, another client's messages too, goes out", async () => {
    // Two a second: one request of six, claimed, waits three seconds on the account's throttle. The erased record was
    // taken for a sign of another worker's takeover: the five others ended failed, unsent.
    const r = await rig({ limits: new Map([['fake/fake-notification', 2]]) });
    const to = numbers(6, 100);
    const outcomes = await r.ledger.submit(to.map((number, i) => ({ message: message({ to: number }), owner: i % 2 === 0 ? 'acme' : 'globex' })), 'queue');
    const ids = outcomes.map((outcome) => recordOf(outcome as RecordOutcome).id);
    await until(async () => ((await r.store.get(ids[0]!))?.state === 'dispatching' ? true : undefined), 'the unit claimed');
    await new Promise((resolve) => setTimeout(resolve, 300)); // waiting on the throttle now
    expect(await r.ledger.eraseNumber(to[3]!)).toBe(1);
    for (const id of ids.filter((_, i) => i !== 3)) {
      await until(async () => ((await r.store.get(id))?.state === 'accepted' ? true : undefined), 'each other message sent', 15_000);
    }
    expect(await r.store.get(ids[3]!)).toBeUndefined();
    const sent = r.provider.calls.flatMap((call) => call.recipients);
    expect([...sent].sort()).toEqual(to.filter((_, i) => i !== 3));
    await r.close();
  }, 30_000);

  it('refuses a try naming a record erased since its claim, rolling back its marks (the store)', async () => {
    const store = await openTestStore();
    await store.recordMessages(['05321234567', '05321234568'].map((to) => ({ message: message({ to }), owner: 'acme' })));
    const [gone, beside] = (await store.claimDue({ now: new Date(), limit: 2 })).map((record) => record.id) as [string, string];
    expect(await store.eraseNumber('+905321234567')).toBe(1);
    const refused = await store.markDispatching([gone, beside], { providerId: 'fake', accountId: 'fake-notification' }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(WithdrawnBeforeTry);
    expect(refused).toMatchObject({ withdrawn: [gone] });
    expect((await store.get(beside))?.providerId).toBeUndefined();
    expect(await store.withdrawnAmong([gone, beside])).toEqual([gone]);
    await store.close();
  });

  it('writes the results of a try whose record was erased once the provider was named: the erased one stays gone, the other is written', async () => {
    const store = await openTestStore();
    await store.recordMessages(['05321234567', '05321234568'].map((to) => ({ message: message({ to }), owner: 'acme', callbackUrl: HOOK })));
    const [gone, beside] = await store.claimDue({ now: new Date(), limit: 2 });
    expect(await store.markDispatching([gone!.id, beside!.id], { providerId: 'fake', accountId: 'fake-notification' })).toBe(2);
    expect(await store.eraseNumber('+905321234567')).toBe(1);
    const accepted = (to: string, providerMessageId: string): SendResult => ({
      status: 'accepted',
      to,
      providerId: 'fake',
      accountId: 'fake-notification',
      providerMessageId,
      segments: 1,
      encoding: 'GSM7_TURKISH_SHIFT',
      shift: 'single',
      simulated: true,
      attempts: [],
    });
    const written = await store.finishMany([
      { id: gone!.id, result: accepted(gone!.to, 'p-1') },
      { id: beside!.id, result: accepted(beside!.to, 'p-2') },
    ]);
    expect(written).toBe(1);
    expect(await store.get(gone!.id)).toBeUndefined();
    expect(await store.timeline(gone!.id)).toBeUndefined();
    expect(await store.get(beside!.id)).toMatchObject({ state: 'accepted', providerMessageId: 'p-2' });
    // Nothing of the erased record comes back through its provider id: a report for it matches no message.
    expect([...(await store.idsOfProviderMessages('fake', ['p-1', 'p-2'])).keys()]).toEqual(['p-2']);
    await store.close();
  });
});
