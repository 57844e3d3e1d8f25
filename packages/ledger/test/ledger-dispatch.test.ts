import { createRouter } from '@rota/core';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { AccountThrottle, HELD_REASON_PREFIX, Ledger, LedgerInputError, type LedgerStore, type MessageRecord } from '../src/index.js';
import { createFakeProvider, type FakeProviderOptionsInput } from '@rota/testkit';
import { bulkTemplate, message, numbers, openTestStore, TestClock, wallClock } from './ledger-fixtures.js';
import { finalState, rig, until, type Rig } from './ledger-rig.js';

// The ledger at work over a real router and scripted fake providers: what is
// recorded, sent, held, refused and written back.

describe('Ledger.submit', () => {
  it('waits: records first, sends, and answers with the finished record', async () => {
    const r = await rig();
    const [outcome] = await r.ledger.submit([{ message: message({ to: '+905321234567' }), owner: 'acme', reference: 'order-42' }], 'wait');
    expect(outcome).toMatchObject({ kind: 'created', record: { state: 'accepted', providerId: 'fake', accountId: 'fake-notification', owner: 'acme', reference: 'order-42' } });
    expect(r.provider.callCount).toBe(1);
    await r.close();
  });

  it('waits: a sendAt already past is left out of what the provider is given, as for a queued message', async () => {
    const r = await rig();
    const sendAt = new Date(Date.now() - 2 * 3_600_000);
    const [outcome] = await r.ledger.submit([{ message: message({ to: '+905321234567', sendAt, validUntil: new Date(Date.now() + 300_000) }), owner: 'acme' }], 'wait');
    expect(outcome).toMatchObject({ kind: 'created', record: { state: 'accepted', sendAt } });
    expect(r.provider.calls).toHaveLength(1);
    expect(r.provider.calls[0]!.sendAt).toBeUndefined();
    expect(r.provider.calls[0]!.validUntil).toBeDefined();
    await r.close();
  });

  it('waits: a validUntil already past is not sent, as for a queued message', async () => {
    const r = await rig();
    const validUntil = new Date(Date.now() - 60_000);
    const [outcome] = await r.ledger.submit([{ message: message({ to: '+905321234567', validUntil }), owner: 'acme' }], 'wait');
    expect(outcome).toMatchObject({ kind: 'created', record: { state: 'failed', reason: expect.stringContaining('validUntil') } });
    expect(r.provider.callCount).toBe(0);
    await r.close();
  });

  it('queues: answers once the record is durable, and the dispatcher sends it', async () => {
    const r = await rig();
    const [outcome] = await r.ledger.submit([{ message: message({ to: '+905321234567' }), owner: 'acme' }], 'queue');
    expect(outcome).toMatchObject({ kind: 'created', record: { state: 'queued' } });
    const done = await until(finalState(r.store, (outcome as { record: MessageRecord }).record.id), 'the queued message sent');
    expect(done).toMatchObject({ state: 'accepted', providerId: 'fake' });
    expect(r.provider.callCount).toBe(1);
    await r.close();
  });

  it('answers a repeat of the same key with the first record and sends nothing; another message under that key is a conflict', async () => {
    const r = await rig();
    const m = message({ to: '+905321234567', idempotencyKey: 'order-42' });
    const [first] = await r.ledger.submit([{ message: m, owner: 'acme' }], 'wait');
    const [again] = await r.ledger.submit([{ message: m, owner: 'acme' }], 'wait');
    expect(again).toEqual({ kind: 'existing', record: (first as { record: MessageRecord }).record });
    const [other] = await r.ledger.submit([{ message: message({ to: '+905321234567', idempotencyKey: 'order-42', text: 'başka' }), owner: 'acme' }], 'wait');
    expect(other).toEqual({ kind: 'conflict', existingId: (first as { record: MessageRecord }).record.id });
    const [billing] = await r.ledger.submit([{ message: m, owner: 'billing' }], 'wait');
    expect(billing?.kind).toBe('created'); // keys are per client
    expect(r.provider.callCount).toBe(2);
    await r.close();
  });

  it('says which provider and account a record is going to before the request is written', async () => {
    const r = await rig({ provider: { script: [{ type: 'hang' }] } });
    const [outcome] = await r.ledger.submit([{ message: message({ to: '+905321234567' }), owner: 'acme' }], 'queue');
    const id = (outcome as { record: MessageRecord }).record.id;
    // Read after the call started (never before: a record read just before could predate the mark).
    const inFlight = await until(async () => (r.provider.callCount === 1 ? r.store.get(id) : undefined), 'the call to start');
    expect(inFlight).toMatchObject({ state: 'dispatching', providerId: 'fake', accountId: 'fake-notification' });
    await r.close();
  });

});

describe('the dispatcher', () => {
  it('sends an OTP before a CAMPAIGN backlog it arrived behind (one unit is kept for OTPs)', async () => {
    const r = await rig({ provider: { fallback: { type: 'accept', delayMs: 20 } }, dispatch: { concurrency: 2, claimSize: 1 } });
    await r.ledger.submit(
      numbers(40).map((to) => ({ message: message({ to, iysType: 'CAMPAIGN', text: 'Kış indirimi' }), owner: 'acme' })),
      'queue',
    );
    await new Promise((resolve) => setTimeout(resolve, 30));
    const [otp] = await r.ledger.submit([{ message: message({ to: '+905559998877', text: 'Kodunuz 4711', otp: true }), owner: 'acme' }], 'queue');
    await until(finalState(r.store, (otp as { record: MessageRecord }).record.id), 'the OTP sent');
    const otpCall = r.provider.calls.findIndex((call) => call.text === 'Kodunuz 4711');
    const campaignsBefore = r.provider.calls.slice(0, otpCall).length;
    // 40 CAMPAIGN messages at 20 ms each through one general unit: the OTP went after a handful, not after 40.
    expect(campaignsBefore).toBeLessThan(8);
    await r.close();
  });

  it('sends a bulk as bulk requests, one per provider chunk, and finishes every record', async () => {
    const r = await rig({ provider: { maxRecipientsPerRequest: 50 } });
    const recipients = numbers(120);
    const outcome = await r.ledger.submitBulk({ template: bulkTemplate(), recipients, owner: 'acme' });
    expect(outcome).toMatchObject({ kind: 'created', count: 120 });
    const bulkId = (outcome as { bulkId: string }).bulkId;
    await until(async () => ((await r.store.bulkProgress(bulkId))?.byState.accepted === 120 ? true : undefined), 'every record accepted');
    expect(r.provider.calls.map((call) => call.recipients.length).sort((a, b) => a - b)).toEqual([20, 50, 50]);
    await r.close();
  });

  it('sends an OTP from memory: its text never reaches the store', async () => {
    const r = await rig();
    const [outcome] = await r.ledger.submit([{ message: message({ to: '+905321234567', text: 'Kodunuz 828282', otp: true }), owner: 'acme' }], 'queue');
    const done = await until(finalState(r.store, (outcome as { record: MessageRecord }).record.id), 'the OTP sent');
    expect(done.state).toBe('accepted');
    expect(done.text).toBeUndefined();
    expect(r.provider.calls[0]!.text).toBe('Kodunuz 828282');
    await r.close();
  });

  it('stop(bound) returns at the bound and leaves every record it did not send queued: not lost, not failed, not marked sent', async () => {
    // Two general units (the third slot is kept for OTPs); a send takes 3 s, and the account lets
    // one message a second through, so at the stop one record is at the provider and the other unit's
    // records are claimed but held by the throttle. A unit takes one record (claimSize 1: on SQLite a
    // claim, on PostgreSQL a unit of single messages), so the second unit is one record and ten stay
    // queued. A claimed record the stop catches before its send must come back queued.
    const r = await rig({ provider: { fallback: { type: 'accept', delayMs: 3_000 } }, dispatch: { concurrency: 3, claimSize: 1 }, limits: new Map([['fake/fake-notification', 1]]) });
    // The first message alone, sent before the others come: were it claimed with them, the throttle
    // would hold that unit's first send for seconds.
    const [first, ...rest] = numbers(12);
    const outcomes = await r.ledger.submit([{ message: message({ to: first! }), owner: 'acme' }], 'queue');
    await until(async () => (r.provider.callCount === 1 ? true : undefined), 'the first send to start');
    const sendStarted = Date.now();
    for (const to of rest) outcomes.push(...(await r.ledger.submit([{ message: message({ to }), owner: 'acme' }], 'queue')));
    const ids = outcomes.map((outcome) => (outcome as { record: MessageRecord }).record.id);
    const claimed = await until(async () => {
      const states = await Promise.all(ids.map(async (id) => (await r.store.get(id))!.state));
      return states.filter((state) => state === 'dispatching').length >= 2 ? states : undefined;
    }, 'the second unit to be claimed (held by the throttle)');
    expect(claimed.every((state) => state === 'dispatching' || state === 'queued')).toBe(true);
    if (process.env.ROTA_TEST_STORE !== 'postgres') expect(claimed.filter((state) => state === 'queued')).toHaveLength(10);
    await r.ledger.stop(100);
    // Back at its bound, before the send it left running could end (measured from that send's start, which no slow
    // claim or submit before the stop can make pass).
    expect(Date.now() - sendStarted).toBeLessThan(3_000);
    // As a gateway shuts down: the router closes after the ledger's bound, then the units it cut short settle.
    await r.router.close();
    await r.ledger.settle();
    // Nothing left dispatching before the store closes (before: the store closed under the units winding up).
    const records = (await Promise.all(ids.map((id) => r.store.get(id)))).map((record) => record!);
    expect(records.filter((record) => record.state === 'dispatching')).toEqual([]);
    const reached = new Set(r.provider.calls.flatMap((call) => call.recipients));
    expect(reached.size).toBeGreaterThanOrEqual(1);
    for (const record of records) {
      if (reached.has(record.to)) expect({ to: record.to, state: record.state }).toEqual({ to: record.to, state: expect.stringMatching(/^(accepted|unknown)$/) });
      else expect({ to: record.to, state: record.state, providerId: record.providerId }).toEqual({ to: record.to, state: 'queued', providerId: undefined });
    }
    // Queued for the next start, which sends each of them once.
    const next = createRouter({ providers: [{ provider: r.provider, rank: 1 }], retry: { retries: 0 } });
    r.provider.setScript([], { type: 'accept' });
    const again = new Ledger({ store: r.store, router: next, dispatch: { pollMs: 20 } });
    await again.start();
    for (const record of records.filter((each) => each.state === 'queued')) await until(finalState(r.store, record.id), `${record.to} sent after the restart`);
    expect(r.provider.duplicates()).toEqual([]);
    expect(new Set(r.provider.calls.flatMap((call) => call.recipients)).size).toBe(12);
    await again.stop(1_000);
    await next.close();
    await r.store.close();
  });
});

describe('the dispatcher when a route its messages wait on closes', () => {
  const fake = (id: string, options: Partial<FakeProviderOptionsInput> = {}) => createFakeProvider({ id, accounts: [{ accountId: `${id}-notification`, iysType: 'NOTIFICATION', senders: ['ROTA'] }], ...options });
  /** Rank 1 lets one message a second through; rank 2 has no limit. */
  async function twoRanks(store: LedgerStore, firstOptions: Partial<FakeProviderOptionsInput> = {}, breaker = {}) {
    const first = fake('first', firstOptions);
    const second = fake('second');
    const router = createRouter({ providers: [{ provider: first, rank: 1 }, { provider: second, rank: 2 }], retry: { retries: 0, minDelayMs: 1, maxDelayMs: 5 }, breaker });
    const ledger = new Ledger({ store, router, dispatch: { pollMs: 20 }, limits: new Map([[`first/${first.accountIds[0]!}`, 1]]) });
    await ledger.start();
    return { first, second, router, ledger };
  }

  it('walks the messages waiting for a switched-off provider\'s rate limit on down the ranks at once', async () => {
    // Found by an operator trial: with one message a second on rank 1, switching it off let the waiting messages
    // go to rank 2 only as the disabled provider's limit let each out, one a second (a 50,000 backlog barely moved).
    const store = await openTestStore(new TestClock(Date.now()));
    const { first, second, router, ledger } = await twoRanks(store);
    try {
      // Each its own text, so each its own request: the throttle lets one out a second.
      const outcomes = await ledger.submit(numbers(12).map((to, i) => ({ message: message({ to, text: `Kargonuz ${i} yolda` }), owner: 'acme' })), 'queue');
      const ids = outcomes.map((outcome) => (outcome as { record: MessageRecord }).record.id);
      await until(async () => (first.callCount >= 1 ? true : undefined), 'the first send through rank 1');
      router.setEnabled('first', false);
      // At one a second the eleven left would take eleven seconds; until() gives up after five.
      const records = await until(async () => {
        const all = await Promise.all(ids.map((id) => finalState(store, id)()));
        return all.every((record) => record?.state === 'accepted') ? all.map((record) => record!) : undefined;
      }, 'every message accepted');
      expect(first.callCount).toBeLessThanOrEqual(2);
      expect(records.filter((record) => record.providerId === 'second').length).toBeGreaterThanOrEqual(10);
      const walkedOn = records.find((record) => record.providerId === 'second' && record.attempts.length > 1);
      if (walkedOn) expect(walkedOn.attempts[0]).toMatchObject({ providerId: 'first', outcome: 'skipped', reason: expect.stringContaining('first was switched off') });
    } finally {
      await ledger.stop(1_000);
      await router.close();
      await store.close();
    }
  });

  it('walks them on as soon as rank 1\'s breaker opens by its failures, not one a second as its limit lets each out to be refused', async () => {
    const store = await openTestStore(new TestClock(Date.now()));
    const down = { type: 'error' as const, kind: 'retryable' as const, code: 'HTTP_503' };
    const { first, router, ledger } = await twoRanks(store, { fallback: down }, { volumeThreshold: 1, errorThresholdPercentage: 1 });
    try {
      const outcomes = await ledger.submit(numbers(12).map((to, i) => ({ message: message({ to, text: `Faturaniz ${i} hazir` }), owner: 'acme' })), 'queue');
      const ids = outcomes.map((outcome) => (outcome as { record: MessageRecord }).record.id);
      const records = await until(async () => {
        const all = await Promise.all(ids.map((id) => finalState(store, id)()));
        return all.every((record) => record?.state === 'accepted') ? all.map((record) => record!) : undefined;
      }, 'every message accepted through rank 2');
      expect(first.callCount).toBeLessThanOrEqual(2);
      expect(records.every((record) => record.providerId === 'second')).toBe(true);
    } finally {
      await ledger.stop(1_000);
      await router.close();
      await store.close();
    }
  });
});

describe('the dispatcher while no route is open', () => {
  const idOf = (outcome: unknown) => (outcome as { record: MessageRecord }).record.id;
  const heldSteps = async (r: Awaited<ReturnType<typeof rig>>, id: string) => ((await r.store.timeline(id)) ?? []).filter((step) => step.state === 'held');

  it('holds queued messages (single and bulk) while every route is closed, and sends each once when the breaker closes', async () => {
    const r = await rig({ store: await openTestStore(wallClock()) });
    for (const account of ['fake-notification', 'fake-campaign']) r.router.forceBreaker('fake', account, 'open');
    const [single] = await r.ledger.submit([{ message: message({ to: '+905321234567' }), owner: 'acme' }], 'queue');
    const bulk = await r.ledger.submitBulk({ template: bulkTemplate(), recipients: numbers(3), owner: 'acme' });
    const bulkId = (bulk as { bulkId: string }).bulkId;
    const held = await until(async () => {
      const record = await r.store.get(idOf(single));
      return record?.state === 'queued' && record.reason?.startsWith(HELD_REASON_PREFIX) ? record : undefined;
    }, 'the single message held');
    expect(held.reason).toContain('circuit breaker open');
    expect(held.providerId).toBeUndefined();
    expect(held.heldSince).toBeInstanceOf(Date);
    expect(held.reason).toContain(`at most until ${new Date(held.heldSince!.getTime() + 3_600_000).toISOString()}`);
    expect(held.attempts).toEqual([expect.objectContaining({ providerId: 'fake', outcome: 'skipped', tries: 0 })]);
    await until(async () => ((await r.store.bulkProgress(bulkId))?.byState.queued === 3 && (await r.store.list({ bulkId })).items.every((record) => record.reason?.startsWith(HELD_REASON_PREFIX)) ? true : undefined), 'the bulk held');
    // Held again at least once more (due a second later each time): one `held` step in the timeline all the same.
    const firstHold = held.updatedAt.getTime();
    await until(async () => ((await r.store.get(idOf(single)))!.updatedAt.getTime() > firstHold ? true : undefined), 'the message held a second time');
    expect(await heldSteps(r, idOf(single))).toHaveLength(1);
    expect(r.provider.callCount).toBe(0);

    for (const account of ['fake-notification', 'fake-campaign']) r.router.forceBreaker('fake', account, 'auto');
    const sent = await until(finalState(r.store, idOf(single)), 'the held message sent once the breaker closed');
    expect(sent).toMatchObject({ state: 'accepted', providerId: 'fake' });
    expect(sent.reason).toBeUndefined();
    await until(async () => ((await r.store.bulkProgress(bulkId))?.byState.accepted === 3 ? true : undefined), 'the held bulk sent');
    expect(r.provider.duplicates()).toEqual([]);
    expect(((await r.store.timeline(idOf(single))) ?? []).filter((step) => step.kind === 'state').map((step) => step.state)).toEqual(['held', 'accepted']);
    await r.close();
  });

  // A long hold's next timed try is a minute away; a route that opens lets its records out at once.
  // Both ways to the route start closed; `other` opens one and the message is held again, `open` the last.
  const closeBreaker = (router: Rig['router']) => router.forceBreaker('fake', 'fake-notification', 'auto');
  const switchOn = (router: Rig['router']) => router.setEnabled('fake', true);
  it.each([
    ['its breaker closes', closeBreaker, switchOn],
    ['its provider is switched on', switchOn, closeBreaker],
  ])('sends a long-held message as soon as %s, not at its next timed try', async (_, open, other) => {
    let offsetMs = 0;
    const clock = wallClock();
    clock.now = () => new Date(Date.now() + offsetMs);
    const r = await rig({ store: await openTestStore(clock), clock: () => clock.now().getTime() });
    r.router.forceBreaker('fake', 'fake-notification', 'open');
    r.router.setEnabled('fake', false);
    const [queued] = await r.ledger.submit([{ message: message({ to: '+905321234567' }), owner: 'acme' }], 'queue');
    await until(async () => ((await r.store.get(idOf(queued)))?.heldSince ? true : undefined), 'the message held');
    // Twenty minutes on, the next hold puts its try a minute ahead.
    offsetMs = 20 * 60_000;
    const longHeld = await until(async () => {
      const record = await r.store.get(idOf(queued));
      return record && record.dueAt.getTime() > clock.now().getTime() + 50_000 ? record : undefined;
    }, 'the message held again, its next try a minute ahead');
    expect(longHeld.state).toBe('queued');
    // Released by `other`, tried, and held again: the route is still closed the other way.
    other(r.router);
    await until(async () => {
      const record = await r.store.get(idOf(queued));
      return record && record.updatedAt > longHeld.updatedAt && record.state === 'queued' && record.dueAt.getTime() > clock.now().getTime() + 50_000 ? true : undefined;
    }, 'the message tried and held again');
    expect(r.provider.callCount).toBe(0);
    open(r.router);
    const sent = await until(finalState(r.store, idOf(queued)), 'the held message sent when the route opened');
    expect(sent).toMatchObject({ state: 'accepted', providerId: 'fake' });
    expect(r.provider.callCount).toBe(1);
    await r.close();
  });

  /** A rig whose clock the test moves ahead of the wall clock (a store's due times follow it). */
  const offsetRig = async (options: Parameters<typeof rig>[0] = {}) => {
    const offset = { ms: 0 };
    const clock = wallClock();
    clock.now = () => new Date(Date.now() + offset.ms);
    const r = await rig({ ...options, store: await openTestStore(clock), clock: () => clock.now().getTime() });
    return { r, offset, now: () => clock.now().getTime() };
  };
  // On PostgreSQL a unit's job waits for the database's own clock, which the test cannot move.
  const embeddedOnly = process.env.ROTA_TEST_STORE === 'postgres' ? it.skip : it;

  embeddedOnly('lets a held record out when a route may have opened while its unit had it (the probe beside it closed the breaker)', async () => {
    const { r, offset, now } = await offsetRig({ provider: { fallback: { type: 'accept', delayMs: 400 } } });
    r.router.forceBreaker('fake', 'fake-notification', 'open');
    const [queued] = await r.ledger.submit([{ message: message({ to: '+905321234567' }), owner: 'acme' }], 'queue');
    await until(async () => ((await r.store.get(idOf(queued)))?.heldSince ? true : undefined), 'the message held');
    offset.ms = 20 * 60_000;
    const longHeld = await until(async () => {
      const record = await r.store.get(idOf(queued));
      return record && record.dueAt.getTime() > now() + 50_000 ? record : undefined;
    }, 'the message held again, its next try a minute ahead');
    // A CAMPAIGN due with it, through an account that is open: the two are claimed as one unit, which its slow send keeps going.
    await r.ledger.submit([{ message: message({ to: '+905321234568', iysType: 'CAMPAIGN', sendAt: longHeld.dueAt }), owner: 'acme' }], 'queue');
    offset.ms += longHeld.dueAt.getTime() - now() + 100;
    await until(async () => ((await r.store.get(idOf(queued)))?.state === 'dispatching' ? true : undefined), 'the unit claimed');
    // The route opens while the unit has the record: the release finds nothing queued to let out.
    r.router.forceBreaker('fake', 'fake-notification', 'auto');
    expect(await until(finalState(r.store, idOf(queued)), 'the held message sent once its unit ended')).toMatchObject({ state: 'accepted' });
    expect(r.provider.callCount).toBe(2);
    await r.close();
  });

  it('never puts a held record\'s next try past the end of its hold', async () => {
    const { r, offset, now } = await offsetRig({ dispatch: { holdWithoutRouteMs: 600_000 } });
    r.router.forceBreaker('fake', 'fake-notification', 'open');
    const [queued] = await r.ledger.submit([{ message: message({ to: '+905321234567' }), owner: 'acme' }], 'queue');
    const first = await until(async () => {
      const record = await r.store.get(idOf(queued));
      return record?.heldSince ? record : undefined;
    }, 'the message held');
    const end = first.heldSince!.getTime() + 600_000;
    // Two seconds before its end, the next try would be 54 s away: it comes at the end.
    offset.ms = end - 2_000 - Date.now();
    const last = await until(async () => {
      const record = await r.store.get(idOf(queued));
      return record && record.dueAt.getTime() > now() ? record : undefined;
    }, 'the message held again near its end');
    expect(last.dueAt.getTime()).toBe(end);
    if (process.env.ROTA_TEST_STORE !== 'postgres') {
      const failed = await until(finalState(r.store, idOf(queued)), 'the message failed at the end of its hold');
      expect(failed.reason).toMatch(/^not sent: no route opened before its hold ended/);
      expect(failed.finishedAt!.getTime()).toBeGreaterThanOrEqual(end);
    }
    await r.close();
  });

  it('fails a held message once its hold ends, saying it was held; a message a caller waits for fails at once', async () => {
    const r = await rig({ store: await openTestStore(wallClock()), dispatch: { holdWithoutRouteMs: 1_500 } });
    r.router.forceBreaker('fake', 'fake-notification', 'open');
    const [queued] = await r.ledger.submit([{ message: message({ to: '+905321234567' }), owner: 'acme' }], 'queue');
    const [waited] = await r.ledger.submit([{ message: message({ to: '+905321234568' }), owner: 'acme' }], 'wait');
    expect(waited).toMatchObject({ record: { state: 'failed', reason: expect.stringContaining('circuit breaker open') } });
    expect((waited as { record: MessageRecord }).record.reason).not.toContain('held');
    const failed = await until(finalState(r.store, idOf(queued)), 'the held message failed at the end of its hold');
    expect(failed).toMatchObject({ state: 'failed', reason: expect.stringMatching(/^not sent: no route opened before its hold ended \(.+\) — no provider could send it — fake: skipped \(circuit breaker open\)$/) });
    expect(((await r.store.timeline(idOf(queued))) ?? []).filter((step) => step.kind === 'state').map((step) => step.state)).toEqual(['held', 'failed']);
    expect(r.provider.callCount).toBe(0);
    await r.close();
  });

  it('holds an OTP five minutes at most, whatever holdWithoutRouteMs says: a code that comes later is of no use', async () => {
    const r = await rig({ store: await openTestStore(wallClock()) });
    r.router.forceBreaker('fake', 'fake-notification', 'open');
    const [otp] = await r.ledger.submit([{ message: message({ to: '+905321234567', text: 'Kodunuz 424242', otp: true }), owner: 'acme' }], 'queue');
    const held = await until(async () => {
      const record = await r.store.get(idOf(otp));
      return record?.heldSince ? record : undefined;
    }, 'the OTP held');
    expect(held.reason).toContain(`at most until ${new Date(held.heldSince!.getTime() + 300_000).toISOString()}`);
    // Its text stays with the process that holds it, and goes out when the route opens.
    r.router.forceBreaker('fake', 'fake-notification', 'auto');
    expect(await until(finalState(r.store, idOf(otp)), 'the held OTP sent')).toMatchObject({ state: 'accepted' });
    expect(r.provider.calls.map((call) => call.text)).toEqual(['Kodunuz 424242']);
    await r.close();
  });

  it('holds nothing with holdWithoutRouteMs 0, nor past validUntil: failed at once, as before', async () => {
    const r = await rig({ store: await openTestStore(wallClock()), dispatch: { holdWithoutRouteMs: 0 } });
    r.router.forceBreaker('fake', 'fake-notification', 'open');
    const [queued] = await r.ledger.submit([{ message: message({ to: '+905321234567' }), owner: 'acme' }], 'queue');
    expect(await until(finalState(r.store, idOf(queued)), 'the message failed')).toMatchObject({ state: 'failed', reason: 'no provider could send it — fake: skipped (circuit breaker open)' });
    expect(await heldSteps(r, idOf(queued))).toEqual([]);
    await r.close();

    const held = await rig({ store: await openTestStore(wallClock()) });
    held.router.forceBreaker('fake', 'fake-notification', 'open');
    const [brief] = await held.ledger.submit([{ message: message({ to: '+905321234567', validUntil: new Date(Date.now() + 1_200) }), owner: 'acme' }], 'queue');
    const ended = await until(finalState(held.store, idOf(brief)), 'the message failed at its validUntil');
    expect(ended).toMatchObject({ state: 'failed' });
    // Held, then due at its validUntil (its hold's end): it says so, with the trail of its last walk.
    expect(ended.reason).toBe(`not sent: no route opened before its hold ended (${(brief as { record: MessageRecord }).record.validUntil!.toISOString()}, its validUntil)`);
    expect(ended.attempts).toEqual([expect.objectContaining({ providerId: 'fake', outcome: 'skipped', reason: 'circuit breaker open' })]);
    expect(held.provider.callCount).toBe(0);
    await held.close();
  });
});

describe('AccountThrottle', () => {
  it('lets at most maxPerSecond messages a second through an account, whatever the request size', async () => {
    const throttle = new AccountThrottle();
    throttle.setLimits(new Map([['fake/fake-notification', 3]]));
    const started = Date.now();
    await throttle.take('fake', 'fake-notification', 7); // 3 now, 3 after a second, 1 after two
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_900);
    const other = Date.now();
    await throttle.take('fake', 'fake-campaign', 1_000); // no limit configured
    expect(Date.now() - other).toBeLessThan(500); // no wait: a limit would hold 1,000 for seconds
  });

  it('keeps each account\'s limit when another account\'s is set (the report collector sets them one at a time)', async () => {
    const made: string[] = [];
    const throttle = new AccountThrottle((key, maxPerSecond) => {
      made.push(key);
      return new RateLimiterMemory({ points: maxPerSecond, duration: 1 });
    });
    throttle.setLimit('fake', 'account-a', 1);
    throttle.setLimit('fake', 'account-b', 1);
    throttle.setLimit('fake', 'account-a', 1); // unchanged: the same bucket, not a fresh one
    expect(made).toEqual(['fake/account-a', 'fake/account-b']);
    const started = Date.now();
    await throttle.take('fake', 'account-a', 2); // one now, one a second later: a's limit still holds
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('refuses a limit that is not a whole number of at least one, naming the account', () => {
    const throttle = new AccountThrottle();
    for (const bad of [0, -5, 2.5, Number.NaN]) {
      expect(() => throttle.setLimits(new Map([['fake/account-a', bad]]))).toThrow(LedgerInputError);
      expect(() => throttle.setLimit('fake', 'account-a', bad)).toThrow(/limits.*fake\/account-a/);
    }
  });

  it('holds an account back for a provider\'s Retry-After', async () => {
    const throttle = new AccountThrottle();
    throttle.slowDown('fake', 'fake-notification', 300);
    const started = Date.now();
    await throttle.take('fake', 'fake-notification', 1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('is slowed down by a Retry-After the moment a try gets one, even when that message\'s retry then succeeds', async () => {
    // Before: only a message whose tries all failed carried the Retry-After to the throttle, so the
    // account's other messages kept arriving at the provider through the whole pause it asked for.
    const busy = { type: 'error' as const, kind: 'retryable' as const, code: 'HTTP_429', retryAfterMs: 30 };
    const r = await rig({ provider: { script: [busy], fallback: { type: 'accept' } }, retries: 1 });
    const paused: unknown[] = [];
    const throttle = (r.ledger as unknown as { throttle: AccountThrottle }).throttle;
    const slowDown = throttle.slowDown.bind(throttle);
    throttle.slowDown = (...args) => {
      paused.push(args);
      slowDown(...args);
    };
    const [outcome] = await r.ledger.submit([{ message: message({ to: '+905321234567' }), owner: 'acme' }], 'queue');
    expect(await until(finalState(r.store, (outcome as { record: MessageRecord }).record.id), 'the message sent on its retry')).toMatchObject({ state: 'accepted' });
    expect(paused).toEqual([['fake', 'fake-notification', 30]]);
    await r.close();
  });
});
