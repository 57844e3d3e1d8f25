import type { SendResult } from '@rota/core';
import type { LedgerStore } from '../../src/ledger-store.js';
import { message, openTestStore, TestClock } from '../ledger-fixtures.js';

// An OTP recorded on the embedded store holds large writes back until it is finished
// (store/urgent-holds). A claim that may take OTPs must then take them first, in the small lane:
// as a large claim it would wait for the hold of the very OTP it is to take.
const accepted = (to: string): SendResult => ({
  status: 'accepted',
  to,
  providerId: 'fake',
  accountId: 'fake-notification',
  providerMessageId: 'p-1',
  segments: 1,
  encoding: 'GSM7',
  simulated: true,
  attempts: [{ providerId: 'fake', accountId: 'fake-notification', outcome: 'accepted', tries: 1, durationMs: 3 }],
});

async function recordOne(store: LedgerStore, input: Record<string, unknown>): Promise<string> {
  const [outcome] = await store.recordMessages([{ message: message(input), owner: 'acme' }]);
  if (outcome?.kind !== 'created') throw new Error('expected a new record');
  return outcome.record.id;
}

describe('urgent holds on the embedded store', () => {
  let clock: TestClock;
  let store: LedgerStore;
  beforeEach(async () => {
    clock = new TestClock(Date.now());
    store = await openTestStore(clock);
  });
  afterEach(() => store.close());

  it('a general claim while an OTP is held takes the OTPs alone; the CAMPAIGN comes once the OTP is finished', async () => {
    const campaign = await recordOne(store, { to: '+905321110001', iysType: 'CAMPAIGN', text: 'Kış indirimi' });
    const otp = await recordOne(store, { to: '+905321110002', text: 'Kodunuz 4711', otp: true });

    const first = await store.claimDue({ now: clock.now(), limit: 800 });
    expect(first.map((record) => record.id)).toEqual([otp]);

    await store.finish(otp, accepted('+905321110002'));
    const second = await store.claimDue({ now: clock.now(), limit: 800 });
    expect(second.map((record) => record.id)).toEqual([campaign]);
  });

  it('holds nothing for an OTP scheduled later, nor for other messages: a general claim takes all that is due', async () => {
    const later = new Date(clock.now().getTime() + 3_600_000);
    await recordOne(store, { to: '+905321110003', text: 'Kodunuz 1234', otp: true, sendAt: later });
    const notification = await recordOne(store, { to: '+905321110004', text: 'Kargonuz yolda' });
    const campaign = await recordOne(store, { to: '+905321110005', iysType: 'CAMPAIGN', text: 'Kış indirimi' });
    const claimed = await store.claimDue({ now: clock.now(), limit: 800 });
    expect(claimed.map((record) => record.id)).toEqual([notification, campaign]);
  });
});
