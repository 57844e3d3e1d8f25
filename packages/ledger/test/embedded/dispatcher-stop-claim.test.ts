import { createRouter } from '@rota/core';
import { createFakeProvider } from '@rota/testkit';
import { AccountThrottle } from '../../src/dispatch/account-throttle.js';
import { Dispatcher } from '../../src/dispatch/dispatcher.js';
import type { DispatchSource } from '../../src/dispatch/dispatch-source.js';
import { TableSource } from '../../src/dispatch/table-source.js';
import { message, numbers, openTestStore, TestClock } from '../ledger-fixtures.js';

// stop() waits, up to its bound, for the units already running. A unit whose claim was under
// way when it was called used to start anyway, while stop() still waited for the others — and
// its send reached the provider after the stop.
describe('a dispatcher stopped while it claims', () => {
  it('hands the unit claimed meanwhile back to the queue: never sent, its records queued', async () => {
    const store = await openTestStore(new TestClock(Date.now()));
    const provider = createFakeProvider({ id: 'fake', accounts: [{ accountId: 'fake-notification', iysType: 'NOTIFICATION', senders: ['ROTA'] }], fallback: { type: 'accept', delayMs: 400 } });
    const router = createRouter({ providers: [{ provider, rank: 1 }], retry: { retries: 0 } });
    const [first, second] = numbers(2);
    const outcomes = await store.recordMessages([first!, second!].map((to) => ({ message: message({ to }), owner: 'acme', state: 'queued' as const })));
    const [firstId, secondId] = outcomes.map((outcome) => (outcome as { record: { id: string } }).record.id);

    // Units of one record; the second claim answers only when the test lets it.
    const table = new TableSource(store, 1, Date.now);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let claims = 0;
    const source: DispatchSource = {
      async next(options) {
        claims += 1;
        const unit = await table.next(options);
        if (claims >= 2) await held;
        return unit;
      },
    };
    const dispatcher = new Dispatcher({ store, source, router, throttle: new AccountThrottle(), texts: new Map(), pollMs: 3_600_000 });
    dispatcher.start();
    // The first unit is at the provider (400 ms), the second is being claimed.
    while (provider.callCount === 0 || claims < 2) await new Promise((resolve) => setTimeout(resolve, 5));

    const stopped = dispatcher.stop(5_000);
    release();
    await stopped;
    // One request, the first unit's: nothing of the second reached the provider.
    expect(provider.calls.flatMap((call) => call.recipients)).toHaveLength(1);
    expect((await store.get(firstId!))!.state).toBe('accepted');
    expect((await store.get(secondId!))!).toMatchObject({ state: 'queued' });
    expect((await store.get(secondId!))!.providerId).toBeUndefined();

    await router.close();
    await store.close();
  });
});
