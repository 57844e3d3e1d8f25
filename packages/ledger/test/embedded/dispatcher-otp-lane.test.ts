import { createRouter } from '@rota/core';
import { createFakeProvider } from '@rota/testkit';
import { AccountThrottle } from '../../src/dispatch/account-throttle.js';
import { Dispatcher } from '../../src/dispatch/dispatcher.js';
import type { DispatchSource } from '../../src/dispatch/dispatch-source.js';
import { TableSource } from '../../src/dispatch/table-source.js';
import { message, openTestStore, TestClock } from '../ledger-fixtures.js';

// The slot kept for OTPs claims on a lane of its own. While the claims were one loop, an OTP
// waited for the claim of the CAMPAIGN unit before it — a claim of 800 records, in slices on
// SQLite, the largest part of an OTP's wait behind a backlog (bench/ledger (d)).
describe('the dispatcher\'s OTP lane', () => {
  it('claims and sends an OTP while the claim of a CAMPAIGN unit is still under way', async () => {
    const store = await openTestStore(new TestClock(Date.now()));
    const provider = createFakeProvider({
      id: 'fake',
      accounts: [
        { accountId: 'fake-notification', iysType: 'NOTIFICATION', senders: ['ROTA'] },
        { accountId: 'fake-campaign', iysType: 'CAMPAIGN', senders: ['ROTA'] },
      ],
    });
    const router = createRouter({ providers: [{ provider, rank: 1 }], retry: { retries: 0 } });
    await store.recordMessages([{ message: message({ to: '+905321110001', iysType: 'CAMPAIGN', text: 'Kış indirimi' }), owner: 'acme' }]);

    // A general claim answers only when the test lets it; OTP-only claims answer at once.
    const table = new TableSource(store, 800, Date.now);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let generalClaims = 0;
    const source: DispatchSource = {
      async next(options) {
        if (!options.otpOnly) {
          generalClaims += 1;
          await held;
        }
        return table.next(options);
      },
    };
    const texts = new Map<string, string>();
    const dispatcher = new Dispatcher({ store, source, router, throttle: new AccountThrottle(), texts, pollMs: 3_600_000 });
    dispatcher.start();
    while (generalClaims === 0) await new Promise((resolve) => setTimeout(resolve, 5));

    const [otp] = await store.recordMessages([{ message: message({ to: '+905321110002', text: 'Kodunuz 4711', otp: true }), owner: 'acme' }]);
    const otpId = (otp as { record: { id: string } }).record.id;
    texts.set(otpId, 'Kodunuz 4711');
    dispatcher.wake();
    const deadline = Date.now() + 5_000;
    while (provider.callCount === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));

    // The OTP went out; the CAMPAIGN message waits for the general claim, still held.
    expect(provider.calls.map((call) => call.text)).toEqual(['Kodunuz 4711']);
    expect(generalClaims).toBe(1);
    while ((await store.get(otpId))!.state === 'dispatching' && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    expect((await store.get(otpId))!.state).toBe('accepted');

    release();
    while (provider.callCount < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(provider.calls.map((call) => call.text)).toEqual(['Kodunuz 4711', 'Kış indirimi']);
    await dispatcher.stop(1_000);
    await router.close();
    await store.close();
  });
});
