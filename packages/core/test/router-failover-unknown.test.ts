// Regression (found by bench/failover, scenario figensoft-reset-after-failover):
// under unknownOutcome `failover`, a message whose provider answered ambiguously
// and that no later provider accepted ended `failed` — "nothing was sent" — although
// the ambiguous provider had it, and invited a resend that sent it a second time.
import { campaign, notification, setup, trail } from './router-helpers.js';

const acceptedButAnswerLost = { type: 'error' as const, kind: 'outcome-unknown' as const, code: 'reset', delivered: true };
const down = { type: 'error' as const, kind: 'provider-unavailable' as const, code: 'down' };

describe('router: failover after an ambiguous attempt that nothing else accepted', () => {
  it('ends unknown, naming the provider that may have it, when no rank is left', async () => {
    const { router, providers } = setup([{ id: 'first', script: [acceptedButAnswerLost] }, { id: 'second', script: [down] }], {
      unknownOutcome: 'failover',
    });
    const result = await router.send(notification);
    expect(result).toMatchObject({ status: 'unknown', providerId: 'first', accountId: 'first-notification', to: '+905321234567' });
    expect(trail(result)).toEqual(['first:unknown', 'second:failed']);
    if (result.status === 'unknown') expect(result.reason).toMatch(/first may have accepted it/);
    expect(providers[0]!.acceptedTimes('+905321234567')).toBe(1);
    await router.close();
  });

  it('names the last ambiguous provider and mentions every one when several answered ambiguously', async () => {
    const { router } = setup([{ id: 'first', script: [acceptedButAnswerLost] }, { id: 'second', script: [acceptedButAnswerLost] }], {
      unknownOutcome: 'failover',
    });
    const result = await router.send(notification);
    expect(result).toMatchObject({ status: 'unknown', providerId: 'second', accountId: 'second-notification' });
    if (result.status === 'unknown') expect(result.reason).toMatch(/first and second may have accepted it/);
    await router.close();
  });

  it('ends unknown for every recipient of a batch chunk the ambiguous provider carried', async () => {
    const { router } = setup([{ id: 'first', script: [acceptedButAnswerLost] }, { id: 'second', script: [down] }], {
      unknownOutcome: 'failover',
    });
    const batch = ['0532 111 11 11', '0532 222 22 22', '0532 333 33 33'].map((to) => ({ ...notification, to }));
    const results = await router.sendBatch(batch);
    expect(results.map((r) => [r.status, r.status === 'unknown' ? r.providerId : undefined])).toEqual([
      ['unknown', 'first'],
      ['unknown', 'first'],
      ['unknown', 'first'],
    ]);
    await router.close();
  });

  it('ends unknown when the caller aborts after an ambiguous attempt, not failed', async () => {
    const { router } = setup([{ id: 'first', script: [{ type: 'accept', delayMs: 5_000 }] }, { id: 'second' }], { unknownOutcome: 'failover' });
    const controller = new AbortController();
    const pending = router.send(notification, { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    const result = await pending;
    expect(result).toMatchObject({ status: 'unknown', providerId: 'first' });
    expect(trail(result)).toEqual(['first:unknown']);
    await router.close();
  });

  it('still fails (nothing sent) when no attempt was ambiguous, and under stop still stops at the first unknown', async () => {
    const { router, providers } = setup([{ id: 'first', script: [down, acceptedButAnswerLost] }, { id: 'second', script: [down] }], {
      unknownOutcome: { NOTIFICATION: 'failover', CAMPAIGN: 'stop' },
    });
    expect(await router.send(notification)).toMatchObject({ status: 'failed' });
    expect(await router.send(campaign)).toMatchObject({ status: 'unknown', providerId: 'first' });
    expect(providers[1]!.callCount).toBe(1);
    await router.close();
  });
});

describe('router: a refusal after an ambiguous attempt (failover)', () => {
  it('ends unknown, not rejected: the later refusal says nothing of what the earlier provider did', async () => {
    const refused = { type: 'error' as const, kind: 'message-rejected' as const, code: 'sender' };
    const { router, providers } = setup([{ id: 'first', script: [acceptedButAnswerLost] }, { id: 'second', script: [refused] }, { id: 'third' }], {
      unknownOutcome: 'failover',
    });
    const result = await router.send(notification);
    expect(result).toMatchObject({ status: 'unknown', providerId: 'first' });
    expect(trail(result)).toEqual(['first:unknown', 'second:rejected']);
    if (result.status === 'unknown') expect(result.reason).toMatch(/second then refused it/);
    expect(providers[2]!.callCount).toBe(0); // a refusal is still final: nobody further is asked
    await router.close();
  });
});

describe('router: an unknown outcome under the ids its request named (Infobip takes Rota\'s)', () => {
  const answerLostNamingIds = { ...acceptedButAnswerLost, namesIds: true };

  it('carries each recipient\'s id on its unknown result, so a later report can settle it', async () => {
    const { router, providers } = setup([{ id: 'first', script: [answerLostNamingIds] }]);
    const batch = ['0532 111 11 11', '0532 222 22 22'].map((to) => ({ ...notification, to }));
    const results = await router.sendBatch(batch);
    const delivered = providers[0]!.accepted.map((acceptance) => [acceptance.to, acceptance.providerMessageId]);
    expect(results.map((r) => [r.status, r.to, r.status === 'unknown' ? r.providerMessageId : undefined])).toEqual(delivered.map(([to, id]) => ['unknown', to, id]));
    await router.close();
  });

  it('carries none where the provider named none', async () => {
    const { router } = setup([{ id: 'first', script: [acceptedButAnswerLost] }]);
    const plain = await router.send(notification);
    expect(plain).toMatchObject({ status: 'unknown', providerId: 'first' });
    expect(plain).not.toHaveProperty('providerMessageId');
    await router.close();
  });

  it('carries them past a failover that no provider after accepted, but only for the provider the result names', async () => {
    // Named, then down: unknown at the first, under its ids.
    const named = setup([{ id: 'first', script: [answerLostNamingIds] }, { id: 'second', script: [down] }], { unknownOutcome: 'failover' });
    const batch = ['0532 111 11 11', '0532 222 22 22'].map((to) => ({ ...notification, to }));
    const results = await named.router.sendBatch(batch);
    const ids = named.providers[0]!.accepted.map((acceptance) => acceptance.providerMessageId);
    expect(results.map((r) => [r.status, r.status === 'unknown' ? r.providerId : undefined, r.status === 'unknown' ? r.providerMessageId : undefined])).toEqual([
      ['unknown', 'first', ids[0]],
      ['unknown', 'first', ids[1]],
    ]);
    await named.router.close();
    // Named at the first, then ambiguous at the second, which named none: the result names the second, without ids.
    const twice = setup([{ id: 'first', script: [answerLostNamingIds] }, { id: 'second', script: [acceptedButAnswerLost] }], { unknownOutcome: 'failover' });
    const last = await twice.router.send(notification);
    expect(last).toMatchObject({ status: 'unknown', providerId: 'second' });
    expect(last).not.toHaveProperty('providerMessageId');
    await twice.router.close();
  });
});
