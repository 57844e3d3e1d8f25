import { createRouter, type Router } from '@rota/core';
import { createFakeProvider, until as untilWithin, type FakeProvider, type FakeProviderOptionsInput } from '@rota/testkit';
import { Ledger, type LedgerStore, type MessageRecord } from '../src/index.js';
import { openTestStore, TestClock } from './ledger-fixtures.js';

// The ledger at work over a real router and a scripted fake provider, on a
// store of the kind this run tests.

export interface Rig {
  store: LedgerStore;
  router: Router;
  ledger: Ledger;
  provider: FakeProvider;
  close(): Promise<void>;
}

export async function rig(options: { provider?: Partial<FakeProviderOptionsInput>; dispatch?: ConstructorParameters<typeof Ledger>[0]['dispatch']; limits?: Map<string, number>; store?: LedgerStore; clock?: () => number; retries?: number } = {}): Promise<Rig> {
  const store = options.store ?? (await openTestStore(new TestClock(Date.now())));
  const provider = createFakeProvider({
    id: 'fake',
    scheduling: true,
    accounts: [
      { accountId: 'fake-notification', iysType: 'NOTIFICATION', senders: ['ROTA'] },
      { accountId: 'fake-campaign', iysType: 'CAMPAIGN', senders: ['ROTA'] },
    ],
    ...options.provider,
  });
  const router = createRouter({ providers: [{ provider, rank: 1 }], retry: { retries: options.retries ?? 0, minDelayMs: 1, maxDelayMs: 5 } });
  const ledger = new Ledger({ store, router, dispatch: { pollMs: 20, ...options.dispatch }, ...(options.limits ? { limits: options.limits } : {}), ...(options.clock ? { clock: options.clock } : {}) });
  await ledger.start();
  return {
    store,
    router,
    ledger,
    provider,
    async close() {
      await ledger.stop(1_000);
      await router.close();
      await store.close();
    },
  };
}

/** The ledger's waits: 5 s, checked every 10 ms. */
export const until = <T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 5_000): Promise<T> => untilWithin(check, what, timeoutMs, 10);

export const finalState = (store: LedgerStore, id: string) => async (): Promise<MessageRecord | undefined> => {
  const record = await store.get(id);
  return record && record.state !== 'queued' && record.state !== 'dispatching' ? record : undefined;
};

