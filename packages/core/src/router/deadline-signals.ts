import { setMaxListeners } from 'node:events';
import { ProviderError } from '../provider/provider-error.js';

interface Bucket {
  controller: AbortController;
  expire: (error: ProviderError) => void;
  /** Rejects when the bucket's deadline passes; raced against each call of the bucket. */
  expired: Promise<never>;
  timer: NodeJS.Timeout;
}

/**
 * Time limits for provider calls without an AbortController and a timer per
 * call — together those were the largest single cost of a send. Calls that
 * start within the same `granularityMs` share one signal and one timer, which
 * fires `timeoutMs` after the bucket opened: every call is given at least
 * `timeoutMs` and at most `timeoutMs + granularityMs`. A call that finished
 * long ago simply ignores its bucket's abort.
 */
export class DeadlineSignals {
  private current: Bucket | undefined;
  private currentEndsAt = 0;
  private readonly live = new Set<Bucket>();
  private readonly granularityMs: number;

  constructor(private readonly timeoutMs: number) {
    this.granularityMs = Math.max(1, Math.min(100, Math.floor(timeoutMs / 10)));
  }

  /** The bucket a call starting now belongs to. */
  bucket(): Pick<Bucket, 'controller' | 'expired'> {
    const now = performance.now();
    if (this.current && now < this.currentEndsAt) return this.current;
    this.currentEndsAt = now + this.granularityMs;
    return (this.current = this.open(now));
  }

  private open(openedAt: number): Bucket {
    const controller = new AbortController();
    // Every call of the bucket may listen on this one signal: many listeners are the design, not a leak.
    setMaxListeners(0, controller.signal);
    let expire!: (error: ProviderError) => void;
    const expired = new Promise<never>((_, reject) => (expire = reject));
    expired.catch(() => {}); // a bucket whose calls all finished in time has nobody listening
    const bucket: Bucket = { controller, expire, expired, timer: undefined as unknown as NodeJS.Timeout };
    bucket.timer = setTimeout(
      () => this.end(bucket, new ProviderError('outcome-unknown', `no answer within ${this.timeoutMs} ms`, { code: 'attempt-timeout' })),
      this.timeoutMs + (openedAt + this.granularityMs - performance.now()),
    );
    bucket.timer.unref();
    this.live.add(bucket);
    return bucket;
  }

  private end(bucket: Bucket, error: ProviderError): void {
    clearTimeout(bucket.timer);
    this.live.delete(bucket);
    if (this.current === bucket) this.current = undefined;
    bucket.controller.abort(error);
    bucket.expire(error);
  }

  /**
   * The router is closing: calls still running are aborted and end as
   * `outcome-unknown` (they may have reached the provider) rather than hang,
   * and no timer is left behind.
   */
  close(): void {
    const error = new ProviderError('outcome-unknown', 'the router closed while the provider had not answered', { code: 'router-closed' });
    for (const bucket of [...this.live]) this.end(bucket, error);
  }
}
