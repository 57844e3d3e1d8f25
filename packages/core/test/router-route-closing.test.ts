import { createFakeProvider } from '@rota/testkit';
import { abortableSleep } from '../src/router/abort-signals.js';
import { createRouter } from '../src/router/create-router.js';
import { notification, setup, trail } from './router-helpers.js';

// Found by an operator trial: a provider switched off while a message sat out its Retry-After (6 s) still
// had the whole wait sat out before the message walked on. A wait now ends when its route closes; each test
// here waits a minute's Retry-After, so without that it runs past the test's timeout.
const busy = { type: 'error' as const, kind: 'retryable' as const, code: 'HTTP_429', retryAfterMs: 60_000 };
const longRetries = { retries: 1, minDelayMs: 1, maxDelayMs: 5, deadlineMs: 120_000 };

/** Resolves once `provider` has been asked `calls` times. */
async function asked(provider: { callCount: number }, calls: number): Promise<void> {
  while (provider.callCount < calls) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe('router: a wait for a retry ends when an operator closes its route', () => {
  it('walks on at once when the provider is switched off during its Retry-After, the trail saying both', async () => {
    const { router, providers } = setup([{ id: 'first', script: [busy] }, { id: 'second' }], { retry: longRetries });
    const sending = router.send(notification);
    await asked(providers[0]!, 1);
    router.setEnabled('first', false);
    const result = await sending;
    expect(result).toMatchObject({ status: 'accepted', providerId: 'second' });
    expect(trail(result)).toEqual(['first:failed', 'second:accepted']);
    expect(result.attempts[0]).toMatchObject({ tries: 1, reason: expect.stringMatching(/; then first was switched off$/) });
    await router.close();
  }, 10_000);

  it('walks on when the account\'s breaker is forced open during the wait', async () => {
    const { router, providers } = setup([{ id: 'first', script: [busy] }, { id: 'second' }], { retry: longRetries });
    const sending = router.send(notification);
    await asked(providers[0]!, 1);
    router.forceBreaker('first', providers[0]!.accountIds[0]!, 'open');
    expect(await sending).toMatchObject({ status: 'accepted', providerId: 'second' });
    await router.close();
  }, 10_000);

  it('walks on at once when the account\'s breaker opens by failures: its retry would be refused', async () => {
    const { router } = setup([{ id: 'first', script: [busy] }, { id: 'second' }], { retry: longRetries, breaker: { volumeThreshold: 1, errorThresholdPercentage: 1 } });
    const result = await router.send(notification);
    expect(result).toMatchObject({ status: 'accepted', providerId: 'second' });
    expect(result.attempts[0]).toMatchObject({ providerId: 'first', tries: 1, reason: expect.stringMatching(/; then its circuit breaker opened$/) });
    await router.close();
  }, 10_000);

  it('keeps the answer of a retry under way when the route closes during it: the message is not sent again down the ranks', async () => {
    // Found by a review: the route's closing ended the retry's try itself, its acceptance was thrown away and rank 2 sent the message too.
    const down = { type: 'error' as const, kind: 'retryable' as const, code: 'HTTP_503' };
    const { router, providers } = setup([{ id: 'first', script: [down, { type: 'accept', delayMs: 200 }] }, { id: 'second' }]);
    const sending = router.send(notification);
    await asked(providers[0]!, 2);
    router.setEnabled('first', false);
    const result = await sending;
    expect(result).toMatchObject({ status: 'accepted', providerId: 'first' });
    expect(result.attempts).toEqual([expect.objectContaining({ providerId: 'first', outcome: 'accepted', tries: 2 })]);
    expect(providers[1]!.callCount).toBe(0);
    await router.close();
  });

  it('keeps waiting when another provider is switched off, and tries its own again', async () => {
    const first = createFakeProvider({ id: 'first', script: [{ ...busy, retryAfterMs: 300 }] });
    const router = createRouter({ providers: [{ provider: first, rank: 1 }, { provider: createFakeProvider({ id: 'second' }), rank: 2 }, { provider: createFakeProvider({ id: 'third' }), rank: 3 }], retry: longRetries });
    const sending = router.send(notification);
    await asked(first, 1);
    router.setEnabled('third', false);
    const result = await sending;
    expect(result).toMatchObject({ status: 'accepted', providerId: 'first' });
    expect(result.attempts).toEqual([expect.objectContaining({ providerId: 'first', outcome: 'accepted', tries: 2 })]);
    await router.close();
  });
});

describe('router: a retry\'s answer stands whatever stops come during it', () => {
  const down = { type: 'error' as const, kind: 'retryable' as const, code: 'HTTP_503' };

  /** Rank 1 answers its second try after 200 ms whatever signal it is given (a provider whose answer comes despite an abort), rank 2 accepts. */
  function answeringDespiteAborts() {
    const fake = createFakeProvider({ id: 'first', script: [down, { type: 'accept', delayMs: 200 }] });
    const first = Object.create(fake, { send: { value: (request: Parameters<typeof fake.send>[0]) => fake.send(request) } }) as typeof fake;
    const second = createFakeProvider({ id: 'second' });
    const router = createRouter({ providers: [{ provider: first, rank: 1 }, { provider: second, rank: 2 }], retry: { retries: 2, minDelayMs: 1, maxDelayMs: 5 } });
    return { router, fake, second };
  }

  it('keeps a retry\'s acceptance when the router closes while it is under way (it read as failed: not sent)', async () => {
    // Found by a review: p-retry looks at its signal after each answer, and threw the acceptance away.
    const { router, fake, second } = answeringDespiteAborts();
    const sending = router.send(notification);
    await asked(fake, 2);
    const closing = router.close();
    expect(await sending).toMatchObject({ status: 'accepted', providerId: 'first' });
    expect(second.callCount).toBe(0);
    await closing;
  });

  it('keeps a retry\'s acceptance when the caller aborts while it is under way', async () => {
    const { router, fake, second } = answeringDespiteAborts();
    const caller = new AbortController();
    const sending = router.send(notification, { signal: caller.signal });
    await asked(fake, 2);
    caller.abort();
    expect(await sending).toMatchObject({ status: 'accepted', providerId: 'first' });
    expect(second.callCount).toBe(0);
    await router.close();
  });

  it('ends p-retry\'s own backoff too when the route closes (no Retry-After): the message walks on at once', async () => {
    const { router, providers } = setup([{ id: 'first', fallback: down }, { id: 'second' }], { retry: { retries: 3, minDelayMs: 20_000, maxDelayMs: 60_000, deadlineMs: 120_000 } });
    const sending = router.send(notification);
    await asked(providers[0]!, 1);
    router.setEnabled('first', false);
    expect(await sending).toMatchObject({ status: 'accepted', providerId: 'second' });
    await router.close();
  }, 10_000);

  it('walks on when the caller\'s hook throws the route\'s closing as it waits (not "not sent: [object Object]")', async () => {
    const { router } = setup([{ id: 'first' }, { id: 'second' }]);
    let waited = false;
    const sending = router.send(notification, {
      beforeAttempt: async (target) => {
        if (target.providerId !== 'first') return;
        waited = true;
        await abortableSleep(60_000, [target.routeClosing]);
      },
    });
    while (!waited) await new Promise((resolve) => setTimeout(resolve, 5));
    router.setEnabled('first', false);
    const result = await sending;
    expect(result).toMatchObject({ status: 'accepted', providerId: 'second' });
    expect(result.attempts[0]).toMatchObject({ providerId: 'first', outcome: 'skipped', reason: expect.stringContaining('first was switched off') });
    await router.close();
  }, 10_000);
});
