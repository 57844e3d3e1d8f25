import { ProviderError } from '@rota/provider';
import type { MessageRecord } from '../../src/index.js';
import { message, openTestStore, TestClock } from '../ledger-fixtures.js';
import { finalState, rig, until } from '../ledger-rig.js';

// What only a store that is its own queue does (SQLite): due times by the
// ledger's clock, and recovery of everything a crash left at the next start.
// On PostgreSQL the queue holds due times and recovers per unit (test/postgres).

describe('the embedded dispatcher', () => {
  it('holds a message with a future sendAt until it is due, then sends it without asking the provider to schedule', async () => {
    let now = Date.parse('2030-01-01T10:00:00Z');
    const r = await rig({ clock: () => now, provider: { scheduling: false } });
    const [outcome] = await r.ledger.submit([{ message: message({ to: '+905321234567', sendAt: '2030-01-01T13:00:00+00:00' }), owner: 'acme' }], 'wait');
    expect(outcome).toMatchObject({ kind: 'created', record: { state: 'queued' } });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(r.provider.callCount).toBe(0);
    now = Date.parse('2030-01-01T13:00:01Z');
    const done = await until(finalState(r.store, (outcome as { record: MessageRecord }).record.id), 'the due message sent');
    expect(done.state).toBe('accepted');
    await r.close();
  });

  it('queues again a message whose request still waited for a connection when the router closed at a stop', async () => {
    const r = await rig();
    let started = 0;
    // A provider whose request never leaves: aborted, it says so (as FigenSoft's pool does for a queued request).
    Object.assign(r.provider, {
      send: (_request: unknown, options: { signal?: AbortSignal } = {}) =>
        new Promise((_resolve, reject) => {
          started += 1;
          options.signal?.addEventListener('abort', () => reject(new ProviderError('retryable', 'aborted before the request was sent')));
        }),
    });
    const [outcome] = await r.ledger.submit([{ message: message({ to: '+905321234567' }), owner: 'acme' }], 'queue');
    const id = (outcome as { record: MessageRecord }).record.id;
    await until(async () => (started > 0 ? true : undefined), 'the send started');
    await r.ledger.stop(50);
    await r.router.close();
    // Not a final failure, nor unknown: nothing left, so it waits for the next start.
    await until(async () => ((await r.store.get(id))?.state === 'queued' ? true : undefined), 'the record queued again');
    await r.store.close();
  });

  it('refuses to send a message whose validUntil passed while it waited', async () => {
    let now = Date.parse('2030-01-01T10:00:00Z');
    const r = await rig({ clock: () => now });
    const [outcome] = await r.ledger.submit(
      [{ message: message({ to: '+905321234567', sendAt: '2030-01-01T12:00:00+00:00', validUntil: '2030-01-01T12:30:00+00:00' }), owner: 'acme' }],
      'queue',
    );
    now = Date.parse('2030-01-01T13:00:00Z');
    const done = await until(finalState(r.store, (outcome as { record: MessageRecord }).record.id), 'the stale message finished');
    expect(done).toMatchObject({ state: 'failed', reason: expect.stringContaining('validUntil') });
    expect(r.provider.callCount).toBe(0);
    await r.close();
  });
  it('after a restart: a record handed to a provider is unknown (interrupted), a queued OTP fails honestly, a queued message is sent', async () => {
    const store = await openTestStore(new TestClock(Date.now()));
    const [interrupted, otp, plain] = await store.recordMessages([
      { message: message({ to: '+905321234501' }), owner: 'acme', state: 'dispatching' },
      { message: message({ to: '+905321234502', text: 'Kodunuz 1', otp: true }), owner: 'acme' },
      { message: message({ to: '+905321234503' }), owner: 'acme' },
    ]);
    const id = (o: typeof interrupted) => (o as { record: MessageRecord }).record.id;
    await store.markDispatching([id(interrupted)], { providerId: 'fake', accountId: 'fake-notification' }); // its request may have been written
    const r = await rig({ store });
    expect(await store.get(id(interrupted))).toMatchObject({ state: 'unknown', reason: 'interrupted' });
    expect(await until(finalState(store, id(otp)), 'the OTP finished')).toMatchObject({ state: 'failed', reason: expect.stringContaining('OTP text') });
    expect(await until(finalState(store, id(plain)), 'the message sent')).toMatchObject({ state: 'accepted' });
    expect(r.provider.calls.map((call) => call.recipients[0])).toEqual(['+905321234503']);

    // An operator resends the unknown one, knowingly: a new, linked record. Once: a second call at the same
    // moment (a double click, two operators) is answered that copy.
    const both = await Promise.all([r.ledger.resend(id(interrupted)), r.ledger.resend(id(interrupted))]);
    expect(both.map((outcome) => outcome.kind).sort()).toEqual(['created', 'existing']);
    const [copy, same] = both.map((outcome) => (outcome as { record: MessageRecord }).record);
    expect(copy).toMatchObject({ id: same!.id, resendOf: id(interrupted), owner: 'acme' });
    expect(await r.ledger.resend(id(plain))).toMatchObject({ kind: 'refused', reason: expect.stringContaining('accepted') });
    await until(finalState(store, copy!.id), 'the resend sent');
    expect(await r.ledger.resend(id(interrupted))).toMatchObject({ kind: 'existing', record: { id: copy!.id, state: 'accepted' } });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(r.provider.calls.map((call) => call.recipients[0])).toEqual(['+905321234503', '+905321234501']);
    await r.close();
  });
});
