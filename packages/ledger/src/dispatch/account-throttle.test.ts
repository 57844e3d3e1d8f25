import { describe, expect, it } from '@jest/globals';
import { RateLimiterMemory, type RateLimiterRes } from 'rate-limiter-flexible';
import { AccountThrottle, type LimiterFactory } from './account-throttle.js';

describe('AccountThrottle', () => {
  it('takes a changed limit at the next piece of a wait already under way, not only for sends that come after the change', async () => {
    // Each consume, by the limit of the bucket it drew on.
    const drawnFrom: number[] = [];
    class Counted extends RateLimiterMemory {
      override consume(key: string | number, points?: number): Promise<RateLimiterRes> {
        drawnFrom.push(this.points);
        return super.consume(key, points);
      }
    }
    const buckets: LimiterFactory = (_key, maxPerSecond) => new Counted({ points: maxPerSecond, duration: 1 });
    const throttle = new AccountThrottle(buckets);
    throttle.setLimits(new Map([['fake/fake-notification', 2]]));
    // Six at two a second: two at once, then a wait on the old bucket.
    const waiting = throttle.take('fake', 'fake-notification', 6);
    await new Promise((resolve) => setTimeout(resolve, 50));
    throttle.setLimits(new Map([['fake/fake-notification', 3]]));
    await waiting;
    // Before: the wait drained the old bucket to its end (2, 2, 2, …) while new sends drew on the new one beside it.
    expect(drawnFrom.slice(0, 2)).toEqual([2, 2]);
    expect(drawnFrom.length).toBeGreaterThan(2);
    expect(drawnFrom.slice(2).every((limit) => limit === 3)).toBe(true);
  }, 10_000);
});
