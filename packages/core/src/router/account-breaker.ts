import CircuitBreaker from 'opossum';
import { ProviderError } from '../provider/provider-error.js';
import type { BreakerOverride, BreakerSettings, BreakerState } from './router-types.js';

/** Thrown (and caught by the router) when a call is refused because the breaker is open. */
export const BREAKER_OPEN = 'breaker-open';

/**
 * The circuit breaker of one (provider, account): an opossum breaker plus an
 * operator override. `message-rejected` is the message's fault, not the
 * provider's, so it never counts as a failure.
 */
export class AccountBreaker {
  private readonly breaker: CircuitBreaker<[() => Promise<unknown>], unknown>;
  override: BreakerOverride = 'auto';

  constructor(settings: BreakerSettings, onStateChange: (state: BreakerState) => void) {
    this.breaker = new CircuitBreaker((call: () => Promise<unknown>) => call(), {
      timeout: false, // providers enforce their own request timeouts
      errorThresholdPercentage: settings.errorThresholdPercentage,
      volumeThreshold: settings.volumeThreshold,
      resetTimeout: settings.resetTimeoutMs,
      rollingCountTimeout: settings.rollingWindowMs,
      errorFilter: (error: unknown) => error instanceof ProviderError && error.kind === 'message-rejected',
      // With percentiles on, opossum keeps every latency of the rolling window and
      // concatenates and sorts them all on each failure: at a few thousand messages
      // a second the failover path cost ~300 µs a message and grew with the rate.
      // The router keeps its own latency figures, so opossum's are not needed.
      rollingPercentilesEnabled: false,
      enableSnapshots: false,
    });
    this.breaker.on('open', () => onStateChange('open'));
    this.breaker.on('halfOpen', () => onStateChange('half-open'));
    this.breaker.on('close', () => onStateChange('closed'));
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
 * opossum's own refusal, in Rota's words. Kept out of `fire` so the common,
 * successful call does not pay for an extra async layer.
 */
export function asBreakerError(error: unknown): unknown {
  return (error as { code?: unknown } | null)?.code === 'EOPENBREAKER' ? breakerOpenError('open') : error;
}

function breakerOpenError(detail: string): ProviderError {
  return new ProviderError('provider-unavailable', `circuit breaker ${detail}`, { code: BREAKER_OPEN });
}
