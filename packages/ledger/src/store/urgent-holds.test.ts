import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { UrgentHolds } from './urgent-holds.js';

describe('UrgentHolds.whenClear', () => {
  beforeEach(() => {
    jest.useFakeTimers();
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  /** Whether `promise` has settled, after the microtasks queued so far. */
  async function settled(promise: Promise<unknown>): Promise<boolean> {
    let done = false;
    void promise.then(() => (done = true));
    await Promise.resolve();
    await Promise.resolve();
    return done;
  }

  it('lets a call through at once when nothing is held', async () => {
    expect(await settled(new UrgentHolds().whenClear(50))).toBe(true);
  });

  it('lets a waiting call through when the last hold ends', async () => {
    const holds = new UrgentHolds();
    holds.begin(['otp-1', 'otp-2']);
    const waiting = holds.whenClear(50);
    holds.end(['otp-1']);
    expect(await settled(waiting)).toBe(false);
    holds.end(['otp-2']);
    expect(await settled(waiting)).toBe(true);
  });

  it('lets a waiting call through after maxMs when the hold goes on', async () => {
    const holds = new UrgentHolds();
    holds.begin(['otp-1']);
    const waiting = holds.whenClear(50);
    jest.advanceTimersByTime(49);
    expect(await settled(waiting)).toBe(false);
    jest.advanceTimersByTime(1);
    expect(await settled(waiting)).toBe(true);
    expect(holds.active).toBe(true);
  });

  it('says which records are held, so their own calls go ahead of the holds', () => {
    const holds = new UrgentHolds();
    holds.begin(['otp-1']);
    expect(holds.holds(['campaign-1', 'otp-1'])).toBe(true);
    expect(holds.holds(['campaign-1'])).toBe(false);
    holds.end(['otp-1']);
    expect(holds.holds(['otp-1'])).toBe(false);
  });
});
