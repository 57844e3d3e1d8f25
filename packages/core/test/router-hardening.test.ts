import { jest } from '@jest/globals';
import { ProviderError, type Logger, type Provider, type ProviderHealth } from '@rota/provider';
import { createFakeProvider } from '@rota/testkit';
import { createRouter } from '../src/router/create-router.js';
import { RouterOptionsError } from '../src/router/router-options.js';
import { notification, setup, trail } from './router-helpers.js';

// Regressions for the defects found by trying Rota as a user and an attacker
// (issue "Hardening"); each test failed before its fix.

describe('router: a pending send keeps the process alive', () => {
  it('waits out a retry backoff on a referenced timer, and close() ends the wait', async () => {
    // Before: the backoff timers were unref'd, so a script whose only work was
    // `await router.send()` against a refused port exited with code 13 mid-backoff.
    // (examples/ runs that script as a child process; here, the timer itself.)
    const timers: NodeJS.Timeout[] = [];
    const realSetTimeout = globalThis.setTimeout;
    const spy = jest.spyOn(globalThis, 'setTimeout').mockImplementation(((callback: () => void, ms?: number) => {
      const timer = realSetTimeout(callback, ms);
      if ((ms ?? 0) >= 5_000 && (ms ?? 0) < 20_000) timers.push(timer);
      return timer;
    }) as typeof setTimeout);
    try {
      const refused = { type: 'error' as const, kind: 'retryable' as const, code: 'ECONNREFUSED' };
      const { router } = setup([{ id: 'first', script: [refused, refused, refused] }], {
        retry: { retries: 2, minDelayMs: 5_000, maxDelayMs: 5_000, deadlineMs: 60_000 },
      });
      const pending = router.send(notification);
      await new Promise((resolve) => realSetTimeout(resolve, 20)); // the first try has failed; the backoff runs
      expect(timers).toHaveLength(1);
      expect(timers[0]!.hasRef()).toBe(true);
      await router.close();
      const result = await pending;
      expect(result).toMatchObject({ status: 'failed' });
      expect(result.attempts).toHaveLength(1);
    } finally {
      spy.mockRestore();
    }
  });
});

describe('router: scheduling capability', () => {
  const tomorrow = () => new Date(Date.now() + 86_400_000).toISOString();

  it('skips a provider that cannot schedule for a message with a future sendAt, and says why', async () => {
    const { router, providers } = setup([{ id: 'first', scheduling: false }, { id: 'second', scheduling: true }]);
    const result = await router.send({ ...notification, sendAt: tomorrow() });
    expect(result).toMatchObject({ status: 'accepted', providerId: 'second' });
    expect(trail(result)).toEqual(['first:skipped', 'second:accepted']);
    expect(result.attempts[0]!.reason).toBe('cannot schedule: sendAt is in the future and first does not take scheduled messages');
    expect(providers[0]!.callCount).toBe(0);
    await router.close();
  });

  it('refuses rather than send a scheduled message at once when no provider can schedule, naming sendAt', async () => {
    const { router, providers } = setup([{ id: 'first' }]);
    const result = await router.send({ ...notification, sendAt: tomorrow() });
    expect(result).toMatchObject({ status: 'rejected', issues: [{ path: 'sendAt', reason: expect.stringContaining('first: cannot schedule') }] });
    expect(providers[0]!.callCount).toBe(0);
    await router.close();
  });

  it('does not send a message whose validUntil has passed, and says so (failed, nothing tried)', async () => {
    const { router, providers } = setup([{ id: 'first' }]);
    const validUntil = new Date(Date.now() - 1_000).toISOString();
    const result = await router.send({ ...notification, validUntil });
    expect(result).toMatchObject({ status: 'failed', reason: `not sent: validUntil (${validUntil}) passed before any provider accepted it`, attempts: [] });
    expect(providers[0]!.callCount).toBe(0);
    await router.close();
  });

  it('makes no further try once validUntil passes while the first provider is retried (nor asks the next rank)', async () => {
    const validUntil = new Date(Date.now() + 150);
    const refused = { type: 'error' as const, kind: 'retryable' as const, code: 'ECONNREFUSED' };
    const { router, providers } = setup([{ id: 'first', script: [refused, refused] }, { id: 'second' }], {
      retry: { retries: 1, minDelayMs: 300, maxDelayMs: 300, deadlineMs: 5_000 },
    });
    const result = await router.send({ ...notification, validUntil: validUntil.toISOString() });
    expect(result).toMatchObject({ status: 'failed', reason: expect.stringContaining('validUntil') });
    expect(trail(result)).toEqual(['first:failed']);
    expect(providers.map((p) => p.callCount)).toEqual([1, 0]);
    expect(result).not.toHaveProperty('heldBack'); // final: no later try could be made, nothing for a caller to queue again
    await router.close();
  });

  it('makes no try when the caller\'s hook waited past validUntil, and the failure is final (not held back to queue again)', async () => {
    const { router, providers } = setup([{ id: 'first' }]);
    const validUntil = new Date(Date.now() + 50).toISOString();
    const result = await router.send({ ...notification, validUntil }, { beforeAttempt: () => new Promise((resolve) => setTimeout(resolve, 120)) });
    expect(result).toMatchObject({ status: 'failed', reason: expect.stringContaining('validUntil') });
    expect(result).not.toHaveProperty('heldBack');
    expect(providers[0]!.callCount).toBe(0);
    await router.close();
  });

  it('sends a message whose sendAt has come through any provider', async () => {
    const { router } = setup([{ id: 'first' }]);
    const result = await router.send({ ...notification, sendAt: new Date(Date.now() - 1_000).toISOString() });
    expect(result).toMatchObject({ status: 'accepted', providerId: 'first' });
    await router.close();
  });
});

describe('router: a provider that takes Turkish numbers only', () => {
  it('passes a number abroad on to the next provider, and keeps the Turkish ones of a bulk', async () => {
    const { router, providers } = setup([{ id: 'home', turkishNumbersOnly: true }, { id: 'world' }]);
    const abroad = await router.send({ ...notification, to: '+447911123456' });
    expect(abroad).toMatchObject({ status: 'accepted', providerId: 'world' });
    expect(trail(abroad)).toEqual(['home:skipped', 'world:accepted']);
    expect(abroad.attempts[0]).toMatchObject({ field: 'to', reason: 'home takes Turkish numbers (+90) only' });
    expect(providers[0]!.callCount).toBe(0);

    const results = await router.sendBulk({ text: 'Kampanya', iysType: 'NOTIFICATION', to: ['+905321234567', '+447911123456', '+905321234568'] });
    expect(results.map((result) => [result.to, result.status === 'accepted' && result.providerId])).toEqual([
      ['+905321234567', 'home'],
      ['+447911123456', 'world'],
      ['+905321234568', 'home'],
    ]);
    await router.close();
  });

  it('ends a number abroad rejected naming `to` when no provider takes it (no retry can change that)', async () => {
    const { router } = setup([{ id: 'home', turkishNumbersOnly: true }]);
    const result = await router.send({ ...notification, to: '+447911123456' });
    expect(result).toMatchObject({ status: 'rejected', issues: [{ path: 'to', reason: expect.stringContaining('Turkish numbers (+90) only') }] });
    await router.close();
  });
});

describe('router: a refusal no retry can change', () => {
  const onlyAcme = [{ accountId: 'n', iysType: 'NOTIFICATION' as const, senders: ['ACME'] }];

  it('answers rejected naming sender when every provider refuses the sender (not failed, which invites a retry)', async () => {
    const { router, providers } = setup([{ id: 'first', accounts: onlyAcme }, { id: 'second', accounts: onlyAcme }]);
    const result = await router.send({ ...notification, sender: 'OTHER' });
    expect(result).toMatchObject({ status: 'rejected', issues: [{ path: 'sender', reason: expect.stringContaining('sender "OTHER" is not allowed') }] });
    expect(trail(result)).toEqual(['first:skipped', 'second:skipped']);
    expect(providers.map((p) => p.callCount)).toEqual([0, 0]);
    await router.close();
  });

  it('stays failed when a provider was skipped for its own state (its breaker may close, and it allows the sender)', async () => {
    const { router } = setup([{ id: 'first', accounts: onlyAcme }, { id: 'second' }]);
    router.forceBreaker('second', 'second-notification', 'open');
    const result = await router.send({ ...notification, sender: 'ROTA' });
    expect(result.status).toBe('failed');
    await router.close();
  });
});

describe('router: Retry-After', () => {
  it('does not wait out a Retry-After after the last try: failover follows at once', async () => {
    // Before: with retries 1 and a 1.5 s Retry-After, failover came after ~3 s instead of ~1.5 s.
    // Long enough that a slow machine's stalls cannot pass for the second wait the bound below refuses.
    const busy = { type: 'error' as const, kind: 'retryable' as const, code: 'HTTP_429', retryAfterMs: 1_500 };
    const { router } = setup([{ id: 'first', script: [busy, busy] }, { id: 'second' }], {
      retry: { retries: 1, minDelayMs: 1, maxDelayMs: 5, deadlineMs: 10_000 },
    });
    const started = performance.now();
    const result = await router.send(notification);
    const elapsed = performance.now() - started;
    expect(result).toMatchObject({ status: 'accepted', providerId: 'second' });
    expect(result.attempts[0]).toMatchObject({ providerId: 'first', outcome: 'failed', tries: 2 });
    expect(elapsed).toBeGreaterThanOrEqual(1_490); // the one Retry-After between the tries
    expect(elapsed).toBeLessThan(2_900); // and not a second one after the last
    await router.close();
  });
});

describe('router: options are validated up front', () => {
  const fake = () => createFakeProvider({ id: 'a' });

  it.each([
    ['batchConcurrency 0', { batchConcurrency: 0 }, 'batchConcurrency: must be at least 1'],
    ['batchConcurrency NaN', { batchConcurrency: Number.NaN }, 'batchConcurrency:'],
    ['attemptTimeoutMs negative', { attemptTimeoutMs: -1 }, 'attemptTimeoutMs: must be at least 1'],
    ['a rank that is not finite', { rank: Number.POSITIVE_INFINITY }, 'providers.0.rank: must be a'],
    ['a bad router-wide retry', { retry: { retries: -1 } }, 'retry.retries:'],
    ['a bad per-provider breaker', { breaker: { volumeThreshold: 0 }, own: true }, 'providers.0.breaker.volumeThreshold:'],
    ['an unknown option', { batchSize: 4 }, 'batchSize: is not a known field'],
    // Found by an operator trial: past 2^31 ms Node's timer fires at once, and the breaker probed every millisecond.
    ['a reset timeout past a day (meant as "keep it open")', { breaker: { resetTimeoutMs: 3_000_000_000 }, own: true }, 'providers.0.breaker.resetTimeoutMs: must be at most 86400000 (a day'],
    ['a rolling window past an hour', { breaker: { rollingWindowMs: 99_999_999_999 } }, 'breaker.rollingWindowMs: must be at most 3600000'],
    // The backoff is capped by maxDelayMs: the first retry came sooner than minDelayMs said.
    ['a minDelayMs above the default maxDelayMs', { retry: { minDelayMs: 5_000 } }, 'retry.minDelayMs: must be at most maxDelayMs (2000)'],
    ['a minDelayMs above maxDelayMs', { retry: { minDelayMs: 5_000, maxDelayMs: 10 } }, 'retry.minDelayMs: must be at most maxDelayMs (10)'],
  ])('refuses %s with a RouterOptionsError naming the field', (_what, extra, expected) => {
    const { rank = 1, own, breaker, ...rest } = extra as Record<string, unknown>;
    const options = { providers: [{ provider: fake(), rank, ...(own ? { breaker } : {}) }], ...(own ? {} : breaker ? { breaker } : {}), ...rest };
    const build = () => createRouter(options as never);
    expect(build).toThrow(RouterOptionsError);
    expect(build).toThrow(expected);
  });

  it('refuses a provider listed twice, naming both places', () => {
    const a = fake();
    expect(() => createRouter({ providers: [{ provider: a, rank: 1 }, { provider: a, rank: 2 }] })).toThrow('providers.1.provider: "a" is listed twice (also at providers.0)');
  });

  it('keeps everything as it was when a reconfigure is refused: all or nothing', async () => {
    const a = createFakeProvider({ id: 'a' });
    const b = createFakeProvider({ id: 'b' });
    const router = createRouter({ providers: [{ provider: a, rank: 1 }, { provider: b, rank: 2 }] });
    // Before: the first entry's new rank and switch were applied, then the second entry's ZodError escaped.
    const refused = () => router.reconfigure({ providers: [{ provider: a, rank: 9, enabled: false }, { provider: b, rank: 2, retry: { retries: -1 } }] });
    expect(refused).toThrow(RouterOptionsError);
    expect(refused).toThrow('providers.1.retry.retries');
    expect(router.status().map((s) => `${s.providerId}@${s.rank}:${s.enabled}`)).toEqual(['a@1:true', 'b@2:true']);
    expect(await router.send(notification)).toMatchObject({ providerId: 'a' });
    await router.close();
  });
});

describe('router: the trail keeps every try', () => {
  it('records the tries made when the breaker opens between retries', async () => {
    // Before: the result read `attempts: [skipped, tries 0]` after 2 s of tries.
    const down = { type: 'error' as const, kind: 'retryable' as const, code: 'HTTP_503' };
    const { router, providers } = setup([{ id: 'first', fallback: down }, { id: 'second' }], {
      retry: { retries: 5, minDelayMs: 1, maxDelayMs: 2, deadlineMs: 5_000 },
      breaker: { volumeThreshold: 2, errorThresholdPercentage: 50, resetTimeoutMs: 60_000 },
    });
    const result = await router.send(notification);
    expect(result).toMatchObject({ status: 'accepted', providerId: 'second' });
    const first = result.attempts[0]!;
    expect(first).toMatchObject({ providerId: 'first', outcome: 'failed', errorKind: 'retryable', code: 'HTTP_503' });
    expect(first.tries).toBe(providers[0]!.callCount);
    expect(first.tries).toBeGreaterThanOrEqual(2);
    expect(first.reason).toMatch(/then its circuit breaker opened$/);
    await router.close();
  });
});

describe('router: listeners and retirement', () => {
  it('reports a listener that throws to the logger, and the send goes on', async () => {
    const logged: Array<{ fields: Record<string, unknown>; message: string }> = [];
    const record = (fields: Record<string, unknown>, message: string) => void logged.push({ fields, message });
    const logger: Logger = { debug: record, info: record, warn: record, error: record };
    const { router } = setup([{ id: 'first' }], { logger });
    router.on('accepted', () => {
      throw new Error('metrics exporter is down');
    });
    expect(await router.send(notification)).toMatchObject({ status: 'accepted' });
    expect(logged).toEqual([{ fields: { event: 'accepted', error: 'Error: metrics exporter is down' }, message: 'a router "accepted" listener threw; the send went on' }]);
    await router.close();
  });

  it('hands a replaced provider to onProviderRetired only after a health check running through it ends', async () => {
    const retired: string[] = [];
    let answer!: (health: ProviderHealth) => void;
    const fake = createFakeProvider({ id: 'a' });
    const slowHealth: Provider = Object.assign(Object.create(fake) as Provider, {
      health: () => new Promise<ProviderHealth>((resolve) => (answer = resolve)),
    });
    const router = createRouter({ providers: [{ provider: slowHealth, rank: 1 }], onProviderRetired: (p) => void retired.push(p === slowHealth ? 'old a' : 'other') });
    const check = router.health('a');
    await Promise.resolve();
    expect(router.status()[0]!.inFlight).toBe(1);

    router.reconfigure({ providers: [{ provider: createFakeProvider({ id: 'a' }), rank: 1 }], onProviderRetired: (p) => void retired.push(p === slowHealth ? 'old a' : 'other') });
    expect(retired).toEqual([]); // the check still runs through the old instance
    answer({ healthy: true, accounts: [] });
    expect(await check).toEqual({ healthy: true, accounts: [] });
    expect(retired).toEqual(['old a']);
    await router.close();
  });

  it('does not retire an instance the new list still routes through (only its settings changed)', async () => {
    const retired = jest.fn();
    const a = createFakeProvider({ id: 'a' });
    const router = createRouter({ providers: [{ provider: a, rank: 1 }], onProviderRetired: retired });
    router.reconfigure({ providers: [{ provider: a, rank: 1, breaker: { resetTimeoutMs: 5_000 } }], onProviderRetired: retired });
    expect(retired).not.toHaveBeenCalled();
    router.reconfigure({ providers: [], onProviderRetired: retired });
    expect(retired).toHaveBeenCalledWith(a);
    await router.close();
  });
});

describe('router: beforeAttempt, the caller\'s hook before every try', () => {
  it('is told the provider, the account and the input positions before each try, and the try waits for it', async () => {
    const down = { type: 'error' as const, kind: 'provider-unavailable' as const };
    const { router, providers } = setup([{ id: 'first', script: [down] }, { id: 'second' }]);
    const seen: string[] = [];
    const result = await router.sendBatch(
      [notification, { ...notification, to: '0532 000 00 01' }],
      {
        beforeAttempt: async ({ providerId, accountId, index }) => {
          seen.push(`${providerId}/${accountId}:${index.join(',')}:calls=${providers.map((p) => p.callCount).join('+')}`);
          await new Promise((resolve) => setTimeout(resolve, 5));
        },
      },
    );
    expect(result.map((r) => r.status)).toEqual(['accepted', 'accepted']);
    // Each call is made only after the hook for it resolved.
    expect(seen).toEqual(['first/first-notification:0,1:calls=0+0', 'second/second-notification:0,1:calls=1+0']);
    await router.close();
  });

  it('sends nothing when the hook throws: the recipients end failed with its reason', async () => {
    const { router, providers } = setup([{ id: 'first' }, { id: 'second' }]);
    const result = await router.send(notification, {
      beforeAttempt: () => {
        throw new Error('the ledger could not record the attempt');
      },
    });
    // Held back, not failed at a provider: a ledger queues it again, and metrics do not count it.
    expect(result).toMatchObject({ status: 'failed', reason: 'not sent: the ledger could not record the attempt', heldBack: true });
    expect(providers.map((p) => p.callCount)).toEqual([0, 0]);
    await router.close();
  });

  it('makes no try through a provider switched off while the hook waited (an account\'s throttle): the message walks on', async () => {
    // Before: a campaign waiting minutes on its account's rate limit went out through a provider switched off meanwhile.
    const { router, providers } = setup([{ id: 'first' }, { id: 'second' }]);
    const seen: string[] = [];
    const result = await router.send(notification, {
      beforeAttempt: async ({ providerId }) => {
        seen.push(providerId);
        if (providerId === 'first') router.setEnabled('first', false);
      },
    });
    expect(result).toMatchObject({ status: 'accepted', providerId: 'second' });
    expect(providers.map((p) => p.callCount)).toEqual([0, 1]);
    expect(seen).toEqual(['first', 'second']);
    expect(result.attempts[0]).toMatchObject({ providerId: 'first', outcome: 'skipped', reason: 'first was switched off while this message waited its turn' });
    await router.close();
  });

  it('makes no retry through a provider switched off during the backoff, nor through one a reconfigure took out', async () => {
    const down = { type: 'error' as const, kind: 'retryable' as const };
    const { router, providers } = setup([{ id: 'first', script: [down, down, down] }, { id: 'second' }]);
    const result = await router.send(notification, {
      beforeAttempt: async ({ providerId }) => {
        if (providerId === 'first' && providers[0]!.callCount === 1) router.setEnabled('first', false);
      },
    });
    expect(result).toMatchObject({ status: 'accepted', providerId: 'second' });
    expect(providers[0]!.callCount).toBe(1);
    expect(result.attempts[0]).toMatchObject({ providerId: 'first', outcome: 'failed', tries: 1, reason: expect.stringContaining('then first was switched off') });
    await router.close();
    // Taken out of the list by a reconfigure while the try waited: the same.
    const other = setup([{ id: 'first' }, { id: 'second' }]);
    const moved = await other.router.send(notification, {
      beforeAttempt: async ({ providerId }) => {
        if (providerId === 'first') other.router.reconfigure({ providers: [{ provider: other.providers[1]!, rank: 2 }], retry: { retries: 2, minDelayMs: 1, maxDelayMs: 5 } });
      },
    });
    expect(moved).toMatchObject({ status: 'accepted', providerId: 'second' });
    expect(other.providers[0]!.callCount).toBe(0);
    await other.router.close();
  });

  it('makes no try through an account forced open, or taken away, on the slot a reload put in place while the try waited', async () => {
    const { router, providers } = setup([{ id: 'first' }, { id: 'second' }]);
    const moved = await router.send(notification, {
      beforeAttempt: async ({ providerId }) => {
        if (providerId !== 'first') return;
        // New retry settings: first's slot is replaced; the operator then forces its account open on the new one.
        router.reconfigure({ providers: [{ provider: providers[0]!, rank: 1 }, { provider: providers[1]!, rank: 2 }], retry: { retries: 1, minDelayMs: 1, maxDelayMs: 5 } });
        router.forceBreaker('first', 'first-notification', 'open');
      },
    });
    // second's slot was replaced too: the walk goes on through its replacement (it ended failed, walking past a retired slot).
    expect(moved).toMatchObject({ status: 'accepted', providerId: 'second' });
    expect(moved.attempts[0]).toMatchObject({ providerId: 'first', outcome: 'skipped', reason: 'the circuit breaker of first-notification was forced open while this message waited its turn' });
    expect(providers[0]!.callCount).toBe(0);
    await router.close();
    // The account itself gone from the provider that replaced it (rotated credentials, one account fewer).
    const other = setup([{ id: 'first' }, { id: 'second' }]);
    const campaignOnly = createFakeProvider({ id: 'first', accounts: [{ accountId: 'first-campaign', iysType: 'CAMPAIGN' }] });
    const gone = await other.router.send(notification, {
      beforeAttempt: async ({ providerId }) => {
        if (providerId === 'first') other.router.reconfigure({ providers: [{ provider: campaignOnly, rank: 1 }, { provider: other.providers[1]!, rank: 2 }], retry: { retries: 2, minDelayMs: 1, maxDelayMs: 5 } });
      },
    });
    expect(gone).toMatchObject({ status: 'accepted', providerId: 'second' });
    expect(gone.attempts[0]).toMatchObject({ reason: 'first no longer has account first-notification while this message waited its turn' });
    expect(other.providers[0]!.callCount + campaignOnly.callCount).toBe(0);
    await other.router.close();
  });

  it('makes no retry, without a hook, through a provider switched off while its try failed', async () => {
    // The branch without beforeAttempt (a library caller): the check is made before each try all the same.
    let router!: ReturnType<typeof setup>['router'];
    const made = setup([
      {
        id: 'first',
        script: () => {
          router.setEnabled('first', false);
          return { type: 'error', kind: 'retryable' };
        },
      },
      { id: 'second' },
    ]);
    router = made.router;
    const result = await router.send(notification);
    expect(result).toMatchObject({ status: 'accepted', providerId: 'second' });
    expect(made.providers[0]!.callCount).toBe(1);
    expect(result.attempts[0]).toMatchObject({ providerId: 'first', outcome: 'failed', tries: 1, reason: expect.stringContaining('then first was switched off') });
    await router.close();
  });

  it("says 'not sent' once when the hook's reason says it already", async () => {
    const { router } = setup([{ id: 'first' }]);
    const result = await router.send(notification, {
      beforeAttempt: () => {
        throw new Error('not sent: another worker took these records over');
      },
    });
    expect(result).toMatchObject({ status: 'failed', reason: 'not sent: another worker took these records over' });
    await router.close();
  });

  it('makes no try when the router closed while the hook waited: not sent, and no provider blamed', async () => {
    // Before: the try went to a breaker close() had shut, whose refusal read as a provider bug.
    const { router, providers } = setup([{ id: 'first' }]);
    const bugs: unknown[] = [];
    router.on('provider-bug', (event) => bugs.push(event));
    const result = await router.send(notification, { beforeAttempt: () => router.close() });
    expect(result).toMatchObject({ status: 'failed', reason: 'not sent: the router closed before this try was made', heldBack: true });
    expect(result.attempts.every((attempt) => attempt.tries === 0)).toBe(true);
    expect(providers[0]!.callCount).toBe(0);
    expect(bugs).toEqual([]);
  });

  it('keeps the provider\'s Retry-After in the trail, for a caller that slows the account down', async () => {
    const busy = { type: 'error' as const, kind: 'retryable' as const, code: 'HTTP_429', retryAfterMs: 1_500 };
    const { router } = setup([{ id: 'first', script: [busy] }, { id: 'second' }], { retry: { retries: 0 } });
    const result = await router.send(notification);
    expect(result.attempts[0]).toMatchObject({ providerId: 'first', code: 'HTTP_429', retryAfterMs: 1_500 });
    await router.close();
  });
});

describe('router: onResult, each recipient\'s result as soon as its walk ends', () => {
  const slow = '+905320000009';
  const batch = [0, 1, 2].map((i) => ({ ...notification, to: `+90532000000${i}` })).concat({ ...notification, to: slow });

  it('tells the fast recipients\' results while a slow one is still at the provider, each once, with its input position', async () => {
    const { router } = setup([{ id: 'first', maxRecipientsPerRequest: 1, script: ({ request }) => ({ type: 'accept', delayMs: request.recipients.includes(slow) ? 600 : 0 }) }]);
    const told: Array<{ index: number; status: string; at: number }> = [];
    const started = Date.now();
    let resolvedAt = 0;
    const results = await router
      .sendBatch(batch, { onResult: (index, result) => told.push({ index, status: result.status, at: Date.now() - started }) })
      .finally(() => (resolvedAt = Date.now() - started));
    expect(told.map((t) => t.index).sort()).toEqual([0, 1, 2, 3]);
    expect(told.every((t) => t.status === 'accepted')).toBe(true);
    // The three fast ones were told long before the batch resolved (it waited for the slow one's 600 ms).
    const fast = told.filter((t) => t.index !== 3);
    expect(Math.max(...fast.map((t) => t.at))).toBeLessThan(resolvedAt - 300);
    expect(results.map((r) => r.status)).toEqual(['accepted', 'accepted', 'accepted', 'accepted']);
    await router.close();
  });

  it('is called for a single send and for each bulk recipient, and one that throws breaks nothing', async () => {
    const { router } = setup([{ id: 'first', maxRecipientsPerRequest: 2 }]);
    const single: number[] = [];
    expect(await router.send(notification, { onResult: (index) => single.push(index) })).toMatchObject({ status: 'accepted' });
    expect(single).toEqual([0]);
    const bulk: number[] = [];
    const results = await router.sendBulk(
      { ...notification, to: batch.map((m) => m.to) },
      {
        onResult: (index) => {
          bulk.push(index);
          throw new Error('a broken onResult');
        },
      },
    );
    expect(results.map((r) => r.status)).toEqual(['accepted', 'accepted', 'accepted', 'accepted']);
    expect(bulk.sort()).toEqual([0, 1, 2, 3]);
    await router.close();
  });
});

describe('router: limit, a caller\'s own bound on the requests a call has out', () => {
  it('takes the place of batchConcurrency for a batch, a bulk and a single send, and batchConcurrency is readable', async () => {
    const { router } = setup([{ id: 'first', maxRecipientsPerRequest: 1, fallback: { type: 'accept', delayMs: 5 } }], { batchConcurrency: 2 });
    expect(router.batchConcurrency).toBe(2);
    let out = 0;
    let most = 0;
    let through = 0;
    const limit = async <T>(request: () => Promise<T>): Promise<T> => {
      through += 1;
      most = Math.max(most, ++out);
      try {
        return await request();
      } finally {
        out -= 1;
      }
    };
    // A caller's limit that lets everything through at once: the batch's six requests all go out together.
    const batch = Array.from({ length: 6 }, (_, i) => ({ ...notification, text: `Kodunuz ${i}` }));
    expect((await router.sendBatch(batch, { limit })).every((result) => result.status === 'accepted')).toBe(true);
    expect(most).toBe(6);
    await router.sendBulk({ ...notification, to: ['+905320000001', '+905320000002'] }, { limit });
    await router.send(notification, { limit });
    expect(through).toBe(6 + 2 + 1);
    await router.close();
  });
});

describe('router: a Retry-After, and a caller\'s wait before the first try', () => {
  it('tells each Retry-After as it comes, even when the retry then succeeds', async () => {
    const busy = { type: 'error' as const, kind: 'retryable' as const, code: 'HTTP_429', retryAfterMs: 20 };
    const { router } = setup([{ id: 'first', script: [busy] }]);
    const told: unknown[] = [];
    router.on('retry-after', (event) => told.push(event));
    expect(await router.send(notification)).toMatchObject({ status: 'accepted', attempts: [{ outcome: 'accepted', tries: 2 }] });
    // Before: only the attempt's end carried it, and an accepted attempt carries none.
    expect(told).toEqual([{ providerId: 'first', accountId: 'first-notification', retryAfterMs: 20 }]);
    await router.close();
  });

  it('counts the retry deadline from the first try, not from the caller\'s hook before it', async () => {
    const down = { type: 'error' as const, kind: 'retryable' as const, code: 'HTTP_503' };
    const { router } = setup([{ id: 'first', script: [down] }], { retry: { retries: 2, minDelayMs: 1, maxDelayMs: 5, deadlineMs: 200 } });
    let first = true;
    const result = await router.send(notification, {
      // A throttle holding the first try back for longer than the whole retry deadline.
      beforeAttempt: async () => {
        if (first) await new Promise((resolve) => setTimeout(resolve, 400));
        first = false;
      },
    });
    // Before: the 400 ms wait used up the 200 ms deadline, and the message failed after one try.
    expect(result).toMatchObject({ status: 'accepted', attempts: [{ outcome: 'accepted', tries: 2 }] });
    expect(result.attempts[0]!.durationMs).toBeLessThan(400);
    await router.close();
  });
});

describe('router: heldBack only when no provider was asked', () => {
  it('is not set when a provider was tried before the hook refused the next one: that message failed', async () => {
    const down = { type: 'error' as const, kind: 'provider-unavailable' as const };
    const { router } = setup([{ id: 'first', script: [down] }, { id: 'second' }], { retry: { retries: 0 } });
    const result = await router.send(notification, {
      beforeAttempt: ({ providerId }) => {
        if (providerId === 'second') throw new Error('the ledger could not record the attempt');
      },
    });
    expect(result).toMatchObject({ status: 'failed', reason: 'not sent: the ledger could not record the attempt' });
    expect(result).not.toHaveProperty('heldBack');
    await router.close();
  });
});

describe('router: close() with sends waiting on the provider', () => {
  it('takes each provider\'s verdict on its aborted call: a request never written fails, only a written one is unknown', async () => {
    // Before: close() ended every waiting call as unknown at once. Eight sends queued behind two connections were
    // never written, yet came back unknown, which a ledger never sends again.
    const fake = createFakeProvider({ id: 'first' });
    let calls = 0;
    const provider: Provider = Object.assign(Object.create(fake) as Provider, {
      send: (_request: unknown, options: { signal?: AbortSignal } = {}) => {
        const written = calls++ < 2;
        return new Promise((_resolve, reject) => {
          options.signal?.addEventListener('abort', () =>
            reject(written ? new ProviderError('outcome-unknown', 'aborted after the request was sent') : new ProviderError('retryable', 'aborted before the request was sent')),
          );
        });
      },
    });
    const router = createRouter({ providers: [{ provider, rank: 1 }], retry: { retries: 0 } });
    const pending = Array.from({ length: 6 }, () => router.send(notification));
    await new Promise((resolve) => setTimeout(resolve, 20));
    await router.close();
    const results = await Promise.all(pending);
    expect(results.map((result) => result.status)).toEqual(['unknown', 'unknown', 'failed', 'failed', 'failed', 'failed']);
    // Held back, as a try never made: a dispatcher stopping puts these back in its queue (never a final failure).
    expect(results[2]).toMatchObject({ heldBack: true, reason: expect.stringContaining('the router closed before its request was written'), attempts: [] });
  });

  it('still ends a call whose provider ignores the abort, as unknown, after the grace', async () => {
    const fake = createFakeProvider({ id: 'first' });
    const provider: Provider = Object.assign(Object.create(fake) as Provider, { send: () => new Promise(() => undefined) });
    const router = createRouter({ providers: [{ provider, rank: 1 }], retry: { retries: 0 } });
    const pending = router.send(notification);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await router.close();
    expect(await pending).toMatchObject({ status: 'unknown', attempts: [expect.objectContaining({ code: 'router-closed' })] });
  });
});

describe('router: the checked sends given a message that was not validated', () => {
  it('refuses it as not validated, sending nothing and blaming no provider', async () => {
    const { router, providers } = setup([{ id: 'first', script: [] }]);
    const bugs: unknown[] = [];
    router.on('provider-bug', (event) => bugs.push(event));
    const raw = { to: '+905321234567', text: 'raw', iysType: 'NOTIFICATION' } as unknown as Parameters<typeof router.sendChecked>[0];
    const result = await router.sendChecked(raw);
    expect(result).toMatchObject({ status: 'rejected', issues: [{ path: '(root)', reason: expect.stringContaining('validateMessage') }] });
    const batch = await router.sendBatchChecked([raw, raw]);
    expect(batch.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(bugs).toEqual([]);
    expect(providers[0]!.callCount).toBe(0);
    await router.close();
  });
});

describe('router: operator controls, as a library caller may misuse them', () => {
  it('refuses an enabled that is not a boolean and a breaker state that does not exist, naming what it got', async () => {
    const { router } = setup([{ id: 'first', script: [] }]);
    expect(() => router.setEnabled('first', 'no' as unknown as boolean)).toThrow('enabled must be true or false, got "no"');
    expect(() => router.forceBreaker('first', router.status()[0]!.accounts[0]!.accountId, 'half' as never)).toThrow('override must be one of open, closed, auto, got "half"');
    expect(() => router.setRank('first', '1' as unknown as number)).toThrow('rank must be a number, got "1"');
    // The rule of the configuration file and the admin API: whole numbers from 0 (a probe's library caller set -5).
    expect(() => router.setRank('first', -5)).toThrow('rank must be 0 or more, got -5');
    expect(() => router.setRank('first', 1.5)).toThrow('rank must be a whole number, got 1.5');
    expect(() => createRouter({ providers: [{ provider: createFakeProvider({ id: 'second' }), rank: -1 }] })).toThrow('providers.0.rank: must be 0 or more');
    expect(() => createRouter({ providers: [{ provider: createFakeProvider({ id: 'second' }), rank: 1 }], unknownOutcome: { NOTIFICATION: 'resend' } as never })).toThrow('unknownOutcome: must be "stop" or "failover", or one of them per IYS type');
    expect(router.status()[0]).toMatchObject({ enabled: true, rank: 1 });
    expect(router.status()[0]!.accounts.every((account) => account.override === 'auto')).toBe(true);
    await router.close();
  });
});

describe('router: a provider error that quotes the request back', () => {
  // A probe's provider answered 401 and 452 with the text and the number in the error: the text (an OTP's code
  // among it) reached the logs, the ledger and GET /v1/messages/:id as the attempts' reasons.
  it('keeps the text out of every reason, in the forms a wire carries it, and an OTP\'s code out of a cut quote', async () => {
    const text = 'Kodunuz: 4711 "gizli" & yeni';
    const { router } = setup(
      [
        { id: 'first', script: [{ type: 'error', kind: 'provider-unavailable', code: 'HTTP_401', message: `first: 401 for {"text":${JSON.stringify(text)}}` }] },
        { id: 'second', script: [{ type: 'error', kind: 'retryable', code: 'HTTP_400', message: `second: 400 for msg=${encodeURIComponent(text).replaceAll('%20', '+')}` }] },
        { id: 'third', script: [{ type: 'error', kind: 'message-rejected', code: '452', message: 'third: 452 <text>Kodunuz: 4711 &quot;gizli&quot; &amp; yeni</text>, cut: "Kodunuz: 4711 "gi…", short cut: "Kodunuz: 4711…"' }] },
      ],
      { retry: { retries: 0 } },
    );
    const result = await router.send({ ...notification, text, otp: true });
    expect(result.status).toBe('rejected');
    expect(result.attempts.map((attempt) => attempt.reason)).toEqual([
      'first: 401 for {"text":"[message text]"}',
      'second: 400 for msg=[message text]',
      'third: 452 <text>[message text]</text>, cut: "[message text]…", short cut: "Kodunuz: [code]…"',
    ]);
    const everything = JSON.stringify(result);
    expect(everything).not.toContain('4711');
    expect(everything).not.toContain('yeni');
    await router.close();
  });

  it('finds the text as other serialisers write it: JSON with \\u escapes, a form body, lower-case hex, XML with bare quotes', async () => {
    const text = 'Kış "indirimi" şimdi! (yüzde 20)';
    const forms = [
      JSON.stringify(text).slice(1, -1).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
      new URLSearchParams([['t', text]]).toString().slice(2),
      encodeURIComponent(text).replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase()),
      text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;'),
    ];
    const { router } = setup(
      forms.map((form, i) => ({ id: `p${i}`, script: [{ type: 'error' as const, kind: 'provider-unavailable' as const, code: '400', message: `p${i}: refused [${form}]` }] })),
      { retry: { retries: 0 } },
    );
    const result = await router.send({ ...notification, text });
    expect(result.attempts.map((attempt) => attempt.reason)).toEqual(forms.map((_, i) => `p${i}: refused [[message text]]`));
    await router.close();
  });

  it('finds a cut quote of a long text (providers\' error builders cut at 80–117 characters) and .NET\'s \\u0027', async () => {
    const text = "Sayın müşterimiz, 12.12'de Rota'dan verdiğiniz siparişiniz kargoya verildi; takip numaranız ve teslim tarihiniz için uygulamamıza bakın.";
    const net = JSON.stringify(text).slice(1, -1).replace(/[\u0080-\uffff'+]/g, (c) => `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`);
    const { router } = setup(
      [
        { id: 'cut', script: [{ type: 'error', kind: 'provider-unavailable', code: '452', message: `cut: 452 refused: ${text.slice(0, 117)}...` }] },
        { id: 'net', script: [{ type: 'error', kind: 'provider-unavailable', code: '400', message: `net: {"text":"${net}"}` }] },
      ],
      { retry: { retries: 0 } },
    );
    const result = await router.send({ ...notification, text });
    expect(result.attempts.map((attempt) => attempt.reason)).toEqual(['cut: 452 refused: [message text]...', 'net: {"text":"[message text]"}']);
    await router.close();
  });

  it('finds what the listed forms miss, decoded: XML character references, CRLF as %0D%0A, a quote cut in the middle', async () => {
    const text = 'Sayın müşterimiz,\nkargonuz yola çıktı; takip numaranız 48213 ile izleyebilirsiniz. İyi günler dileriz.';
    const xmlRefs = [...text].map((c) => (c.charCodeAt(0) > 0x7f ? `&#${c.codePointAt(0)};` : c)).join('');
    const crlf = encodeURIComponent(text.replace('\n', '\r\n'));
    const middle = text.slice(30, 75);
    const { router } = setup(
      [
        { id: 'xml', script: [{ type: 'error', kind: 'provider-unavailable', code: '400', message: `xml: <error><msg>${xmlRefs}</msg></error>` }] },
        { id: 'crlf', script: [{ type: 'error', kind: 'provider-unavailable', code: '400', message: `crlf: bad body text=${crlf}&from=ROTA` }] },
        { id: 'middle', script: [{ type: 'error', kind: 'provider-unavailable', code: '400', message: `middle: refused at "...${middle}..."` }] },
      ],
      { retry: { retries: 0 } },
    );
    const result = await router.send({ ...notification, text });
    const reasons = result.attempts.map((attempt) => attempt.reason!);
    expect(reasons[0]).toBe('xml: <error><msg>[message text]</msg></error>');
    // Each line of the text is a run of its own once its newline was rewritten: each is blanked (the line break
    // itself comes out as the spaces a reason has for control characters).
    expect(reasons[1]).toMatch(/^crlf: bad body text=\[message text\]\s+\[message text\]&from=ROTA$/);
    expect(reasons[2]).toBe('middle: refused at "...[message text]..."');
    expect(JSON.stringify(result)).not.toMatch(/kargonuz|takip|günler|48213/);
    await router.close();
  });

  it('gives a reason it decoded no control character: a NUL would not be stored', async () => {
    const text = 'Kampanyamız başladı, tüm ürünlerde yüzde 20 indirim sizi bekliyor.';
    const { router } = setup([{ id: 'nul', script: [{ type: 'error', kind: 'provider-unavailable', code: '400', message: `nul: ...${encodeURIComponent(text.slice(10, 50))}&sep=%00&path=C:\\new` }] }], { retry: { retries: 0 } });
    const result = await router.send({ ...notification, text });
    const reason = result.attempts[0]!.reason!;
    expect(reason).toContain('[message text]');
    expect(reason).not.toMatch(/[\u0000-\u001f\u007f]/);
    await router.close();
  });

  it('keeps every phone number out of the reasons: a request carries other recipients (other clients\', in the ledger\'s shared requests), and an erased number must not stay behind', async () => {
    const to = ['+905321000001', '+905421000002'];
    const digits = to.map((n) => n.slice(1));
    const { router } = setup(
      [
        { id: 'first', script: [{ type: 'error', kind: 'provider-unavailable', code: '500', message: `first: Invalid request: Receivers=${JSON.stringify(digits)}` }] },
        { id: 'second', script: [{ type: 'error', kind: 'message-rejected', code: '452', message: `second: 452 for ${to.join(',')} and 0${digits[0]!.slice(2)}` }] },
      ],
      { retry: { retries: 0 } },
    );
    const results = await router.sendBatch(to.map((n) => ({ ...notification, to: n })));
    expect(results[0]!.attempts.map((attempt) => attempt.reason)).toEqual(['first: Invalid request: Receivers=["[number]","[number]"]', 'second: 452 for [number],[number] and [number]']);
    const everything = JSON.stringify(results.map((result) => ({ attempts: result.attempts, reason: 'reason' in result ? result.reason : undefined })));
    for (const n of digits) expect(everything).not.toContain(n.slice(2));
    await router.close();
  });

  // A run standing alone is masked wherever it is, an all-digit group of a UUID too: privacy before wording.
  it('leaves digits inside an id alone (a UUID, a hex SID), and masks a long run whole', async () => {
    const { router } = setup(
      [{ id: 'first', script: [{ type: 'error', kind: 'message-rejected', code: '3', message: 'first: request 123e4567-e89b-12d3-a456-4266141740ab SM0123456789abcdef0123456789abcdef for 9053212345678901234' }] }],
      { retry: { retries: 0 } },
    );
    const result = await router.send({ ...notification, text: 'ok' });
    expect(result.attempts[0]!.reason).toBe('first: request 123e4567-e89b-12d3-a456-4266141740ab SM0123456789abcdef0123456789abcdef for [number]');
    await router.close();
  });

  it('leaves a reason alone that does not quote the text, and a short text\'s words in the provider\'s', async () => {
    const { router } = setup([{ id: 'first', script: [{ type: 'error', kind: 'message-rejected', code: '3', message: 'first: code 3: the sender is not registered (ok)' }] }], { retry: { retries: 0 } });
    const result = await router.send({ ...notification, text: 'ok' });
    expect(result.attempts[0]!.reason).toBe('first: code 3: the sender is not registered (ok)');
    await router.close();
  });
});
