import { setMaxListeners } from 'node:events';
import { WaiterList, ProviderError } from '@rota/provider';

/** A call's deadline: the signal to pass on, and the race of the call against the deadline. */
export interface Deadline {
  controller: AbortController;
  /** `call`'s outcome, or the bucket's outcome-unknown error if the deadline passes first. */
  race<T>(call: Promise<T>): Promise<T>;
}

/** The deadline shared by the calls that started within one granularity step. */
class Bucket implements Deadline {
  readonly controller = new AbortController();
  /** The calls of the bucket still running: each is failed when the deadline passes. */
  readonly waiters = new WaiterList<ProviderError>();
  timer: NodeJS.Timeout | undefined;

  constructor() {
    // Every call of the bucket may listen on this one signal: many listeners are the design, not a leak.
    setMaxListeners(0, this.controller.signal);
  }

  /**
   * Not Promise.race: a race leaves a reaction on the bucket's long-lived promise
   * that keeps the call's response reachable until the bucket's deadline — the
   * whole attempt timeout (30 s by default), long after the call finished. Under
   * load that held every response of the last 30 s in the heap. Here a call
   * leaves the bucket the moment it settles.
   */
  race<T>(call: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const waiter = this.waiters.join(reject);
      call.then(
        (value) => {
          waiter.leave();
          resolve(value);
        },
        (error: unknown) => {
          waiter.leave();
          reject(error);
        },
      );
    });
  }
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

  /** The deadline of a call starting now: its bucket, shared with the calls that start with it. */
  bucket(): Deadline {
    const now = performance.now();
    if (!this.current || now >= this.currentEndsAt) {
      this.currentEndsAt = now + this.granularityMs;
      this.current = this.open(now);
    }
    return this.current;
  }

  private open(openedAt: number): Bucket {
    const bucket = new Bucket();
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
    bucket.waiters.release(error);
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

