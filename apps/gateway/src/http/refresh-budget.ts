/**
 * `?refresh=true` asks the message's provider, whose status API has a rate
 * limit of its own (and may bill per call): a client polling it in a loop
 * would spend the account's budget for every client. Each client may refresh
 * REFRESHES_PER_SECOND times a second on average, in bursts of REFRESH_BURST;
 * past that it is told when to ask again (429). Reads without refresh, from
 * the record, are never limited.
 */
export const REFRESHES_PER_SECOND = 5;
export const REFRESH_BURST = 10;

export class RefreshBudget {
  /** A token bucket per client name (as many as the configuration has keys, and the admin). */
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly clock: () => number = Date.now) {}

  /** Takes one refresh for `client`: 0 when it may go now, else how many ms until it may. */
  take(client: string): number {
    const now = this.clock();
    const bucket = this.buckets.get(client) ?? { tokens: REFRESH_BURST, at: now };
    bucket.tokens = Math.min(REFRESH_BURST, bucket.tokens + ((now - bucket.at) / 1_000) * REFRESHES_PER_SECOND);
    bucket.at = now;
    this.buckets.set(client, bucket);
    if (bucket.tokens < 1) return Math.ceil(((1 - bucket.tokens) / REFRESHES_PER_SECOND) * 1_000);
    bucket.tokens -= 1;
    return 0;
  }
}
