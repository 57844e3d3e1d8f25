import { describe, expect, it } from '@jest/globals';
import { createRouter } from '@rota/core';
import { createFakeProvider } from '@rota/testkit';
import { AccountThrottle } from '../src/dispatch/account-throttle.js';
import { Dispatcher } from '../src/dispatch/dispatcher.js';
import { TableSource } from '../src/dispatch/table-source.js';
import type { LedgerStore, MessageRecord } from '../src/index.js';
import { failingCalls } from './failing-calls.js';
import { message, openTestStore, TestClock } from './ledger-fixtures.js';
import { finalState, until } from './ledger-rig.js';

// A unit's results used to be written only when its slowest message was done: a unit of 800 single
// messages at a second a provider answer held every result in memory for minutes — invisible to
// readers and webhooks, and `unknown` after a crash although the provider had taken them.

const SLOW = '+905329999999';
const FAST = ['+905321000001', '+905321000002', '+905321000003'];

/** Four single messages (texts apart, so four provider requests) in one unit, SLOW's last; the provider answers it after `slowMs`. */
async function slowUnit(store: LedgerStore, slowMs: number) {
  const provider = createFakeProvider({
    id: 'fake',
    maxRecipientsPerRequest: 1,
    accounts: [{ accountId: 'fake-notification', iysType: 'NOTIFICATION', senders: ['ROTA'] }],
    script: ({ request }) => ({ type: 'accept', delayMs: request.recipients.includes(SLOW) ? slowMs : 0 }),
  });
  const router = createRouter({ providers: [{ provider, rank: 1 }], retry: { retries: 0 } });
  const recorded = await store.recordMessages([...FAST, SLOW].map((to, i) => ({ message: message({ to, text: `Siparişiniz ${i} yolda` }), owner: 'acme', state: 'queued' as const })));
  const ids = recorded.map((outcome) => (outcome as { record: MessageRecord }).record.id);
  return { provider, router, ids, fastIds: ids.slice(0, FAST.length), slowId: ids[FAST.length]! };
}

describe('a unit still sending', () => {
  it('writes the results it has while its slowest message is still with the provider', async () => {
    const store = await openTestStore(new TestClock(Date.now()));
    const { provider, router, fastIds, slowId } = await slowUnit(store, 2_000);
    const dispatcher = new Dispatcher({ store, source: new TableSource(store, 10, Date.now), router, throttle: new AccountThrottle(), texts: new Map(), pollMs: 20, resultFlushMs: 50 });
    dispatcher.start();

    // The fast three are accepted in the store while the slow one is still dispatching: a crash now
    // would leave only that one `unknown`.
    await until(async () => ((await Promise.all(fastIds.map((id) => finalState(store, id)()))).every((record) => record?.state === 'accepted') ? true : undefined), 'the fast results written', 1_500);
    expect(await store.get(slowId)).toMatchObject({ state: 'dispatching', providerId: 'fake' });

    expect(await until(finalState(store, slowId), 'the slow result written')).toMatchObject({ state: 'accepted' });
    await dispatcher.stop(1_000);
    // Each message sent once, each result written once and kept.
    expect(provider.calls.flatMap((call) => call.recipients).sort()).toEqual([SLOW, ...FAST].sort());
    for (const id of fastIds) expect(await store.get(id)).toMatchObject({ state: 'accepted' });
    await router.close();
    await store.close();
  });

  it('keeps the results an early write could not store, and writes them with the next one, still before the unit ends', async () => {
    const inner = await openTestStore(new TestClock(Date.now()));
    const { proxy: store, calls } = failingCalls(inner, { finishMany: 1 }, 'the database went away for a moment');
    const { router, fastIds, slowId } = await slowUnit(inner, 2_000);
    const dispatcher = new Dispatcher({ store, source: new TableSource(store, 10, Date.now), router, throttle: new AccountThrottle(), texts: new Map(), pollMs: 20, resultFlushMs: 50 });
    dispatcher.start();

    await until(async () => ((await Promise.all(fastIds.map((id) => finalState(inner, id)()))).every((record) => record?.state === 'accepted') ? true : undefined), 'the fast results written after a failed write', 1_500);
    expect(calls.finishMany).toBe(2);
    expect(await inner.get(slowId)).toMatchObject({ state: 'dispatching' });
    expect(await until(finalState(inner, slowId), 'the slow result written')).toMatchObject({ state: 'accepted' });
    await dispatcher.stop(1_000);
    await router.close();
    await inner.close();
  });

  it('leaves a try the store refused to the unit\'s end, which queues its message again rather than failing it', async () => {
    const inner = await openTestStore(new TestClock(Date.now()));
    // The first try's markDispatching (a fast message's) meets a dropped connection: that message was never sent, through
    // no fault of its own. Its `failed` comes while the slow one is still at the provider: written early, it would stay.
    const { proxy: store } = failingCalls(inner, { markDispatching: 1 }, 'the database went away for a moment');
    const { router, ids, provider } = await slowUnit(inner, 1_000);
    const dispatcher = new Dispatcher({ store, source: new TableSource(store, 10, Date.now), router, throttle: new AccountThrottle(), texts: new Map(), pollMs: 20, resultFlushMs: 50 });
    dispatcher.start();

    // Every message ends accepted, each sent once: the refused one was queued again, never written `failed`.
    for (const id of ids) expect(await until(finalState(inner, id), 'every message sent', 6_000)).toMatchObject({ state: 'accepted' });
    await dispatcher.stop(1_000);
    expect(provider.calls.flatMap((call) => call.recipients).sort()).toEqual([SLOW, ...FAST].sort());
    await router.close();
    await inner.close();
  });
});
