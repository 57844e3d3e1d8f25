import { createRouter } from '@rota/core';
import { createFakeProvider, type FakeProvider } from '@rota/testkit';
import { AccountThrottle } from '../../src/dispatch/account-throttle.js';
import { Dispatcher } from '../../src/dispatch/dispatcher.js';
import type { DispatchSource, DispatchUnit } from '../../src/dispatch/dispatch-source.js';
import { TableSource } from '../../src/dispatch/table-source.js';
import { Ledger, type LedgerStore } from '../../src/index.js';
import { finalState, until } from '../ledger-rig.js';
import { failingCalls } from '../failing-calls.js';
import { message, numbers, openTestStore, TestClock } from '../ledger-fixtures.js';

// Tries the dispatcher refuses before they are made. A unit whose records
// another worker took over must leave that worker's job alone; a try the
// store could not prepare (a database blip) is no failure of the message's.

function fakeProvider(delayMs = 0): FakeProvider {
  return createFakeProvider({ id: 'fake', accounts: [{ accountId: 'fake-notification', iysType: 'NOTIFICATION', senders: ['ROTA'] }], fallback: { type: 'accept', delayMs } });
}

async function queuedRecords(store: LedgerStore, count: number): Promise<string[]> {
  const outcomes = await store.recordMessages(numbers(count).map((to) => ({ message: message({ to }), owner: 'acme', state: 'queued' as const })));
  return outcomes.map((outcome) => (outcome as { record: { id: string } }).record.id);
}

/** One unit claimed under a token, as the shared queue hands it out; says what the dispatcher told it. */
function tokenSource(store: LedgerStore, ids: string[], token: string, meanwhile: () => Promise<void> = async () => undefined) {
  const told: string[] = [];
  const state = { asked: false, handed: false };
  const source: DispatchSource = {
    async next() {
      if (state.asked) return undefined;
      state.asked = true;
      const { records } = await store.claimUnit(ids, token);
      await meanwhile();
      state.handed = true;
      const unit: DispatchUnit = {
        records,
        token,
        settle: async () => void told.push('settle'),
        abandon: async (reason) => void told.push(`abandon: ${reason}`),
      };
      return unit;
    },
  };
  return { source, told, state };
}

describe('a unit whose records another worker took over', () => {
  it('is neither completed nor failed when the takeover came before its try: nothing is sent, the records stay the other worker’s', async () => {
    const store = await openTestStore(new TestClock(Date.now()));
    const provider = fakeProvider();
    const router = createRouter({ providers: [{ provider, rank: 1 }], retry: { retries: 0 } });
    const ids = await queuedRecords(store, 2);
    // This worker was taken for dead between its claim and its first try: another claimed the unit under its own token.
    const { source, told, state } = tokenSource(store, ids, 'taken-for-dead', async () => void (await store.claimUnit(ids, 'took-over')));
    const dispatcher = new Dispatcher({ store, source, router, throttle: new AccountThrottle(), texts: new Map(), pollMs: 3_600_000 });
    dispatcher.start();
    // The unit is handed over in a microtask, and checked here in a timer: it has started by then.
    await until(async () => (state.handed && dispatcher.busy === 0 ? true : undefined), 'the unit ran');
    await dispatcher.stop(1_000);

    // Completing the job here would complete the job the other worker holds, and lose its records if that worker then fails it.
    expect(told).toEqual([]);
    expect(provider.callCount).toBe(0);
    for (const id of ids) expect(await store.get(id)).toMatchObject({ state: 'dispatching' });
    // Still the other worker's: it finishes them.
    expect(await store.finishMany(ids.map((id) => ({ id, result: { status: 'failed', to: '+905320000000', reason: 'x', attempts: [] } })), { token: 'took-over' })).toBe(2);
    await router.close();
    await store.close();
  });

  it('is neither completed nor failed when the takeover came while it was at the provider', async () => {
    const store = await openTestStore(new TestClock(Date.now()));
    const provider = fakeProvider(150);
    const router = createRouter({ providers: [{ provider, rank: 1 }], retry: { retries: 0 } });
    const ids = await queuedRecords(store, 1);
    const { source, told } = tokenSource(store, ids, 'slow');
    const dispatcher = new Dispatcher({ store, source, router, throttle: new AccountThrottle(), texts: new Map(), pollMs: 3_600_000 });
    dispatcher.start();
    await until(async () => (provider.callCount > 0 ? true : undefined), 'the try reached the provider');
    // The other worker's claim finds the record named to a provider: it finishes it unknown (interrupted).
    expect(await store.claimUnit(ids, 'took-over')).toMatchObject({ interrupted: 1 });
    await until(async () => (dispatcher.busy === 0 ? true : undefined), 'the slow unit ended');
    await dispatcher.stop(1_000);

    expect(told).toEqual([]);
    expect(await store.get(ids[0]!)).toMatchObject({ state: 'unknown', reason: expect.stringContaining('interrupted') });
    await router.close();
    await store.close();
  });
});

describe('a try the store could not prepare', () => {
  it('queues the message again instead of failing it, and sends it once the store answers', async () => {
    const store = await openTestStore(new TestClock(Date.now()));
    // The store as the dispatcher sees it: its first markDispatching meets a dropped connection.
    const failures = { markDispatching: 1 };
    const { proxy: flaky } = failingCalls(store, failures);
    const provider = fakeProvider();
    const router = createRouter({ providers: [{ provider, rank: 1 }], retry: { retries: 0 } });
    const [id] = await queuedRecords(store, 1);
    const dispatcher = new Dispatcher({ store: flaky, source: new TableSource(flaky, 10, Date.now), router, throttle: new AccountThrottle(), texts: new Map(), pollMs: 20 });
    dispatcher.start();
    const record = await until(finalState(store, id!), 'the message finished');
    await dispatcher.stop(1_000);

    expect(failures.markDispatching).toBe(0);
    expect(record).toMatchObject({ state: 'accepted', providerId: 'fake' });
    expect(provider.callCount).toBe(1);
    await router.close();
    await store.close();
  });
});

describe('tries the store keeps refusing', () => {
  it('are claimed again after a pause, not in a tight loop', async () => {
    const store = await openTestStore(new TestClock(Date.now()));
    const { proxy: flaky, calls } = failingCalls(store, { markDispatching: Number.POSITIVE_INFINITY });
    const provider = fakeProvider();
    const router = createRouter({ providers: [{ provider, rank: 1 }], retry: { retries: 0 } });
    const [id] = await queuedRecords(store, 1);
    const dispatcher = new Dispatcher({ store: flaky, source: new TableSource(flaky, 10, Date.now), router, throttle: new AccountThrottle(), texts: new Map(), pollMs: 20 });
    dispatcher.start();
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await dispatcher.stop(1_000);

    // A try a second at most (before: 500–600 in a second); the message waits, queued, never failed.
    expect(calls.markDispatching).toBeGreaterThanOrEqual(1);
    expect(calls.markDispatching).toBeLessThanOrEqual(3);
    expect(await store.get(id!)).toMatchObject({ state: 'queued' });
    expect(provider.callCount).toBe(0);
    await router.close();
    await store.close();
  });

  it("keep a waited-for OTP's text: queued again after a blip, it is sent with it", async () => {
    const store = await openTestStore(new TestClock(Date.now()));
    const { proxy: flaky } = failingCalls(store, { markDispatching: 1 });
    const provider = fakeProvider();
    const router = createRouter({ providers: [{ provider, rank: 1 }], retry: { retries: 0 } });
    const ledger = new Ledger({ store: flaky, router, dispatch: { pollMs: 20 } });
    await ledger.start();
    const [outcome] = await ledger.submit([{ message: message({ to: '+905321234567', otp: true, text: 'Kodunuz 424242' }), owner: 'acme' }], 'wait');
    const { id } = (outcome as { record: { id: string } }).record;
    const record = await until(finalState(store, id), 'the OTP sent after the blip');
    await ledger.stop(1_000);

    expect(record).toMatchObject({ state: 'accepted' });
    expect(provider.calls.map((call) => call.text)).toEqual(['Kodunuz 424242']);
    await router.close();
    await store.close();
  });
});

describe('a unit whose results and release the store could not take', () => {
  it('is released at a later claim, not left dispatching until a restart', async () => {
    const store = await openTestStore(new TestClock(Date.now()));
    const failing = { finishMany: 1, releaseInterrupted: 1 };
    // The store goes away after the send: the results cannot be written, nor the records released, once each.
    const { proxy: flaky } = failingCalls(store, failing);
    const provider = fakeProvider();
    const router = createRouter({ providers: [{ provider, rank: 1 }], retry: { retries: 0 } });
    const [id] = await queuedRecords(store, 1);
    const dispatcher = new Dispatcher({ store: flaky, source: new TableSource(flaky, 10, Date.now), router, throttle: new AccountThrottle(), texts: new Map(), pollMs: 20, writeRetryMs: 0 });
    dispatcher.start();
    const record = await until(finalState(store, id!), 'the record released');
    await dispatcher.stop(1_000);

    expect(failing).toEqual({ finishMany: 0, releaseInterrupted: 0 });
    // The provider was asked and its answer could not be written: unknown, never sent twice.
    expect(record).toMatchObject({ state: 'unknown', reason: expect.stringContaining('interrupted') });
    expect(provider.callCount).toBe(1);
    await router.close();
    await store.close();
  });
});

describe('a unit some of whose records were canceled after its claim', () => {
  it('is not taken for lost when a record no provider was asked for was canceled: its try-mates go back to the queue, the unit is handed back', async () => {
    const store = await openTestStore(new TestClock(Date.now()));
    // Turkish numbers only: the German one is skipped by every provider, and ends failed without a try.
    const provider = createFakeProvider({ id: 'fake', turkishNumbersOnly: true, accounts: [{ accountId: 'fake-notification', iysType: 'NOTIFICATION', senders: ['ROTA'] }], fallback: { type: 'accept' } });
    const router = createRouter({ providers: [{ provider, rank: 1 }], retry: { retries: 0 } });
    const outcomes = await store.recordMessages(['+4915112345678', '05321234567', '05321234568'].map((to) => ({ message: message({ to }), owner: 'acme', state: 'queued' as const })));
    const [abroad, canceled, beside] = outcomes.map((outcome) => (outcome as { record: { id: string } }).record.id) as [string, string, string];
    // Both canceled by their client while the unit waited its turn; the third rides in the same request as the second.
    const { source, told, state } = tokenSource(store, [abroad, canceled, beside], 'unit-1', async () => {
      await store.cancel(abroad, { owner: 'acme' }, 'client');
      await store.cancel(canceled, { owner: 'acme' }, 'client');
    });
    const dispatcher = new Dispatcher({ store, source, router, throttle: new AccountThrottle(), texts: new Map(), pollMs: 3_600_000 });
    dispatcher.start();
    await until(async () => (state.handed && dispatcher.busy === 0 ? true : undefined), 'the unit ran');
    await dispatcher.stop(1_000);
    // Before: the canceled record's result found no record to write, the unit was taken for lost (neither settled nor
    // handed back), and the third stayed dispatching until the queue's timeout.
    expect(told).toEqual([expect.stringMatching(/^abandon: 1 record\(s\) were not sent/)]);
    expect(provider.callCount).toBe(0);
    expect(await Promise.all([abroad, canceled, beside].map(async (id) => (await store.get(id))?.state))).toEqual(['canceled', 'canceled', 'queued']);
    await router.close();
    await store.close();
  });
});

describe("the table's unit that put records back in the queue", () => {
  it('releases nothing: a record queued again and claimed by the next unit is not taken from it', async () => {
    const store = await openTestStore(new TestClock(Date.now()));
    const ids = await queuedRecords(store, 2);
    const source = new TableSource(store, 10, () => Date.now());
    const unit = (await source.next({ otpOnly: false }))!;
    // Queued again untried, then claimed by the next unit, which has named its provider: on its way.
    await store.requeueUnsent(ids);
    const next = (await source.next({ otpOnly: false }))!;
    await store.markDispatching(ids, { providerId: 'fake', accountId: 'fake-notification' });
    await unit.requeued!('queued again');
    expect(await Promise.all(ids.map(async (id) => (await store.get(id))?.state))).toEqual(['dispatching', 'dispatching']);
    // Where abandon releases the unit's records: a provider was asked, so they would have become unknown mid-send.
    expect(next.records.map((record) => record.id).sort()).toEqual([...ids].sort());
    await store.close();
  });
});
