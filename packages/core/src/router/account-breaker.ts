import CircuitBreaker from 'opossum';
import { ProviderError } from '@rota/provider';
import type { BreakerOverride, BreakerSettings, BreakerState } from './router-types.js';

/** Thrown (and caught by the router) when a call is refused because the breaker is open. */
export const BREAKER_OPEN = 'breaker-open';

/**
 * The circuit breaker of one (provider, account): an opossum breaker plus an
 * operator override. `message-rejected` is the message's fault, not the
 * provider's, so it never counts as a failure.
 */
export class AccountBreaker {
  private breaker: CircuitBreaker<[() => Promise<unknown>], unknown>;
  #override: BreakerOverride = 'auto';

  constructor(
    private readonly settings: BreakerSettings,
    private readonly onStateChange: (state: BreakerState) => void,
  ) {
    this.breaker = this.counting();
  }

  /** A breaker that counts failures from nothing, closed. */
  private counting(): CircuitBreaker<[() => Promise<unknown>], unknown> {
    const { settings, onStateChange } = this;
    const breaker = new CircuitBreaker((call: () => Promise<unknown>) => call(), {
      status: leanStatus(settings),
      timeout: false, // providers enforce their own request timeouts
      errorThresholdPercentage: settings.errorThresholdPercentage,
      volumeThreshold: settings.volumeThreshold,
      resetTimeout: settings.resetTimeoutMs,
      rollingCountTimeout: settings.rollingWindowMs,
      errorFilter: (error: unknown) => error instanceof ProviderError && error.kind === 'message-rejected',
    });
    // Told only while the breaker is the operator's `auto`: forced, its state is the force (an opossum breaker
    // that half-opens under a forced open was logged, counted and let held messages out, to be held again).
    const tell = (state: BreakerState) => () => {
      if (this.#override === 'auto') onStateChange(state);
    };
    breaker.on('open', tell('open'));
    breaker.on('halfOpen', tell('half-open'));
    breaker.on('close', tell('closed'));
    return breaker;
  }

  get override(): BreakerOverride {
    return this.#override;
  }

  /**
   * An operator's force. Forced closed, calls go around the failure counts, so
   * they never see the provider answer again: the counts start afresh with it
   * (a new breaker, closed, its window empty). Handing back to `auto` brought
   * back an open breaker from before, and healthy traffic went elsewhere for
   * its reset timeout; opossum's close() would keep the old failures in its
   * window, and one more would open it again.
   */
  set override(value: BreakerOverride) {
    if (value === 'closed' && this.#override !== 'closed') {
      this.breaker.shutdown();
      this.breaker = this.counting();
    }
    this.#override = value;
  }

  get state(): BreakerState {
    if (this.override === 'open') return 'open';
    if (this.override === 'closed') return 'closed';
    if (this.breaker.opened) return 'open';
    return this.breaker.halfOpen ? 'half-open' : 'closed';
  }

  /** Whether a call would be refused right now (an open breaker, or a half-open one whose probe is out). */
  get refusing(): boolean {
    if (this.override !== 'auto') return this.override === 'open';
    return !this.breaker.closed && !this.breaker.pendingClose;
  }

  /** Runs `call` through the breaker. A refusal rejects with a ProviderError coded BREAKER_OPEN (see `asBreakerError`). */
  fire<T>(call: () => Promise<T>): Promise<T> {
    if (this.override === 'open') return Promise.reject(breakerOpenError('forced open by an operator'));
    if (this.override === 'closed') return call();
    return this.breaker.fire(call) as Promise<T>;
  }

  shutdown(): void {
    this.breaker.shutdown();
  }
}

/**
 * opossum's rolling window, without the parts the router does not use. With
 * percentiles on, opossum keeps every latency of the window and concatenates and
 * sorts them all on each failure: at a few thousand messages a second the
 * failover path cost ~300 µs a message and grew with the rate. With them off, its
 * `stats` (read on every failure) still builds percentile tables and walks every
 * counter of every bucket by name, a quarter of the failover path; the totals here
 * add up the same counters with plain property reads. opossum takes a Status through its `status`
 * option; only the `stats` getter is replaced.
 */
function leanStatus(settings: BreakerSettings): CircuitBreaker.Status {
  const status = CircuitBreaker.newStatus({
    rollingCountTimeout: settings.rollingWindowMs,
    rollingPercentilesEnabled: false,
    enableSnapshots: false,
  });
  Object.defineProperty(status, 'stats', {
    get() {
      // Plain locals and one literal: opossum calls this on every failure, and
      // copying or spreading a counts object here measured ~6 µs (V8 slow paths).
      let failures = 0, fallbacks = 0, successes = 0, rejects = 0, fires = 0, timeouts = 0;
      let cacheHits = 0, cacheMisses = 0, coalesceCacheHits = 0, coalesceCacheMisses = 0, semaphoreRejections = 0;
      for (const bucket of status.window as unknown as Counts[]) {
        failures += bucket.failures;
        fallbacks += bucket.fallbacks;
        successes += bucket.successes;
        rejects += bucket.rejects;
        fires += bucket.fires;
        timeouts += bucket.timeouts;
        cacheHits += bucket.cacheHits;
        cacheMisses += bucket.cacheMisses;
        coalesceCacheHits += bucket.coalesceCacheHits;
        coalesceCacheMisses += bucket.coalesceCacheMisses;
        semaphoreRejections += bucket.semaphoreRejections;
      }
      return {
        failures,
        fallbacks,
        successes,
        rejects,
        fires,
        timeouts,
        cacheHits,
        cacheMisses,
        coalesceCacheHits,
        coalesceCacheMisses,
        semaphoreRejections,
        latencyTimes: [],
        latencyMean: -1,
        percentiles: {},
      };
    },
  });
  return status;
}

/** The counters of one opossum bucket (its @types lag behind the coalesce counters). */
interface Counts {
  failures: number;
  fallbacks: number;
  successes: number;
  rejects: number;
  fires: number;
  timeouts: number;
  cacheHits: number;
  cacheMisses: number;
  coalesceCacheHits: number;
  coalesceCacheMisses: number;
  semaphoreRejections: number;
}


/**
 * opossum's own refusal, in Rota's words. Kept out of `fire` so the common,
 * successful call does not pay for an extra async layer.
 */
export function asBreakerError(error: unknown): unknown {
  return (error as { code?: unknown } | null)?.code === 'EOPENBREAKER' ? breakerOpenError('open') : error;
}

/** Whether `error` is a breaker's refusal (the call was never made), not a provider's failure. */
export function isBreakerRefusal(error: unknown): boolean {
  return error instanceof ProviderError && error.code === BREAKER_OPEN;
}

function breakerOpenError(detail: string): ProviderError {
  return new ProviderError('provider-unavailable', `circuit breaker ${detail}`, { code: BREAKER_OPEN });
}
