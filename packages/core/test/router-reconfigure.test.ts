import { createFakeProvider } from '@rota/testkit';
import { createRouter } from '../src/router/create-router.js';
import { notification } from './router-helpers.js';

const down = { type: 'error' as const, kind: 'provider-unavailable' as const };
const breaker = { volumeThreshold: 2, resetTimeoutMs: 60_000 };

describe('router: reconfigure', () => {
  it('keeps the breaker state of providers whose settings did not change, and applies new ranks', async () => {
    const first = createFakeProvider({ id: 'first', script: [down, down] });
    const second = createFakeProvider({ id: 'second' });
    const router = createRouter({ providers: [{ provider: first, rank: 1 }, { provider: second, rank: 2 }], breaker, retry: { retries: 0 } });
    await router.send(notification);
    await router.send(notification);
    expect(router.status()[0]!.accounts[0]!.breaker).toBe('open');

    router.reconfigure({ providers: [{ provider: first, rank: 1 }, { provider: second, rank: 2 }], breaker, retry: { retries: 0 } });
    expect(router.status()[0]!.accounts[0]!.breaker).toBe('open'); // unchanged provider: same breaker

    router.reconfigure({ providers: [{ provider: first, rank: 5 }, { provider: second, rank: 2 }], breaker, retry: { retries: 0 } });
    expect(router.status().map((s) => `${s.providerId}@${s.rank}`)).toEqual(['second@2', 'first@5']);
    await router.close();
  });

  it('gives a replaced provider a fresh breaker and stops calling a removed one', async () => {
    const first = createFakeProvider({ id: 'first', script: [down, down] });
    const second = createFakeProvider({ id: 'second' });
    const router = createRouter({ providers: [{ provider: first, rank: 1 }, { provider: second, rank: 2 }], breaker, retry: { retries: 0 } });
    await router.send(notification);
    await router.send(notification);

    const rotated = createFakeProvider({ id: 'first' }); // e.g. new credentials
    router.reconfigure({ providers: [{ provider: rotated, rank: 1 }, { provider: second, rank: 2 }], breaker, retry: { retries: 0 } });
    expect(await router.send(notification)).toMatchObject({ providerId: 'first' });
    expect(rotated.callCount).toBe(1);

    router.reconfigure({ providers: [{ provider: second, rank: 2 }], breaker });
    expect(await router.send(notification)).toMatchObject({ providerId: 'second' });
    expect(rotated.callCount).toBe(1);
    expect(router.status().map((s) => s.providerId)).toEqual(['second']);
    await router.close();
  });

  it("keeps an operator's forced breaker through a reconfigure that replaces its provider's slot (new settings, new instance)", async () => {
    const first = createFakeProvider({ id: 'first' });
    const second = createFakeProvider({ id: 'second' });
    const router = createRouter({ providers: [{ provider: first, rank: 1 }, { provider: second, rank: 2 }], breaker, retry: { retries: 0 } });
    router.forceBreaker('first', 'first-notification', 'open');
    router.forceBreaker('second', 'second-campaign', 'closed');
    // Only a retry setting changed: every slot is replaced. Before, the forced breakers went back to auto unannounced.
    router.reconfigure({ providers: [{ provider: first, rank: 1 }, { provider: second, rank: 2 }], breaker, retry: { retries: 1 } });
    expect(await router.send(notification)).toMatchObject({ providerId: 'second' });
    expect(first.callCount).toBe(0);
    // A new instance (rotated credentials) keeps them too.
    const rotated = createFakeProvider({ id: 'first' });
    router.reconfigure({ providers: [{ provider: rotated, rank: 1 }, { provider: second, rank: 2 }], breaker, retry: { retries: 1 } });
    const overrides = router.status().flatMap((status) => status.accounts.map((account) => `${status.providerId}/${account.accountId}:${account.override}`));
    expect(overrides).toEqual(expect.arrayContaining(['first/first-notification:open', 'second/second-campaign:closed', 'first/first-campaign:auto']));
    expect(await router.send(notification)).toMatchObject({ providerId: 'second' });
    expect(rotated.callCount).toBe(0);
    await router.close();
  });

  it('refuses an invalid configuration and keeps the running one', async () => {
    const first = createFakeProvider({ id: 'first' });
    const router = createRouter({ providers: [{ provider: first, rank: 1 }] });
    const told: unknown[] = [];
    router.on('routes-changed', (change) => told.push(change));
    expect(() => router.reconfigure({ providers: [{ provider: first, rank: 1 }, { provider: first, rank: 2 }] })).toThrow(/listed twice/);
    expect(() => router.reconfigure({ providers: [{ provider: first, rank: 1 }], retry: { retries: -1 } })).toThrow();
    expect(told).toEqual([]); // nothing changed, nothing told
    expect(await router.send(notification)).toMatchObject({ status: 'accepted', providerId: 'first' });
    await router.close();
  });

  it('tells routes-changed when a provider is switched on or the configuration replaced (a holder of messages without a route tries them then), not when one is switched off', async () => {
    const first = createFakeProvider({ id: 'first' });
    const router = createRouter({ providers: [{ provider: first, rank: 1 }] });
    const told: unknown[] = [];
    router.on('routes-changed', (change) => told.push(change));
    router.setEnabled('first', false);
    expect(told).toEqual([]);
    router.setEnabled('first', true);
    router.reconfigure({ providers: [{ provider: first, rank: 2 }] });
    expect(told).toEqual([{ cause: 'enabled', providerId: 'first' }, { cause: 'reconfigured' }]);
    expect(() => router.setEnabled('nobody', true)).toThrow(/nobody/);
    expect(told).toHaveLength(2);
    await router.close();
  });
});
