import { isStoreUnavailable, LedgerInputError } from '../src/index.js';
import { message, openTestStore, TestClock } from './ledger-fixtures.js';

describe('operator overrides', () => {
  it('sets, replaces and clears settings, keeping who changed them and when', async () => {
    const clock = new TestClock();
    const store = await openTestStore(clock);
    expect(await store.operatorOverrides()).toEqual([]);
    await store.changeOperatorOverrides({
      set: [
        { providerId: 'figensoft', setting: 'rank', value: 7 },
        { providerId: 'figensoft', setting: 'enabled', value: false },
        { providerId: 'figensoft', accountId: 'figensoft-campaign', setting: 'breaker', value: 'open' },
        { providerId: 'figensoft', accountId: 'figensoft-notification', setting: 'breaker', value: 'closed' },
      ],
      by: 'admin',
    });
    clock.advance(1_000);
    // The same setting again replaces it; one account's breaker is cleared alone.
    await store.changeOperatorOverrides({ set: [{ providerId: 'figensoft', setting: 'rank', value: 2 }], clear: [{ providerId: 'figensoft', setting: 'breaker', accountId: 'figensoft-notification' }] });
    const stored = await store.operatorOverrides();
    expect(stored.map(({ changedAt: _at, ...rest }) => rest)).toEqual([
      { providerId: 'figensoft', accountId: 'figensoft-campaign', setting: 'breaker', value: 'open', changedBy: 'admin' },
      { providerId: 'figensoft', setting: 'enabled', value: false, changedBy: 'admin' },
      { providerId: 'figensoft', setting: 'rank', value: 2 },
    ]);
    expect(stored.find((o) => o.setting === 'rank')!.changedAt.getTime()).toBe(clock.now().getTime());

    // Clearing a setting without an account clears it for every account.
    await store.changeOperatorOverrides({ clear: [{ providerId: 'figensoft', setting: 'breaker' }, { providerId: 'figensoft', setting: 'rank' }, { providerId: 'figensoft', setting: 'enabled' }] });
    expect(await store.operatorOverrides()).toEqual([]);
    await store.close();
  });

  it('refuses a setting it could not apply, naming the field, and changes nothing', async () => {
    const store = await openTestStore();
    const bad = store.changeOperatorOverrides({ set: [{ providerId: 'figensoft', setting: 'rank', value: 1 }, { providerId: 'figensoft', setting: 'breaker', value: 'open' } as never] });
    await expect(bad).rejects.toThrow(LedgerInputError);
    await expect(bad).rejects.toThrow(/set\.1/);
    expect(await store.operatorOverrides()).toEqual([]);
    await store.close();
  });

  it('answers a ping while the database is there', async () => {
    const store = await openTestStore();
    await expect(store.ping()).resolves.toBeUndefined();
    await store.close();
  });
});

describe('isStoreUnavailable', () => {
  it('says a store that was closed cannot be reached: a call still in flight at shutdown is answered 503, not 500', async () => {
    const store = await openTestStore();
    await store.close();
    const refusal = (call: Promise<unknown>) => call.then(() => 'answered', (error: unknown) => isStoreUnavailable(error));
    expect(await refusal(store.ping())).toBe(true);
    expect(await refusal(store.recordMessages([{ message: message({ to: '+905321234567' }), owner: 'acme' }]))).toBe(true);
  });

  const coded = (code: string, message = 'x') => Object.assign(new Error(message), { code });

  it('tells a database that cannot be reached from one that refused a statement', () => {
    for (const error of [
      coded('ECONNREFUSED'),
      coded('57P01', 'terminating connection due to administrator command'),
      coded('08006'),
      coded('53300', 'too many connections'),
      coded('55000', 'database "rota" is not currently accepting connections'),
      coded('28P01', 'password authentication failed for user "rota"'),
      coded('3D000', 'database "rota" does not exist'),
      coded('25006', 'cannot execute INSERT in a read-only transaction'),
      new Error('Query read timeout'),
      coded('SQLITE_BUSY'),
      coded('SQLITE_IOERR_WRITE'),
      new Error('Connection terminated unexpectedly'),
      new Error('timeout exceeded when trying to connect'),
      new Error('wrapped', { cause: coded('ETIMEDOUT') }),
      new AggregateError([coded('ECONNREFUSED')], 'every address refused'),
    ]) {
      expect({ error: String(error), unavailable: isStoreUnavailable(error) }).toEqual({ error: String(error), unavailable: true });
    }
    for (const error of [coded('23505', 'duplicate key'), coded('42P01', 'relation does not exist'), coded('55P03', 'lock not available'), coded('SQLITE_CONSTRAINT'), new Error('something else'), undefined, 'text']) {
      expect({ error: String(error), unavailable: isStoreUnavailable(error) }).toEqual({ error: String(error), unavailable: false });
    }
  });
});
