import { createRouter } from '@rota/core';
import { createFakeProvider } from '@rota/testkit';
import { AccountThrottle } from '../../src/dispatch/account-throttle.js';
import { Dispatcher } from '../../src/dispatch/dispatcher.js';
import { TableSource } from '../../src/dispatch/table-source.js';
import { bulkTemplate, message, numbers, openTestStore, TestClock } from '../ledger-fixtures.js';
import { rig } from '../ledger-rig.js';

// An OTP's text is held in memory only, by the process that took it, until its record is finished.
// One refused at dispatch (its validUntil passed while it was queued) kept its text for good.
describe('OTP texts held by the dispatcher', () => {
  it('drops the text of an OTP refused because its validUntil passed, as of one sent', async () => {
    const clock = new TestClock(Date.now());
    const store = await openTestStore(clock);
    const provider = createFakeProvider({ id: 'fake', accounts: [{ accountId: 'fake-notification', iysType: 'NOTIFICATION', senders: ['ROTA'] }] });
    const router = createRouter({ providers: [{ provider, rank: 1 }], retry: { retries: 0 } });
    const validUntil = new Date(clock.now().getTime() + 60_000);
    const [late, onTime] = await store.recordMessages([
      { message: message({ to: '+905321110001', text: 'Kodunuz 1111', otp: true, validUntil }), owner: 'acme' },
      { message: message({ to: '+905321110002', text: 'Kodunuz 2222', otp: true }), owner: 'acme' },
    ]);
    const ids = [late, onTime].map((outcome) => (outcome as { record: { id: string } }).record.id);
    const texts = new Map([
      [ids[0]!, 'Kodunuz 1111'],
      [ids[1]!, 'Kodunuz 2222'],
    ]);
    const later = clock.now().getTime() + 120_000;
    const dispatcher = new Dispatcher({ store, source: new TableSource(store, 800, () => later), router, throttle: new AccountThrottle(), texts, clock: () => later });
    const claimed = await store.claimDue({ now: new Date(later), limit: 10 });
    const results = await dispatcher.sendNow(claimed);

    expect(results.get(ids[0]!)).toMatchObject({ status: 'failed', reason: expect.stringContaining('validUntil') });
    expect(results.get(ids[1]!)).toMatchObject({ status: 'accepted' });
    expect(provider.calls.map((call) => call.text)).toEqual(['Kodunuz 2222']);
    expect(texts.size).toBe(0);
    await router.close();
    await store.close();
  });

  it("keeps an OTP bulk's text while any of its records waits, and drops it with the last unit", async () => {
    const clock = new TestClock(Date.now());
    const store = await openTestStore(clock);
    const provider = createFakeProvider({ id: 'fake', accounts: [{ accountId: 'fake-notification', iysType: 'NOTIFICATION', senders: ['ROTA'] }] });
    const router = createRouter({ providers: [{ provider, rank: 1 }], retry: { retries: 0 } });
    const outcome = await store.recordBulk({ template: bulkTemplate({ iysType: 'NOTIFICATION', text: 'Kodunuz 4321', otp: true }), owner: 'acme' }, numbers(5));
    const { bulkId } = outcome as { bulkId: string };
    const texts = new Map([[bulkId, 'Kodunuz 4321']]);
    const now = () => clock.now().getTime();
    const dispatcher = new Dispatcher({ store, source: new TableSource(store, 800, now), router, throttle: new AccountThrottle(), texts, clock: now });

    await dispatcher.sendNow(await store.claimDue({ now: clock.now(), limit: 2 }));
    // Three records still queued: their unit needs the text.
    expect(texts.has(bulkId)).toBe(true);
    await dispatcher.sendNow(await store.claimDue({ now: clock.now(), limit: 10 }));
    expect(provider.calls.flatMap((call) => call.recipients)).toHaveLength(5);
    expect(provider.calls.map((call) => call.text)).toEqual(['Kodunuz 4321', 'Kodunuz 4321']);
    expect(texts.size).toBe(0);
    await router.close();
    await store.close();
  });

  it("drops the texts of queued OTPs whose number is erased, and keeps another number's and a bulk's still waiting", async () => {
    const r = await rig();
    const later = new Date(Date.now() + 3_600_000);
    await r.ledger.submit(
      [
        { message: message({ to: '+905321110001', text: 'Kodunuz 1111', otp: true, sendAt: later }), owner: 'acme' },
        { message: message({ to: '+905321110002', text: 'Kodunuz 2222', otp: true, sendAt: later }), owner: 'acme' },
      ],
      'queue',
    );
    await r.ledger.submitBulk({ template: bulkTemplate({ iysType: 'NOTIFICATION', text: 'Kodunuz 4321', otp: true, sendAt: later }), recipients: ['+905321110001', '+905321110003'], owner: 'acme' });
    const held = () => [...(r.ledger as unknown as { texts: Map<string, string> }).texts.values()].sort();
    expect(held()).toEqual(['Kodunuz 1111', 'Kodunuz 2222', 'Kodunuz 4321']);

    expect(await r.ledger.eraseNumber('+905321110001')).toBe(2); // the single OTP, and the bulk's record for that number
    expect(held()).toEqual(['Kodunuz 2222', 'Kodunuz 4321']);
    expect(await r.ledger.eraseNumber('+905321110003')).toBe(1); // the bulk's last record waiting
    expect(held()).toEqual(['Kodunuz 2222']);
    await r.close();
  });

  it("drops a canceled OTP's text, and an OTP bulk's once its last waiting record is canceled", async () => {
    const r = await rig();
    const later = new Date(Date.now() + 3_600_000);
    const [single] = await r.ledger.submit([{ message: message({ to: '+905321110001', text: 'Kodunuz 1111', otp: true, sendAt: later }), owner: 'acme' }], 'queue');
    await r.ledger.submitBulk({ template: bulkTemplate({ iysType: 'NOTIFICATION', text: 'Kodunuz 4321', otp: true, sendAt: later }), recipients: ['+905321110002', '+905321110003'], owner: 'acme' });
    const held = () => [...(r.ledger as unknown as { texts: Map<string, string> }).texts.values()].sort();
    expect(held()).toEqual(['Kodunuz 1111', 'Kodunuz 4321']);

    await r.ledger.cancel((single as { record: { id: string } }).record.id, { owner: 'acme' }, 'client');
    expect(held()).toEqual(['Kodunuz 4321']);
    const records = (await r.store.list({ owner: 'acme' })).items.filter((record) => record.bulkId !== undefined);
    await r.ledger.cancel(records[0]!.id, {}, 'operator');
    expect(held()).toEqual(['Kodunuz 4321']); // one record of the bulk still waits
    await r.ledger.cancel(records[1]!.id, {}, 'operator');
    expect(held()).toEqual([]);
    await r.close();
  });
});
