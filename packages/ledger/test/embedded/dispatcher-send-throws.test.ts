import { createRouter } from '@rota/core';
import { createFakeProvider } from '@rota/testkit';
import { AccountThrottle } from '../../src/dispatch/account-throttle.js';
import { Dispatcher, type DispatchRouter } from '../../src/dispatch/dispatcher.js';
import { TableSource } from '../../src/dispatch/table-source.js';
import { finalState, until } from '../ledger-rig.js';
import { Ledger } from '../../src/index.js';
import { failingCalls } from '../failing-calls.js';
import { bulkTemplate, message, numbers, openTestStore, TestClock } from '../ledger-fixtures.js';

// A unit goes to the router as one batch and a send per bulk. When one of those throws, the
// unit is released — but only once its other sends have ended: released while one still ran,
// its records were finished `unknown` under a send that then reached the provider.
describe('a unit one of whose sends throws', () => {
  it('waits for its other sends, writes their results, and releases the rest', async () => {
    const store = await openTestStore(new TestClock(Date.now()));
    const provider = createFakeProvider({ id: 'fake', accounts: [{ accountId: 'fake-notification', iysType: 'NOTIFICATION', senders: ['ROTA'] }], fallback: { type: 'accept', delayMs: 200 } });
    const router = createRouter({ providers: [{ provider, rank: 1 }], retry: { retries: 0 } });
    let throws = 1;
    const flaky: DispatchRouter = {
      sendChecked: (...args) => router.sendChecked(...args),
      sendBatchChecked: (...args) => router.sendBatchChecked(...args),
      on: (...args) => router.on(...args),
      batchConcurrency: router.batchConcurrency,
      sendBulkChecked: async (...args) => {
        if (throws-- > 0) throw new Error('the router failed this bulk');
        return router.sendBulkChecked(...args);
      },
    };
    const [single] = await store.recordMessages([{ message: message({ to: '+905329999999' }), owner: 'acme', state: 'queued' }]);
    const bulk = await store.recordBulk({ template: bulkTemplate({ iysType: 'NOTIFICATION' }), owner: 'acme' }, numbers(2));
    const singleId = (single as { record: { id: string } }).record.id;
    const dispatcher = new Dispatcher({ store, source: new TableSource(store, 10, Date.now), router: flaky, throttle: new AccountThrottle(), texts: new Map(), pollMs: 20 });
    dispatcher.start();

    expect(await until(finalState(store, singleId), 'the single message finished')).toMatchObject({ state: 'accepted' });
    const { items } = await until(async () => {
      const page = await store.list({ bulkId: (bulk as { bulkId: string }).bulkId });
      return page.items.every((record) => record.state === 'accepted') ? page : undefined;
    }, 'the bulk sent once released');
    await dispatcher.stop(1_000);

    expect(items).toHaveLength(2);
    expect(throws).toBeLessThan(0);
    // Each number once: nothing was sent twice.
    expect(provider.calls.flatMap((call) => call.recipients).sort()).toEqual(['+905329999999', ...numbers(2)].sort());
    await router.close();
    await store.close();
  });
});

describe('a waited-for send that throws', () => {
  it('releases its record at once (queued again: no provider was asked), not left dispatching until a restart', async () => {
    const store = await openTestStore(new TestClock(Date.now()));
    const provider = createFakeProvider({ id: 'fake', accounts: [{ accountId: 'fake-notification', iysType: 'NOTIFICATION', senders: ['ROTA'] }] });
    const router = createRouter({ providers: [{ provider, rank: 1 }], retry: { retries: 0 } });
    const { proxy: flaky } = failingCalls(router, { sendChecked: 1 }, 'the router failed this message');
    const ledger = new Ledger({ store, router: flaky, dispatch: { pollMs: 20 } });
    await ledger.start();
    await expect(ledger.submit([{ message: message({ to: '+905321234567' }), owner: 'acme' }], 'wait')).rejects.toThrow('the router failed this message');
    const [record] = (await store.list()).items;
    // Released, then sent by the dispatcher like any queued message.
    expect(await until(finalState(store, record!.id), 'the released message sent')).toMatchObject({ state: 'accepted' });
    expect(provider.callCount).toBe(1);
    await ledger.stop(1_000);
    await router.close();
    await store.close();
  });
});
