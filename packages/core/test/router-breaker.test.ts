import { jest } from '@jest/globals';
import { campaign, notification, setup, trail } from './router-helpers.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const down = { type: 'error' as const, kind: 'provider-unavailable' as const, code: 'down' };
// A reset timeout long enough that a slow machine reads the breaker open before it half-opens; the tests that need it half-open wait past it.
const breaker = { volumeThreshold: 3, errorThresholdPercentage: 50, resetTimeoutMs: 1_000, rollingWindowMs: 10_000 };
const PAST_RESET_MS = 1_100;

describe('router: circuit breakers', () => {
  it('opens after the configured failures, skips the provider while open, and lets a probe bring traffic back', async () => {
    const { router, providers } = setup([{ id: 'first', script: [down, down, down] }, { id: 'second' }], { breaker });
    const states = jest.fn();
    router.on('breaker', states);

    for (let i = 0; i < 3; i++) expect(await router.send(notification)).toMatchObject({ status: 'accepted', providerId: 'second' });
    expect(providers[0]!.callCount).toBe(3);
    expect(states).toHaveBeenCalledWith({ providerId: 'first', accountId: 'first-notification', state: 'open' });

    const whileOpen = await router.send(notification);
    expect(whileOpen).toMatchObject({ status: 'accepted', providerId: 'second' });
    expect(whileOpen.attempts[0]).toMatchObject({ providerId: 'first', outcome: 'skipped', reason: 'circuit breaker open', tries: 0 });
    expect(providers[0]!.callCount).toBe(3); // not called while open

    await sleep(PAST_RESET_MS); // past the reset timeout: half-open, one probe may go through
    expect(router.status()[0]!.accounts.find((a) => a.accountId === 'first-notification')!.breaker).toBe('half-open');
    const probe = await router.send(notification);
    expect(probe).toMatchObject({ status: 'accepted', providerId: 'first' });
    expect(providers[0]!.callCount).toBe(4);
    expect(states).toHaveBeenCalledWith({ providerId: 'first', accountId: 'first-notification', state: 'closed' });

    expect(await router.send(notification)).toMatchObject({ providerId: 'first' });
    expect(providers.map((p) => p.callCount)).toEqual([5, 4]);
    await router.close();
  });

  it('sends only one probe while half-open; the others go down the ranks', async () => {
    const { router, providers } = setup([{ id: 'first', script: [down, down, down, { type: 'accept', delayMs: 50 }] }, { id: 'second' }], { breaker });
    for (let i = 0; i < 3; i++) await router.send(notification);
    await sleep(PAST_RESET_MS);
    const results = await Promise.all([router.send(notification), router.send(notification), router.send(notification)]);
    expect(results.map((r) => (r.status === 'accepted' ? r.providerId : r.status)).sort()).toEqual(['first', 'second', 'second']);
    expect(providers[0]!.callCount).toBe(4);
    await router.close();
  });

  it('does not count message-rejected against the breaker', async () => {
    const rejected = { type: 'error' as const, kind: 'message-rejected' as const };
    const { router, providers } = setup([{ id: 'first', script: [rejected, rejected, rejected, rejected] }, { id: 'second' }], { breaker });
    for (let i = 0; i < 4; i++) expect(await router.send(notification)).toMatchObject({ status: 'rejected' });
    expect(router.status()[0]!.accounts.every((a) => a.breaker === 'closed')).toBe(true);
    expect(await router.send(notification)).toMatchObject({ status: 'accepted', providerId: 'first' });
    expect(providers[1]!.callCount).toBe(0);
    await router.close();
  });

  it('keeps one breaker per account: a failing CAMPAIGN account leaves NOTIFICATION traffic alone', async () => {
    const { router, providers } = setup(
      [{ id: 'first', script: (call) => (call.request.accountId === 'first-campaign' ? down : { type: 'accept' }) }, { id: 'second' }],
      { breaker },
    );
    for (let i = 0; i < 4; i++) expect(await router.send(campaign)).toMatchObject({ status: 'accepted', providerId: 'second' });
    const accounts = Object.fromEntries(router.status()[0]!.accounts.map((a) => [a.accountId, a.breaker]));
    expect(accounts).toEqual({ 'first-notification': 'closed', 'first-campaign': 'open' });
    const callsBefore = providers[0]!.callCount;
    expect(await router.send(notification)).toMatchObject({ status: 'accepted', providerId: 'first', accountId: 'first-notification' });
    expect(providers[0]!.callCount).toBe(callsBefore + 1);
    await router.close();
  });

  it('lets an operator force a breaker open, closed, and back to automatic', async () => {
    const { router, providers } = setup([{ id: 'first' }, { id: 'second' }], { breaker });
    router.forceBreaker('first', 'first-notification', 'open');
    const skipped = await router.send(notification);
    expect(trail(skipped)).toEqual(['first:skipped', 'second:accepted']);
    expect(providers[0]!.callCount).toBe(0);
    expect(router.status()[0]!.accounts[0]).toMatchObject({ breaker: 'open', override: 'open' });

    router.forceBreaker('first', 'first-notification', 'auto');
    expect(await router.send(notification)).toMatchObject({ providerId: 'first' });

    // Forced closed: traffic goes through even after failures that would open it.
    providers[0]!.setScript([down, down, down, down]);
    router.forceBreaker('first', 'first-notification', 'closed');
    for (let i = 0; i < 4; i++) await router.send(notification);
    expect(providers[0]!.callCount).toBe(5);
    expect(router.status()[0]!.accounts[0]!.breaker).toBe('closed');
    await router.close();
  });

  it('hands a breaker forced closed back to the failure counts closed, not open from the failures before the force', async () => {
    // An outage opens it; the operator, knowing the provider mended, forces it closed and then back to auto.
    let mended = false;
    const { router, providers } = setup([{ id: 'first', script: () => (mended ? { type: 'accept' } : down) }, { id: 'second' }], { breaker });
    for (let i = 0; i < 4; i++) await router.send(notification);
    expect(router.status()[0]!.accounts[0]!.breaker).toBe('open');
    mended = true;
    router.forceBreaker('first', 'first-notification', 'closed');
    expect(await router.send(notification)).toMatchObject({ providerId: 'first' });
    router.forceBreaker('first', 'first-notification', 'auto');
    // Before: open again until its reset timeout, and healthy traffic went to second meanwhile.
    expect(router.status()[0]!.accounts[0]!.breaker).toBe('closed');
    const calls = providers[0]!.callCount;
    expect(await router.send(notification)).toMatchObject({ status: 'accepted', providerId: 'first' });
    expect(providers[0]!.callCount).toBe(calls + 1);
    // Counting afresh: one failure now does not open it on the outage's failures (still in a close()d breaker's window).
    mended = false;
    await router.send(notification);
    expect(router.status()[0]!.accounts[0]!.breaker).toBe('closed');
    await router.close();
  });

  it('tells a force once, as the operator\'s', async () => {
    const { router } = setup([{ id: 'first', script: [down, down, down, down] }, { id: 'second' }], { breaker });
    for (let i = 0; i < 4; i++) await router.send(notification);
    const told: string[] = [];
    router.on('breaker', ({ accountId, state }) => told.push(`${accountId}:${state}`));
    router.forceBreaker('first', 'first-notification', 'closed');
    expect(told).toEqual(['first-notification:closed']);
    await router.close();
  });

  it('tells nothing of its own while forced open: the opossum breaker under it half-opens unseen, and `auto` tells the state it finds', async () => {
    const { router } = setup([{ id: 'first', script: [down, down, down, down] }, { id: 'second' }], { breaker });
    for (let i = 0; i < 4; i++) await router.send(notification);
    expect(router.status()[0]!.accounts[0]!.breaker).toBe('open');
    const told: string[] = [];
    router.on('breaker', ({ accountId, state }) => told.push(`${accountId}:${state}`));
    router.forceBreaker('first', 'first-notification', 'open');
    await sleep(PAST_RESET_MS);
    expect(told).toEqual(['first-notification:open']);
    expect(router.status()[0]!.accounts[0]!.breaker).toBe('open');
    router.forceBreaker('first', 'first-notification', 'auto');
    expect(told).toEqual(['first-notification:open', 'first-notification:half-open']);
    await router.close();
  });
});

describe('router: close', () => {
  it('shuts every breaker down and leaves no timer behind', async () => {
    const timersBefore = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const { router } = setup([{ id: 'first', script: [down, down, down] }, { id: 'second' }], { breaker });
    for (let i = 0; i < 4; i++) await router.send(notification); // opens a breaker: a reset timer is running
    await router.close();
    const timersAfter = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    expect(timersAfter).toBeLessThanOrEqual(timersBefore);
    expect(await router.send(notification)).toMatchObject({ status: 'failed', reason: 'the router is closed' });
  });
});

describe('router: no route open (noRoute, holdsWithoutRoute)', () => {
  it('marks a failure noRoute when every provider that could carry it was behind an open breaker, and held back only where the caller holds it', async () => {
    const { router, providers } = setup([{ id: 'first' }, { id: 'second' }]);
    router.forceBreaker('first', 'first-notification', 'open');
    router.forceBreaker('second', 'second-notification', 'open');
    const failed = jest.fn();
    router.on('failed', failed);

    const plain = await router.send(notification);
    expect(plain).toMatchObject({ status: 'failed', noRoute: true, reason: expect.stringContaining('circuit breaker open') });
    expect(plain).not.toHaveProperty('heldBack');

    // A batch whose caller holds only its second message.
    const held = await router.sendBatch([notification, notification], { holdsWithoutRoute: (index) => index === 1 });
    expect(held[0]).toMatchObject({ status: 'failed', noRoute: true });
    expect(held[0]).not.toHaveProperty('heldBack');
    expect(held[1]).toMatchObject({ status: 'failed', noRoute: true, heldBack: true });
    expect(held[1]!.attempts.every((a) => a.outcome === 'skipped' && a.tries === 0)).toBe(true);
    expect(failed).toHaveBeenCalledTimes(3);
    expect(providers.map((p) => p.callCount)).toEqual([0, 0]);
    await router.close();
  });

  it('marks noRoute when no provider is enabled, but not when a provider was tried or refused a field', async () => {
    const { router } = setup([{ id: 'first', script: [down] }, { id: 'second', script: [down] }], { retry: { retries: 0 } });
    // Tried and failed at both: a provider failed it, a route was open.
    const tried = await router.send(notification);
    expect(tried).toMatchObject({ status: 'failed' });
    expect(tried).not.toHaveProperty('noRoute');

    router.setEnabled('first', false);
    router.setEnabled('second', false);
    expect(await router.send(notification, { holdsWithoutRoute: () => true })).toMatchObject({ status: 'failed', reason: 'no provider is enabled', noRoute: true, heldBack: true });
    await router.close();

    // Every provider refused a field of the message (a sender none allows): rejected, never held.
    const strict = setup([{ id: 'first' }]); // its accounts send as ROTA only
    const refused = await strict.router.send({ ...notification, sender: 'OTHER' }, { holdsWithoutRoute: () => true });
    expect(refused).toMatchObject({ status: 'rejected' });
    await strict.router.close();
  });

  it('does not mark noRoute when every provider refused it for good (no account carries CAMPAIGN): no route will open by itself', async () => {
    const notificationOnly = [{ accountId: 'first-notification', iysType: 'NOTIFICATION' as const, senders: ['ROTA'] }];
    const { router } = setup([{ id: 'first', accounts: notificationOnly }]);
    const refused = await router.send(campaign, { holdsWithoutRoute: () => true });
    expect(refused).toMatchObject({ status: 'failed' });
    expect(refused).not.toHaveProperty('noRoute');
    expect(refused).not.toHaveProperty('heldBack');
    await router.close();

    // The same refusal beside an account behind an open breaker: that one may close.
    const mixed = setup([{ id: 'first', accounts: notificationOnly }, { id: 'second' }]);
    mixed.router.forceBreaker('second', 'second-campaign', 'open');
    expect(await mixed.router.send(campaign, { holdsWithoutRoute: () => true })).toMatchObject({ status: 'failed', noRoute: true, heldBack: true });
    await mixed.router.close();
  });

  it('marks noRoute when every enabled provider refused it and a provider switched off could carry it (the operator may switch it back on); not when none could', async () => {
    const notificationOnly = [{ accountId: 'first-notification', iysType: 'NOTIFICATION' as const, senders: ['ROTA'] }];
    const { router, providers } = setup([{ id: 'first', accounts: notificationOnly }, { id: 'second' }, { id: 'third', accounts: [{ accountId: 'third-notification', iysType: 'NOTIFICATION', senders: ['ROTA'] }] }]);
    router.setEnabled('second', false);
    router.setEnabled('third', false);
    const held = await router.send(campaign, { holdsWithoutRoute: () => true });
    expect(held).toMatchObject({ status: 'failed', noRoute: true, heldBack: true, reason: expect.stringContaining('second: skipped (second is switched off)') });
    // The switched-off provider that could carry it is in the trail, with the account it would take; the one that could not is not.
    expect(held.attempts).toEqual([
      expect.objectContaining({ providerId: 'first', outcome: 'skipped' }),
      expect.objectContaining({ providerId: 'second', accountId: 'second-campaign', outcome: 'skipped', reason: 'second is switched off' }),
    ]);
    // A NOTIFICATION goes through the enabled provider, its trail untouched by those switched off.
    const sent = await router.send(notification);
    expect(sent).toMatchObject({ status: 'accepted', providerId: 'first' });
    expect(trail(sent)).toEqual(['first:accepted']);
    expect(providers.map((p) => p.callCount)).toEqual([1, 0, 0]);

    // Switched back on, the same CAMPAIGN goes.
    router.setEnabled('second', true);
    expect(await router.send(campaign)).toMatchObject({ status: 'accepted', providerId: 'second' });
    router.setEnabled('second', false);
    router.reconfigure({ providers: [{ provider: providers[0]!, rank: 1 }, { provider: providers[2]!, rank: 3, enabled: false }] });
    // Only a provider that could not carry it is off: refused for good, as before.
    const refused = await router.send(campaign, { holdsWithoutRoute: () => true });
    expect(refused).toMatchObject({ status: 'failed' });
    expect(refused).not.toHaveProperty('noRoute');
    expect(trail(refused)).toEqual(['first:skipped']);
    await router.close();
  });

  it('marks noRoute when the open breakers and the field refusals together leave no route (the breaker may close)', async () => {
    const { router } = setup([{ id: 'first' }, { id: 'second', accounts: [{ accountId: 'second-notification', iysType: 'NOTIFICATION', senders: ['OTHER'] }] }]);
    router.forceBreaker('second', 'second-notification', 'open'); // the one account that sends as OTHER
    const result = await router.send({ ...notification, sender: 'OTHER' });
    expect(result).toMatchObject({ status: 'failed', noRoute: true });
    expect(trail(result)).toEqual(['first:skipped', 'second:skipped']);
    await router.close();
  });
});
