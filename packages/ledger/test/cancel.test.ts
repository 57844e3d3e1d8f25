import { describe, expect, it } from '@jest/globals';
import type { LedgerStore, MessageRecord, RecordOutcome } from '../src/index.js';
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

  it('leaves a message a dispatcher has claimed alone: it is on its way', async () => {
    const store = await openTestStore();
    const [outcome] = await store.recordMessages([{ message: message({ to: '05321234567' }), owner: 'acme' }]);
    const [claimed] = await store.claimDue({ now: new Date(), limit: 1 });
    expect(claimed?.id).toBe(recordOf(outcome).id);
    expect(await store.cancel(claimed!.id, { owner: 'acme' }, 'client')).toMatchObject({ kind: 'not-cancelable', record: { state: 'dispatching' } });
    expect(await store.timeline(claimed!.id)).toEqual([]);
    await store.close();
  });
});

describe('LedgerStore.cancelBulk', () => {
  it('cancels every record still queued (slices on SQLite), leaves claimed ones to be sent, and completes the bulk once they are', async () => {
    const store = await openTestStore();
    const recipients = numbers(2_500);
    const bulk = await store.recordBulk({ template: bulkTemplate(), owner: 'acme', callbackUrl: HOOK }, recipients);
    const bulkId = (bulk as { bulkId: string }).bulkId;
    const claimed = await store.claimDue({ now: new Date(), limit: 100 });
    expect(claimed).toHaveLength(100);

    expect(await store.cancelBulk(bulkId, { owner: 'globex' }, 'client')).toBeUndefined();
    const outcome = await store.cancelBulk(bulkId, { owner: 'acme' }, 'client');
    expect(outcome).toMatchObject({ canceled: 2_400, progress: { count: 2_500, byState: { canceled: 2_400, dispatching: 100, queued: 0 } } });
    expect(await store.claimDue({ now: new Date(), limit: 1_000 })).toEqual([]);
    // A second cancel finds nothing left to take back.
    expect((await store.cancelBulk(bulkId, {}, 'operator'))?.canceled).toBe(0);

    // The claimed hundred finish: the bulk is complete, and says how it ended.
    await store.finishMany(claimed.map((record) => ({ id: record.id, result: { status: 'failed', reason: 'test', attempts: [] } })));
    const due = await store.claimWebhooks({ now: new Date(Date.now() + 60_000), limit: 5_000, leaseMs: 60_000 });
    expect(due.filter((event) => event.type === 'message.canceled')).toHaveLength(2_400);
    const completed = due.filter((event) => event.type === 'bulk.completed');
    expect(completed).toHaveLength(1);
    expect(JSON.parse(completed[0]!.payload).data).toMatchObject({ bulkId, byState: { canceled: 2_400, failed: 100 } });
    await store.close();
  }, 30_000);
});

describe('Ledger.cancel', () => {
  it('takes back a scheduled message, which the provider then never sees', async () => {
    const r = await rig();
    const sendAt = new Date(Date.now() + 400);
    const [outcome] = await r.ledger.submit([{ message: message({ to: '+905321234567', sendAt }), owner: 'acme' }], 'queue');
    const id = recordOf(outcome as RecordOutcome).id;
    expect(await r.ledger.cancel(id, { owner: 'acme' }, 'client')).toMatchObject({ kind: 'canceled', record: { state: 'canceled' } });
    // Another, due at the same moment, goes out: the dispatcher ran past the canceled one.
    const [other] = await r.ledger.submit([{ message: message({ to: '+905321234568', sendAt }), owner: 'acme' }], 'queue');
    await until(async () => ((await r.store.get(recordOf(other as RecordOutcome).id))?.state === 'accepted' ? true : undefined), 'the other sent');
    expect(r.provider.calls.flatMap((call) => call.recipients)).toEqual(['+905321234568']);
    expect(await r.ledger.cancel('msg_none', {}, 'operator')).toEqual({ kind: 'not-found' });
    await r.close();
  });
});
