import { abortableSleep } from '@rota/core';
import { RateLimiterMemory, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { parseInput } from '../ledger-input-error.js';
import { LimitsShapeSchema } from '../ledger-options-shape.js';

/** Where an account's messages-per-second limit is held: one process's memory here; a store shared by many workers at scale. */
export type LimiterFactory = (key: string, maxPerSecond: number) => RateLimiterAbstract;

const inMemory: LimiterFactory = (_key, maxPerSecond) => new RateLimiterMemory({ points: maxPerSecond, duration: 1 });

/**
 * Keeps each provider account under its configured messages per second
 * (rate-limiter-flexible, a token bucket per account), and holds an account
 * back when its provider asked to be left alone (429 with Retry-After). An
 * account without a limit is only held back by a Retry-After.
 */
export class AccountThrottle {
  private readonly limiters = new Map<string, { maxPerSecond: number; limiter: RateLimiterAbstract }>();
  private readonly pausedUntil = new Map<string, number>();

  constructor(private readonly limiterFor: LimiterFactory = inMemory) {}

  /**
   * Sets the limits in force (`provider/account` → messages per second). An
   * account whose limit is unchanged keeps its bucket; a changed one starts a
   * fresh bucket. Throws LedgerInputError naming the account for a limit
   * that is not a whole number of at least one.
   */
  setLimits(limits: ReadonlyMap<string, number>): void {
    const checked = parseInput(LimitsShapeSchema, limits, 'limits');
    for (const key of [...this.limiters.keys()]) if (!checked.has(key)) this.limiters.delete(key);
    for (const [key, maxPerSecond] of checked) this.#limit(key, maxPerSecond);
  }

  /**
   * Sets one account's limit and leaves the others as they are (the report
   * collector limits each account's reads as it comes to it: setLimits would
   * drop every other account's bucket, and their reads would go unlimited).
   */
  setLimit(providerId: string, accountId: string, maxPerSecond: number): void {
    const key = throttleKey(providerId, accountId);
    this.#limit(key, parseInput(LimitsShapeSchema, new Map([[key, maxPerSecond]]), 'limits').get(key)!);
  }

  #limit(key: string, maxPerSecond: number): void {
    if (this.limiters.get(key)?.maxPerSecond === maxPerSecond) return;
    this.limiters.set(key, { maxPerSecond, limiter: this.limiterFor(key, maxPerSecond) });
  }

  /**
   * Waits until `count` messages may go out through the account (in pieces
   * of at most one second's worth). `stillWanted` is asked after a wait, at
   * most once a second (a busy account's waits are often a few ms each), and
   * throws to give up the rest: a campaign canceled while its 800-number
   * request waited 40 s for a 20-a-second account must stop taking the
   * account's budget from the messages behind it. A wait ends at once,
   * rejecting with its reason, when `routeClosing` (asked for when a wait is
   * due) aborts: the provider was switched off while its messages waited for
   * its rate limit, and they walk on down the ranks instead.
   */
  async take(providerId: string, accountId: string, count: number, signal?: AbortSignal, stillWanted?: () => Promise<void>, routeClosing?: () => AbortSignal): Promise<void> {
    const key = throttleKey(providerId, accountId);
    // A wait ends when the try's route closes (routeClosing), asked for only once a wait is due: most takes never wait.
    const waitFor = (ms: number): Promise<void> => abortableSleep(ms, [signal, routeClosing?.()]);
    const paused = (this.pausedUntil.get(key) ?? 0) - Date.now();
    if (paused > 0) {
      await waitFor(paused);
      if (!signal?.aborted) await stillWanted?.();
    }
    let remaining = count;
    let askedAt = Date.now();
    while (remaining > 0) {
      // The limit in force now, at each piece: a reload that changed it made a new bucket, and sends already waiting
      // drained the old one beside the new (a limit lowered from 6 to 3 a second let 9 through for as long).
      const entry = this.limiters.get(key);
      if (!entry) return;
      const points = Math.min(remaining, entry.maxPerSecond);
      try {
        await entry.limiter.consume(key, points);
        remaining -= points;
      } catch (refusal) {
        if (!(refusal instanceof RateLimiterRes)) throw refusal;
        await waitFor(Math.max(1, refusal.msBeforeNext));
        if (stillWanted && !signal?.aborted && Date.now() - askedAt >= 1_000) {
          askedAt = Date.now();
          await stillWanted();
        }
      }
    }
  }

  /** The provider answered 429 with a Retry-After: nothing more goes through the account before it has passed. */
  slowDown(providerId: string, accountId: string, ms: number): void {
    const key = throttleKey(providerId, accountId);
    this.pausedUntil.set(key, Math.max(this.pausedUntil.get(key) ?? 0, Date.now() + ms));
  }
}

/** How limits are keyed: the provider's id and the account's, as the router names them. */
export function throttleKey(providerId: string, accountId: string): string {
  return `${providerId}/${accountId}`;
}
