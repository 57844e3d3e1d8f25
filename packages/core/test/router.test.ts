import { jest } from '@jest/globals';
import { campaign, notification, setup, trail } from './router-helpers.js';

describe('router: rank order and operator controls', () => {
  it('sends through the lowest-ranked enabled provider and asks no one else', async () => {
    const { router, providers } = setup([{ id: 'first' }, { id: 'second' }]);
    const result = await router.send(notification);
    expect(result).toMatchObject({ status: 'accepted', providerId: 'first', to: '+905321234567', encoding: 'GSM7', segments: 1 });
    expect(providers.map((p) => p.callCount)).toEqual([1, 0]);
    await router.close();
  });

  it('never calls a disabled provider', async () => {
    const { router, providers } = setup([{ id: 'first' }, { id: 'second' }]);
    router.setEnabled('first', false);
    const result = await router.send(notification);
    expect(result).toMatchObject({ status: 'accepted', providerId: 'second' });
    expect(trail(result)).toEqual(['second:accepted']);
    expect(providers[0]!.callCount).toBe(0);
    router.setEnabled('first', true);
    expect(await router.send(notification)).toMatchObject({ providerId: 'first' });
    await router.close();
  });

  it('applies setRank to the next message', async () => {
    const { router, providers } = setup([{ id: 'first' }, { id: 'second' }]);
    await router.send(notification);
    router.setRank('second', 0);
    const result = await router.send(notification);
    expect(result).toMatchObject({ status: 'accepted', providerId: 'second' });
    expect(providers.map((p) => p.callCount)).toEqual([1, 1]);
    expect(router.status().map((s) => s.providerId)).toEqual(['second', 'first']);
    await router.close();
  });

  it('refuses operator changes for unknown providers and accounts with a clear error', async () => {
    const { router } = setup([{ id: 'first' }]);
    expect(() => router.setRank('nope', 1)).toThrow(/unknown provider "nope"/);
    expect(() => router.forceBreaker('first', 'nope', 'open')).toThrow(/no account "nope"/);
    await router.close();
  });

  it('reports status per provider and account', async () => {
    const { router } = setup([{ id: 'first' }]);
    await router.send(notification);
    const [status] = router.status();
    expect(status).toMatchObject({ providerId: 'first', rank: 1, enabled: true, counts: { accepted: 1 } });
    expect(status!.accounts.map((a) => a.breaker)).toEqual(['closed', 'closed']);
    await router.close();
  });
});

describe('router: eligibility', () => {
  it('fails a CAMPAIGN message when no provider has a CAMPAIGN account, without calling anyone', async () => {
    const onlyNotification = [{ accountId: 'n', iysType: 'NOTIFICATION' as const, senders: ['ROTA'] }];
    const { router, providers } = setup([
      { id: 'first', accounts: onlyNotification },
      { id: 'second', accounts: onlyNotification },
    ]);
    const result = await router.send(campaign);
    expect(result.status).toBe('failed');
    expect(trail(result)).toEqual(['first:skipped', 'second:skipped']);
    expect(result.attempts[0]!.reason).toMatch(/CAMPAIGN/);
    expect(providers.map((p) => p.callCount)).toEqual([0, 0]);
    await router.close();
  });

  it('skips a provider whose sender list lacks the requested sender', async () => {
    const { router, providers } = setup([
      { id: 'first', accounts: [{ accountId: 'n', iysType: 'NOTIFICATION', senders: ['OTHER'] }] },
      { id: 'second', accounts: [{ accountId: 'n', iysType: 'NOTIFICATION', senders: ['ROTA'] }] },
    ]);
    const result = await router.send({ ...notification, sender: 'ROTA' });
    expect(result).toMatchObject({ status: 'accepted', providerId: 'second' });
    expect(result.attempts[0]).toMatchObject({ providerId: 'first', outcome: 'skipped', reason: expect.stringContaining('ROTA') });
    expect(providers[0]!.callCount).toBe(0);
    await router.close();
  });

  it('hands a provider without the Turkish shift tables a Turkish text as UCS-2, and one without UCS-2 none', async () => {
    const turkish = 'Siparişiniz yola çıktı, teşekkürler';
    const { router, providers } = setup([
      { id: 'gsm-only', encodings: ['GSM7'] },
      { id: 'no-shift', encodings: ['GSM7', 'UCS2'] },
    ]);
    const result = await router.send({ ...notification, text: turkish });
    expect(result).toMatchObject({ status: 'accepted', providerId: 'no-shift', encoding: 'UCS2', segments: 1 });
    expect(result).not.toHaveProperty('shift');
    expect(result.attempts[0]).toMatchObject({ providerId: 'gsm-only', outcome: 'skipped', reason: expect.stringContaining('cannot send GSM7_TURKISH_SHIFT text') });
    expect(providers[1]!.calls[0]!.analysis).toMatchObject({ encoding: 'UCS2', units: turkish.length });
    // A provider that has the tables gets the text as analysed.
    const { router: shifted, providers: [withTables] } = setup([{ id: 'all' }]);
    expect(await shifted.send({ ...notification, text: turkish })).toMatchObject({ encoding: 'GSM7_TURKISH_SHIFT', shift: 'locking' });
    expect(withTables!.calls[0]!.analysis.encoding).toBe('GSM7_TURKISH_SHIFT');
    await Promise.all([router.close(), shifted.close()]);
  });

  it('skips a provider without the shift tables when the text, as the UCS-2 it would send, needs more than 10 segments', async () => {
    const long = 'ş'.repeat(740); // 5 segments in the locking shift table, 12 as UCS-2
    const { router, providers } = setup([{ id: 'no-shift', encodings: ['GSM7', 'UCS2'] }, { id: 'all' }]);
    const result = await router.send({ ...notification, text: long });
    expect(result).toMatchObject({ status: 'accepted', providerId: 'all', encoding: 'GSM7_TURKISH_SHIFT', segments: 5 });
    expect(result.attempts[0]).toMatchObject({ providerId: 'no-shift', outcome: 'skipped', field: 'text', reason: expect.stringContaining('needs 12 SMS segments (UCS2); at most 10') });
    expect(providers[0]!.callCount).toBe(0);
    // Where it is the only provider, nothing is sent: refused for its text, not sent (and billed) as 12.
    const { router: alone, providers: [noShift] } = setup([{ id: 'no-shift', encodings: ['GSM7', 'UCS2'] }]);
    expect(await alone.send({ ...notification, text: long })).toMatchObject({ status: 'rejected', issues: [{ path: 'text', reason: expect.stringContaining('as UCS-2') }] });
    expect(noShift!.callCount).toBe(0);
    // A shorter Turkish text still goes to it, as UCS-2.
    expect(await alone.send({ ...notification, text: 'ş'.repeat(670) })).toMatchObject({ status: 'accepted', encoding: 'UCS2', segments: 10 });
    // One that would not take the message anyway (no CAMPAIGN account) is refused for that, not for the text.
    const { router: noCampaign } = setup([{ id: 'no-shift', encodings: ['GSM7', 'UCS2'], accounts: [{ accountId: 'n', iysType: 'NOTIFICATION', senders: ['ROTA'] }] }]);
    const refused = await noCampaign.send({ ...campaign, text: long });
    expect(refused.attempts).toEqual([expect.objectContaining({ providerId: 'no-shift', outcome: 'skipped', reason: expect.stringContaining('CAMPAIGN') })]);
    expect(JSON.stringify(refused)).not.toContain('as UCS-2');
    await Promise.all([router.close(), alone.close(), noCampaign.close()]);
  });

  it('says an unknown outcome at a provider without the shift tables was (maybe) sent as UCS-2, in its segments', async () => {
    const { router } = setup([{ id: 'no-shift', encodings: ['GSM7', 'UCS2'], script: [{ type: 'error', kind: 'outcome-unknown' }] }]);
    const result = await router.send({ ...notification, text: 'Siparişiniz yola çıktı. '.repeat(4) });
    expect(result).toMatchObject({ status: 'unknown', providerId: 'no-shift', encoding: 'UCS2', segments: 2 });
    expect(result).not.toHaveProperty('shift');
    await router.close();
  });

  it('rejects an invalid message before any provider is asked', async () => {
    const { router, providers } = setup([{ id: 'first' }]);
    const result = await router.send({ ...notification, to: '12', sender: 'ŞİRKET' });
    expect(result.status).toBe('rejected');
    if (result.status !== 'rejected') return;
    expect(result.issues.map((i) => i.path).sort()).toEqual(['sender', 'to']);
    expect(providers[0]!.callCount).toBe(0);
    await router.close();
  });
});

describe('router: failures and failover', () => {
  it('treats message-rejected as final: rank 2 is never called', async () => {
    const { router, providers } = setup([
      { id: 'first', script: [{ type: 'error', kind: 'message-rejected', code: 'IYS' }] },
      { id: 'second' },
    ]);
    const result = await router.send(notification);
    expect(result).toMatchObject({ status: 'rejected', providerId: 'first' });
    expect(trail(result)).toEqual(['first:rejected']);
    expect(providers[1]!.callCount).toBe(0);
    await router.close();
  });

  it('moves on when rank 1 is unavailable, and the trail shows both', async () => {
    const { router, providers } = setup([
      { id: 'first', script: [{ type: 'error', kind: 'provider-unavailable', code: '500' }] },
      { id: 'second' },
    ]);
    const result = await router.send(notification);
    expect(result).toMatchObject({ status: 'accepted', providerId: 'second' });
    expect(trail(result)).toEqual(['first:failed', 'second:accepted']);
    expect(result.attempts[0]).toMatchObject({ errorKind: 'provider-unavailable', code: '500', tries: 1 });
    expect(providers.map((p) => p.callCount)).toEqual([1, 1]);
    await router.close();
  });

  it('retries retryable failures on the same provider: twice failed, then accepted in three tries', async () => {
    const { router, providers } = setup([
      { id: 'first', script: [{ type: 'error', kind: 'retryable' }, { type: 'error', kind: 'retryable' }] },
      { id: 'second' },
    ]);
    const result = await router.send(notification);
    expect(result).toMatchObject({ status: 'accepted', providerId: 'first' });
    expect(result.attempts).toEqual([expect.objectContaining({ providerId: 'first', outcome: 'accepted', tries: 3 })]);
    expect(providers.map((p) => p.callCount)).toEqual([3, 0]);
    await router.close();
  });

  it('moves to the next rank when retries are exhausted', async () => {
    const always = { type: 'error' as const, kind: 'retryable' as const, code: '503' };
    const { router, providers } = setup([{ id: 'first', script: [always, always, always, always] }, { id: 'second' }]);
    const result = await router.send(notification);
    expect(result).toMatchObject({ status: 'accepted', providerId: 'second' });
    expect(result.attempts[0]).toMatchObject({ providerId: 'first', outcome: 'failed', errorKind: 'retryable', tries: 3 });
    expect(providers.map((p) => p.callCount)).toEqual([3, 1]);
    await router.close();
  });

  it('waits at least Retry-After before trying again', async () => {
    const { router } = setup([{ id: 'first', script: [{ type: 'error', kind: 'retryable', retryAfterMs: 120 }] }]);
    const started = performance.now();
    const result = await router.send(notification);
    expect(result).toMatchObject({ status: 'accepted', attempts: [expect.objectContaining({ tries: 2 })] });
    expect(performance.now() - started).toBeGreaterThanOrEqual(115);
    await router.close();
  });

  it('gives up on a provider whose Retry-After reaches past the deadline', async () => {
    const { router, providers } = setup(
      [{ id: 'first', script: [{ type: 'error', kind: 'retryable', retryAfterMs: 60_000 }] }, { id: 'second' }],
      { retry: { retries: 3, deadlineMs: 1_000, minDelayMs: 1 } },
    );
    const result = await router.send(notification);
    expect(result).toMatchObject({ status: 'accepted', providerId: 'second' });
    expect(providers[0]!.callCount).toBe(1);
    await router.close();
  });

  it('outcome-unknown under `stop` reports unknown and asks no one else', async () => {
    const { router, providers } = setup([{ id: 'first', script: [{ type: 'error', kind: 'outcome-unknown', code: 'timeout' }] }, { id: 'second' }]);
    const result = await router.send(notification);
    expect(result).toMatchObject({ status: 'unknown', providerId: 'first', accountId: 'first-notification' });
    expect(providers[1]!.callCount).toBe(0);
    await router.close();
  });

  it('outcome-unknown under `failover` continues down the ranks, per IYS type', async () => {
    const unknownOnce = [{ type: 'error' as const, kind: 'outcome-unknown' as const }];
    const { router, providers } = setup([{ id: 'first', script: [...unknownOnce, ...unknownOnce] }, { id: 'second' }], {
      unknownOutcome: { NOTIFICATION: 'failover', CAMPAIGN: 'stop' },
    });
    const failedOver = await router.send(notification);
    expect(failedOver).toMatchObject({ status: 'accepted', providerId: 'second' });
    expect(trail(failedOver)).toEqual(['first:unknown', 'second:accepted']);
    const stopped = await router.send(campaign);
    expect(stopped).toMatchObject({ status: 'unknown', providerId: 'first' });
    expect(providers.map((p) => p.callCount)).toEqual([2, 1]);
    await router.close();
  });

  it('times out a hung provider as outcome-unknown instead of hanging the message', async () => {
    const { router, providers } = setup([{ id: 'first', script: [{ type: 'hang' }] }, { id: 'second' }], { attemptTimeoutMs: 50 });
    const result = await router.send(notification);
    expect(result).toMatchObject({ status: 'unknown', providerId: 'first' });
    expect(result.attempts[0]).toMatchObject({ code: expect.any(String), errorKind: 'outcome-unknown' });
    expect(providers[1]!.callCount).toBe(0);
    await router.close();
  });

  it('reports a provider that throws a non-ProviderError as a bug and moves on, never throwing', async () => {
    const { router } = setup([{ id: 'first', script: [{ type: 'throw', error: new TypeError('oops') }] }, { id: 'second' }]);
    const bugs = jest.fn();
    router.on('provider-bug', bugs);
    const result = await router.send(notification);
    expect(result).toMatchObject({ status: 'accepted', providerId: 'second' });
    expect(result.attempts[0]).toMatchObject({ outcome: 'failed', errorKind: 'provider-unavailable', code: 'provider-bug' });
    expect(bugs).toHaveBeenCalledWith(expect.objectContaining({ providerId: 'first', error: expect.any(TypeError) }));
    await router.close();
  });

  it('fails with every reason when no provider can send', async () => {
    const down = [{ type: 'error' as const, kind: 'provider-unavailable' as const, code: 'down' }];
    const { router } = setup([{ id: 'first', script: down }, { id: 'second', script: down }]);
    const result = await router.send(notification);
    expect(result.status).toBe('failed');
    if (result.status === 'failed') expect(result.reason).toMatch(/first.*second/);
    await router.close();
  });
});

