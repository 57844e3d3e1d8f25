import { describe, expect, it } from '@jest/globals';
import { createRouter } from '@rota/core';
import { createFakeProvider } from '@rota/testkit';
import { AccountThrottle } from '../../src/dispatch/account-throttle.js';
import { Dispatcher } from '../../src/dispatch/dispatcher.js';
import { TableSource } from '../../src/dispatch/table-source.js';
import type { MessageRecord } from '../../src/index.js';
import { message, numbers, openTestStore, TestClock } from '../ledger-fixtures.js';
import { finalState, until } from '../ledger-rig.js';

// A burst of single messages claimed as one unit went out batchConcurrency at a time while the
// dispatcher's other slots stood idle: 800 messages to a provider answering in 100 ms took 19 s.
describe('a unit of many single messages', () => {
  it('is sent as wide as the idle slots allow — never wider than one share a general slot', async () => {
    const store = await openTestStore(new TestClock(Date.now()));
    const provider = createFakeProvider({ id: 'fake', maxRecipientsPerRequest: 1, accounts: [{ accountId: 'fake-notification', iysType: 'NOTIFICATION', senders: ['ROTA'] }], fallback: { type: 'accept', delayMs: 30 } });
    let out = 0;
    let most = 0;
    const send = provider.send.bind(provider);
    provider.send = async (...args) => {
      most = Math.max(most, ++out);
      try {
        return await send(...args);
      } finally {
        out -= 1;
      }
    };
    const router = createRouter({ providers: [{ provider, rank: 1 }], retry: { retries: 0 }, batchConcurrency: 2 });
    const to = numbers(30);
    // Texts apart: thirty requests, not one.
    const recorded = await store.recordMessages(to.map((number, i) => ({ message: message({ to: number, text: `Siparişiniz ${i} yolda` }), owner: 'acme', state: 'queued' as const })));
    const ids = recorded.map((outcome) => (outcome as { record: MessageRecord }).record.id);
    const dispatcher = new Dispatcher({ store, source: new TableSource(store, 800, Date.now), router, throttle: new AccountThrottle(), texts: new Map(), pollMs: 20, concurrency: 4 });
    dispatcher.start();

    for (const id of ids) expect(await until(finalState(store, id), 'every message sent')).toMatchObject({ state: 'accepted' });
    await dispatcher.stop(1_000);
    // One unit (one claim took all thirty), three general slots of two; the OTP slot's two kept.
    expect(most).toBe(6);
    expect(provider.calls.flatMap((call) => call.recipients).sort()).toEqual([...to].sort());
    await router.close();
    await store.close();
  });
});
