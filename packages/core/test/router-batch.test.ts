import { notification, setup } from './router-helpers.js';

const numberAt = (i: number) => `+90532${String(1_000_000 + i).padStart(7, '0')}`;
const texts = ['Siparişiniz yola çıktı', 'Your code is 1234', 'Fatura: 120 TL {ödendi}', 'Привет'];

function mixedBatch(count: number) {
  return Array.from({ length: count }, (_, i) => ({ to: numberAt(i), text: texts[i % texts.length]!, iysType: 'NOTIFICATION' as const }));
}

describe('router: sendBatch', () => {
  it('returns exactly one result per message, in input order, when rank 1 fails mid-batch — and never sends twice', async () => {
    const { router, providers } = setup(
      [
        // rank 1 takes 100 recipients per request, accepts 6 requests, then goes down
        { id: 'first', maxRecipientsPerRequest: 100, script: (call) => (call.index < 6 ? { type: 'accept' } : { type: 'error', kind: 'provider-unavailable' }) },
        { id: 'second', maxRecipientsPerRequest: 250 },
      ],
      { breaker: { volumeThreshold: 1000 } },
    );
    const batch = mixedBatch(2_000);
    const results = await router.sendBatch(batch);

    expect(results).toHaveLength(2_000);
    results.forEach((result, i) => expect(result).toMatchObject({ status: 'accepted', to: numberAt(i) }));
    const [first, second] = providers;
    expect(first!.acceptedCount).toBe(600);
    expect(second!.acceptedCount).toBe(1_400);
    // Ground truth: nobody accepted twice, by one provider or across both.
    const everyAcceptance = [...first!.accepted, ...second!.accepted].map((a) => `${a.to}|${a.text}`);
    expect(new Set(everyAcceptance).size).toBe(2_000);
    expect(first!.duplicates()).toEqual([]);
    expect(second!.duplicates()).toEqual([]);
    // Each result's trail agrees with where it went.
    const viaSecond = results.filter((r) => r.status === 'accepted' && r.providerId === 'second');
    expect(viaSecond).toHaveLength(1_400);
    for (const r of viaSecond) expect(r.attempts.map((a) => `${a.providerId}:${a.outcome}`)).toEqual(['first:failed', 'second:accepted']);
    // Requests never exceed either provider's batch size.
    expect(Math.max(...first!.calls.map((c) => c.recipients.length))).toBeLessThanOrEqual(100);
    expect(Math.max(...second!.calls.map((c) => c.recipients.length))).toBeLessThanOrEqual(250);
    await router.close();
  });

  it('groups by IYS type, sender and text, so one request carries one text', async () => {
    const { router, providers } = setup([{ id: 'first' }]);
    const batch = [
      { ...notification, to: numberAt(1) },
      { ...notification, to: numberAt(2), text: 'other' },
      { ...notification, to: numberAt(3) },
      { ...notification, to: numberAt(4), iysType: 'CAMPAIGN' as const },
    ];
    const results = await router.sendBatch(batch);
    expect(results.map((r) => r.status)).toEqual(['accepted', 'accepted', 'accepted', 'accepted']);
    const calls = providers[0]!.calls.map((c) => ({ text: c.text, account: c.accountId, recipients: [...c.recipients].sort() }));
    expect(calls).toHaveLength(3);
    expect(calls).toContainEqual({ text: notification.text, account: 'first-notification', recipients: [numberAt(1), numberAt(3)] });
    await router.close();
  });

  it('never puts one number twice in a request: a second message to it goes in a request of its own', async () => {
    // Message Center and Mobildev name a receipt <order>+<number>: two messages to one number in one order would share an id.
    const { router, providers } = setup([{ id: 'first' }]);
    const batch = [numberAt(1), numberAt(2), numberAt(1), numberAt(1), numberAt(3)].map((to) => ({ ...notification, to }));
    const results = await router.sendBatch(batch);
    expect(results.map((r) => `${r.status}:${r.to}`)).toEqual(batch.map(({ to }) => `accepted:${to}`));
    const requests = providers[0]!.calls.map((c) => [...c.recipients].sort());
    expect(requests).toEqual([[numberAt(1), numberAt(2), numberAt(3)], [numberAt(1)], [numberAt(1)]]);
    await router.close();
  });

  it('keeps a per-recipient rejection final for that recipient only', async () => {
    const { router, providers } = setup([{ id: 'first', script: [{ type: 'accept', rejectRecipients: [numberAt(2)] }] }, { id: 'second' }]);
    const results = await router.sendBatch([1, 2, 3].map((i) => ({ ...notification, to: numberAt(i) })));
    expect(results.map((r) => r.status)).toEqual(['accepted', 'rejected', 'accepted']);
    expect(results[1]).toMatchObject({ providerId: 'first', issues: [{ path: 'to' }] });
    expect(providers[1]!.callCount).toBe(0);
    await router.close();
  });

  it('counts the recipients an accepted request refused one by one as rejected, in the events and in status()', async () => {
    const { router } = setup([{ id: 'first', script: [{ type: 'accept', rejectRecipients: [numberAt(2), numberAt(4)] }, { type: 'accept', rejectRecipients: [numberAt(5)] }] }]);
    const told: string[] = [];
    router.on('attempt', ({ attempt, recipients, sameRequest }) => told.push(`${attempt.outcome}:${recipients}${sameRequest ? ':same' : ''}`));
    await router.sendBatch([1, 2, 3, 4].map((i) => ({ ...notification, to: numberAt(i) })));
    // A request wholly refused, recipient by recipient, is told as rejected (not accepted).
    await router.sendBatch([5].map((i) => ({ ...notification, to: numberAt(i) })));
    expect(told).toEqual(['accepted:2', 'rejected:2:same', 'rejected:1']);
    // One request: accepted ones, refused ones and ones left for the next rank, told in that order, the first as the request.
    const mixed = setup([{ id: 'first', script: [{ type: 'accept', rejectRecipients: [numberAt(7)], notTakenRecipients: [numberAt(8)] }] }, { id: 'second' }]);
    const events: string[] = [];
    mixed.router.on('attempt', ({ attempt, recipients, sameRequest }) => events.push(`${attempt.providerId}:${attempt.outcome}:${attempt.errorKind ?? '-'}:${recipients}${sameRequest ? ':same' : ''}`));
    await mixed.router.sendBatch([6, 7, 8].map((i) => ({ ...notification, to: numberAt(i) })));
    expect(events).toEqual(['first:accepted:-:1', 'first:rejected:message-rejected:1:same', 'first:failed:provider-unavailable:1:same', 'second:accepted:-:1']);
    await mixed.router.close();
    expect(router.status()[0]!.counts).toMatchObject({ accepted: 2, rejected: 3 });
    await router.close();
  });

  it('walks the recipients a provider did not take (its account, its route) on to the next rank, and only those', async () => {
    const { router, providers } = setup([
      { id: 'first', script: [{ type: 'accept', rejectRecipients: [numberAt(2)], notTakenRecipients: [numberAt(3), numberAt(5)], notTakenReason: 'out of credit' }] },
      { id: 'second' },
    ]);
    const results = await router.sendBatch([1, 2, 3, 4, 5].map((i) => ({ ...notification, to: numberAt(i) })));
    expect(results.map((r) => [r.status, 'providerId' in r ? r.providerId : undefined])).toEqual([
      ['accepted', 'first'],
      ['rejected', 'first'],
      ['accepted', 'second'],
      ['accepted', 'first'],
      ['accepted', 'second'],
    ]);
    // The next rank is asked once, for the two it did not take; nobody gets the message twice.
    expect(providers[1]!.calls.map((c) => [...c.recipients])).toEqual([[numberAt(3), numberAt(5)]]);
    expect([...providers[0]!.duplicates(), ...providers[1]!.duplicates()]).toEqual([]);
    expect(results[2]!.attempts).toEqual([
      expect.objectContaining({ providerId: 'first', outcome: 'failed', errorKind: 'provider-unavailable', code: 'NOT-TAKEN', reason: 'first did not take the recipient: out of credit' }),
      expect.objectContaining({ providerId: 'second', outcome: 'accepted' }),
    ]);
    expect(results[0]!.attempts.map((a) => `${a.providerId}:${a.outcome}`)).toEqual(['first:accepted']);
    await router.close();
  });

  it('counts an answer that took none and left some to the next rank as a failure to the breaker (an account out of credit), its rejections final all the same', async () => {
    const { router, providers } = setup(
      [
        // Out of credit: nobody taken, but for a number whose own refusal comes first.
        { id: 'first', script: ({ request }) => ({ type: 'accept', rejectRecipients: [numberAt(1)], notTakenRecipients: request.recipients.filter((to) => to !== numberAt(1)) }) },
        { id: 'second' },
      ],
      { breaker: { volumeThreshold: 2, errorThresholdPercentage: 50, resetTimeoutMs: 60_000 } },
    );
    const told: string[] = [];
    router.on('attempt', ({ attempt, recipients, sameRequest }) => told.push(`${attempt.providerId}:${attempt.outcome}:${recipients}${sameRequest ? ':same' : ''}`));
    const first = await router.sendBatch([1, 2, 3].map((i) => ({ ...notification, to: numberAt(i) })));
    // Told as the breaker counted it: a failed request, its rejected recipient beside it (as rejected, not accepted).
    expect(told.slice(0, 2)).toEqual(['first:failed:2', 'first:rejected:1:same']);
    expect(first.map((r) => [r.status, 'providerId' in r ? r.providerId : undefined])).toEqual([
      ['rejected', 'first'],
      ['accepted', 'second'],
      ['accepted', 'second'],
    ]);
    expect(first[0]!.attempts.map((a) => `${a.providerId}:${a.outcome}`)).toEqual(['first:rejected']);
    await router.sendBatch([4, 5].map((i) => ({ ...notification, to: numberAt(i) })));
    // Two such answers in a row open the account's breaker: the third batch goes straight to rank 2.
    expect(router.status()[0]!.accounts.find((a) => a.accountId === 'first-notification')!.breaker).toBe('open');
    const callsBefore = providers[0]!.callCount;
    expect(await router.send({ ...notification, to: numberAt(6) })).toMatchObject({ providerId: 'second' });
    expect(providers[0]!.callCount).toBe(callsBefore);
    await router.close();
  });

  it("walks on an answer that took none for the request's sake (cause: request) without counting it against the account's breaker", async () => {
    const { router, providers } = setup(
      [
        // One invalid number the provider did not name: the whole order refused, every number left for the next rank.
        { id: 'first', script: ({ request }) => ({ type: 'accept', notTakenRecipients: [...request.recipients], notTakenCause: 'request', notTakenReason: 'an invalid number in the order' }) },
        { id: 'second' },
      ],
      { breaker: { volumeThreshold: 2, errorThresholdPercentage: 50, resetTimeoutMs: 60_000 } },
    );
    for (let i = 0; i < 3; i++) {
      const results = await router.sendBatch([1, 2].map((n) => ({ ...notification, to: numberAt(n + 2 * i) })));
      expect(results.map((r) => [r.status, 'providerId' in r ? r.providerId : undefined])).toEqual([
        ['accepted', 'second'],
        ['accepted', 'second'],
      ]);
    }
    // Asked every time: three such answers did not open the account's breaker.
    expect(providers[0]!.callCount).toBe(3);
    expect(router.status()[0]!.accounts.find((a) => a.accountId === 'first-notification')!.breaker).toBe('closed');
    await router.close();
  });

  it('tells one provider request once as a request, however many outcomes its recipients had', async () => {
    const { router } = setup([{ id: 'first', script: [{ type: 'accept', notTakenRecipients: [numberAt(2)], notTakenReason: 'out of credit' }] }, { id: 'second' }]);
    const events: { provider: string; outcome: string; recipients: number; sameRequest?: true }[] = [];
    router.on('attempt', ({ attempt, recipients, sameRequest }) => events.push({ provider: attempt.providerId, outcome: attempt.outcome, recipients, ...(sameRequest ? { sameRequest } : {}) }));
    await router.sendBatch([1, 2, 3].map((i) => ({ ...notification, to: numberAt(i) })));
    expect(events).toEqual([
      { provider: 'first', outcome: 'accepted', recipients: 2 },
      { provider: 'first', outcome: 'failed', recipients: 1, sameRequest: true },
      { provider: 'second', outcome: 'accepted', recipients: 1 },
    ]);
    await router.close();
  });

  it('finishes a recipient refused after an earlier provider\'s unknown outcome (walked on under failover) as unknown, not rejected', async () => {
    const { router } = setup([{ id: 'first', script: [{ type: 'error', kind: 'outcome-unknown' }] }, { id: 'second', script: [{ type: 'accept', rejectRecipients: [numberAt(2)] }] }], {
      unknownOutcome: 'failover',
      retry: { retries: 0 },
    });
    const results = await router.sendBatch([1, 2].map((i) => ({ ...notification, to: numberAt(i) })));
    expect(results.map((r) => r.status)).toEqual(['accepted', 'unknown']);
    expect(results[1]).toMatchObject({ providerId: 'first', reason: expect.stringContaining('second then refused it') });
    expect(results[1]!.attempts.map((a) => `${a.providerId}:${a.outcome}`)).toEqual(['first:unknown', 'second:rejected']);
    await router.close();
  });

  it('fails a recipient no rank takes, with each rank it was not taken by in its trail', async () => {
    const { router } = setup([
      { id: 'first', script: [{ type: 'accept', notTakenRecipients: [numberAt(2)] }] },
      { id: 'second', script: [{ type: 'accept', notTakenRecipients: [numberAt(2)] }] },
    ]);
    const results = await router.sendBatch([1, 2].map((i) => ({ ...notification, to: numberAt(i) })));
    expect(results.map((r) => r.status)).toEqual(['accepted', 'failed']);
    expect(results[1]!.attempts.map((a) => `${a.providerId}:${a.outcome}`)).toEqual(['first:failed', 'second:failed']);
    await router.close();
  });

  it('refuses the whole batch, sending nothing, when any message is invalid — naming each bad index', async () => {
    const { router, providers } = setup([{ id: 'first' }]);
    const batch = [{ ...notification }, { ...notification, to: 'nope' }, { ...notification, text: '' }];
    const results = await router.sendBatch(batch);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(results[1]).toMatchObject({ issues: [{ path: '[1].to' }] });
    expect(results[2]).toMatchObject({ issues: [{ path: '[2].text' }] });
    expect(results[0]).toMatchObject({ reason: expect.stringMatching(/nothing was sent/) });
    expect(providers[0]!.callCount).toBe(0);
    await router.close();
  });

  it('stops a chunk with an unknown outcome instead of resending it elsewhere (policy stop)', async () => {
    const { router, providers } = setup([
      { id: 'first', maxRecipientsPerRequest: 2, script: [{ type: 'accept' }, { type: 'error', kind: 'outcome-unknown' }] },
      { id: 'second' },
    ]);
    const results = await router.sendBatch([1, 2, 3, 4].map((i) => ({ ...notification, to: numberAt(i) })));
    expect(results.map((r) => r.status).sort()).toEqual(['accepted', 'accepted', 'unknown', 'unknown']);
    expect(providers[1]!.callCount).toBe(0);
    await router.close();
  });

});

describe('router: sendBulk', () => {
  it('sends one text to many numbers in chunks of the provider batch size, one result per number in order', async () => {
    const { router, providers } = setup([{ id: 'first', maxRecipientsPerRequest: 800 }]);
    const numbers = Array.from({ length: 2_000 }, (_, i) => numberAt(i));
    const results = await router.sendBulk({ to: numbers, text: 'Kış indirimi başladı', iysType: 'CAMPAIGN', sender: 'ROTA' });
    expect(results).toHaveLength(2_000);
    results.forEach((r, i) => expect(r).toMatchObject({ status: 'accepted', to: numberAt(i), accountId: 'first-campaign' }));
    expect(providers[0]!.calls.map((c) => c.recipients.length).sort((a, b) => b - a)).toEqual([800, 800, 400]);
    expect(providers[0]!.duplicates()).toEqual([]);
    await router.close();
  });

  it('sends a bulk that names a number twice (as written, or in another form of it) with that number once a request', async () => {
    const { router, providers } = setup([{ id: 'first' }]);
    const national = `0${numberAt(1).slice(3)}`;
    const results = await router.sendBulk({ to: [numberAt(1), numberAt(2), national], text: 'hi', iysType: 'NOTIFICATION' });
    expect(results.map((r) => `${r.status}:${r.to}`)).toEqual([`accepted:${numberAt(1)}`, `accepted:${numberAt(2)}`, `accepted:${numberAt(1)}`]);
    expect(providers[0]!.calls.map((c) => [...c.recipients].sort())).toEqual([[numberAt(1), numberAt(2)], [numberAt(1)]]);
    await router.close();
  });

  it('refuses the whole bulk when one number is bad, naming its index, and sends nothing', async () => {
    const { router, providers } = setup([{ id: 'first' }]);
    const results = await router.sendBulk({ to: [numberAt(1), 'not a number', numberAt(3)], text: 'hi', iysType: 'NOTIFICATION' });
    expect(results).toHaveLength(3);
    expect(results[0]).toMatchObject({ status: 'rejected', issues: [{ path: 'to.1', reason: expect.stringMatching(/phone number|digits/) }] });
    expect(providers[0]!.callCount).toBe(0);
    await router.close();
  });

  it('moves the rest down the ranks when rank 1 fails mid-bulk, never sending anyone twice', async () => {
    const { router, providers } = setup([
      { id: 'first', maxRecipientsPerRequest: 500, script: (call) => (call.index < 2 ? { type: 'accept' } : { type: 'error', kind: 'provider-unavailable' }) },
      { id: 'second' },
    ], { batchConcurrency: 1, breaker: { volumeThreshold: 1000 } });
    const numbers = Array.from({ length: 2_000 }, (_, i) => numberAt(i));
    const results = await router.sendBulk({ to: numbers, text: 'hi', iysType: 'NOTIFICATION' });
    expect(results.every((r) => r.status === 'accepted')).toBe(true);
    expect(providers[0]!.acceptedCount + providers[1]!.acceptedCount).toBe(2_000);
    expect(providers[0]!.acceptedCount).toBe(1_000);
    const all = [...providers[0]!.accepted, ...providers[1]!.accepted].map((a) => a.to);
    expect(new Set(all).size).toBe(2_000);
    await router.close();
  });
});

describe('router: send', () => {
  it('rejects (never throws synchronously) when reading the input throws', async () => {
    const { router } = setup([{ id: 'first' }]);
    const input = {
      get to(): string {
        throw new Error('getter failed');
      },
      text: 'hi',
      iysType: 'NOTIFICATION',
    };
    let call: Promise<unknown> | undefined;
    expect(() => (call = router.send(input as never))).not.toThrow();
    await expect(call).rejects.toThrow('getter failed');
    await router.close();
  });

  it('takes null options from untyped callers like no options', async () => {
    const { router } = setup([{ id: 'first' }]);
    await expect(router.send({ to: '05321234567', text: 'hi', iysType: 'NOTIFICATION' }, null as never)).resolves.toMatchObject({ status: 'accepted' });
    await router.close();
  });
});
