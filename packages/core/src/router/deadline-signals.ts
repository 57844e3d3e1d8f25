import { ProviderError, WaiterList, type Waiter } from '@rota/provider';
import { sharedAbortController } from './abort-signals.js';

/**
 * How long a call may take to settle after its deadline aborted it. A provider
 * that honours the abort settles at once, with its own verdict (it alone knows
 * whether its request reached the wire); one that ignores it is given up on.
 */
const ABORT_GRACE_MS = 250;

/** The code of a call the router's close ended (or whose provider's verdict it reworded). */
export const ROUTER_CLOSED = 'router-closed';

/** A call's deadline: the signal to pass on, and the race of the call against the deadline. */
export interface Deadline {
  signal: AbortSignal;
  /** `call`'s outcome; past the deadline, an error coded `attempt-timeout`. */
  race<T>(call: Promise<T>): Promise<T>;
}

/** The deadline shared by the calls that started within one granularity step. */
class Bucket implements Deadline {
  /** Every call of the bucket may listen on its one signal. */
  private readonly controller = sharedAbortController();
  /** The calls of the bucket still running: each is failed if it outlives the deadline and the grace. */
  private readonly waiters = new WaiterList<ProviderError>();
  private timer: NodeJS.Timeout | undefined;
  /** Set once the deadline has passed: a call that fails after it failed because of it. */
  private expired: ProviderError | undefined;

  constructor(
    private readonly timeoutMs: number,
    private readonly onEnd: (bucket: Bucket) => void,
  ) {}

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  start(delayMs: number): void {
    this.timer = setTimeout(() => this.expire(), delayMs);
    // Referenced only while a call waits on it (see `race`): a pending send keeps the
    // process alive, an idle bucket does not.
    this.timer.unref();
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
      if (this.waiters.empty) this.timer?.ref();
      const waiter = this.waiters.join(reject);
      call.then(
        (value) => {
          this.leave(waiter);
          resolve(value);
        },
        (error: unknown) => {
          this.leave(waiter);
          reject(this.expired ? overdue(this.expired, error) : error);
        },
      );
    });
  }

  /**
   * The router is closing: the calls are aborted now, and each settles with its provider's own
   * verdict — a request still queued for a connection was never written, and says so — or,
   * past the grace, as `error`. Ending them at once called every one of them unknown: a ledger
   * never sends an unknown message again, so the queued ones were lost.
   */
  close(error: ProviderError): void {
    clearTimeout(this.timer);
    this.expired ??= error;
    if (!this.controller.signal.aborted) this.controller.abort(error);
    if (this.waiters.empty) return this.end(error);
    this.timer = setTimeout(() => this.end(error), ABORT_GRACE_MS);
  }

  /** Ends every call at once, with `error`. */
  end(error: ProviderError): void {
    clearTimeout(this.timer);
    this.expired ??= error;
    if (!this.controller.signal.aborted) this.controller.abort(error);
    this.waiters.release(error);
    this.onEnd(this);
  }

  private leave(waiter: Waiter<ProviderError>): void {
    waiter.leave();
    if (this.waiters.empty) this.timer?.unref();
  }

  private expire(): void {
    const error = new ProviderError('outcome-unknown', `no answer within ${this.timeoutMs} ms`, { code: 'attempt-timeout' });
    this.expired = error;
    this.controller.abort(error);
    if (this.waiters.empty) return this.onEnd(this);
    // Calls that ignore the abort are given up on after the grace.
    this.timer = setTimeout(() => this.end(error), ABORT_GRACE_MS);
  }
}

/**
 * A provider's own verdict on a call its deadline aborted, reworded to say
 * why: the kind stays the provider's (only it knows whether the request was
 * written, so whether the message may have been sent), the code says the
 * deadline did it.
 */
function overdue(deadline: ProviderError, error: unknown): unknown {
  if (!(error instanceof ProviderError) || error === deadline) return error;
  return new ProviderError(error.kind, `${deadline.message} (${error.message})`, { code: deadline.code, retryAfterMs: error.retryAfterMs, cause: error });
}

/**
 * Time limits for provider calls without an AbortController and a timer per
 * call — together those were the largest single cost of a send. Calls that
 * start within the same granularity step share one signal and one timer, which
 * fires `timeoutMs` after the bucket opened: every call is given at least
 * `timeoutMs` and at most `timeoutMs` plus one step. A call that finished long
 * ago simply ignores its bucket's abort.
 *
 * This is the one time limit on a provider call (docs/architecture.md): the
 * provider passes the signal to its wire client, which has no timer of its own.
 */
export class DeadlineSignals {
  private current: Bucket | undefined;
  private currentEndsAt = 0;
  private readonly live = new Set<Bucket>();
  private timeoutMs = 0;
  private granularityMs = 1;

  constructor(timeoutMs: number) {
    this.setTimeout(timeoutMs);
  }

  /** Applies to calls that start from now on; running calls keep their deadline. */
  setTimeout(timeoutMs: number): void {
    if (timeoutMs === this.timeoutMs) return;
    this.timeoutMs = timeoutMs;
    this.granularityMs = Math.max(1, Math.min(100, Math.floor(timeoutMs / 10)));
    this.current = undefined;
  }

  /** The deadline of a call starting now: its bucket, shared with the calls that start with it. */
  bucket(): Deadline {
    const now = performance.now();
    if (!this.current || now >= this.currentEndsAt) {
      this.currentEndsAt = now + this.granularityMs;
      const bucket = new Bucket(this.timeoutMs, (ended) => {
        this.live.delete(ended);
        if (this.current === ended) this.current = undefined;
      });
      bucket.start(this.timeoutMs + this.granularityMs);
      this.live.add(bucket);
      this.current = bucket;
    }
    return this.current;
  }

  /**
   * The router is closing: calls still running are aborted and settle with
   * their provider's verdict within the grace, or end as `outcome-unknown`
   * (they may have reached the provider) rather than hang; no timer outlives
   * the grace.
   */
  close(): void {
    const error = new ProviderError('outcome-unknown', 'the router closed while the provider had not answered', { code: ROUTER_CLOSED });
    for (const bucket of [...this.live]) bucket.close(error);
  }
}
