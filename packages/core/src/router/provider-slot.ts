import type { Provider } from '@rota/provider';
import { AccountBreaker } from './account-breaker.js';
import type { AttemptOutcome, BreakerSettings, BreakerState, ProviderStatus, RetrySettings } from './router-types.js';

/**
 * One provider as the router holds it: its rank and switch, its settings, one
 * circuit breaker per account, and the counters behind `status()`.
 */
export class ProviderSlot {
  private readonly breakers = new Map<string, AccountBreaker>();
  private readonly counts: Record<AttemptOutcome, number> = { accepted: 0, rejected: 0, failed: 0, unknown: 0, skipped: 0 };
  private latencyTotalMs = 0;
  private latencySamples = 0;

  constructor(
    readonly provider: Provider,
    public rank: number,
    public enabled: boolean,
    readonly breakerSettings: BreakerSettings,
    readonly retrySettings: RetrySettings,
    private readonly onBreakerState: (providerId: string, accountId: string, state: BreakerState) => void,
  ) {}

  get id(): string {
    return this.provider.id;
  }

  breakerFor(accountId: string): AccountBreaker {
    let breaker = this.breakers.get(accountId);
    if (!breaker) {
      breaker = new AccountBreaker(this.breakerSettings, (state) => this.onBreakerState(this.id, accountId, state));
      this.breakers.set(accountId, breaker);
    }
    return breaker;
  }

  /** Whether this account's breaker is open, by its failures or an operator's force (without making a breaker for an account never used). */
  breakerOpen(accountId: string): boolean {
    return this.breakers.get(accountId)?.state === 'open';
  }

  /** Whether an operator forced this account's breaker open (without making a breaker for an account never used). */
  forcedOpen(accountId: string): boolean {
    return this.breakers.get(accountId)?.override === 'open';
  }

  /** Counts are per message (recipient); latency per request. */
  record(outcome: AttemptOutcome, recipients: number, durationMs: number, reachedProvider: boolean): void {
    this.counts[outcome] += recipients;
    if (reachedProvider) {
      this.latencyTotalMs += durationMs;
      this.latencySamples += 1;
    }
  }

  status(): ProviderStatus {
    const accountIds = new Set([...this.provider.accountIds, ...this.breakers.keys()]);
    return {
      providerId: this.id,
      rank: this.rank,
      enabled: this.enabled,
      accounts: [...accountIds].map((accountId) => {
        const breaker = this.breakers.get(accountId);
        return { accountId, breaker: breaker?.state ?? 'closed', override: breaker?.override ?? 'auto' };
      }),
      inFlight: this.inFlight,
      capabilities: {
        deliveryStatus: this.provider.capabilities.deliveryStatus,
        scheduling: this.provider.capabilities.scheduling,
        maxRecipientsPerRequest: this.provider.capabilities.maxRecipientsPerRequest,
        statusBatchSize: this.provider.capabilities.statusBatchSize ?? 1,
      },
      counts: { ...this.counts },
      meanLatencyMs: this.latencySamples === 0 ? 0 : this.latencyTotalMs / this.latencySamples,
    };
  }

  /** Calls running through this slot (sends, status reads, health checks); a retired slot drains them before it lets go. */
  private inFlight = 0;
  private onDrained: (() => void) | undefined;
  private retired = false;

  enter(): void {
    this.inFlight += 1;
  }

  leave(): void {
    this.inFlight -= 1;
    if (this.retired && this.inFlight === 0) this.drained();
  }

  /** Runs `call` as one of the slot's calls, so a reload cannot close the provider under it. */
  async use<T>(call: () => Promise<T>): Promise<T> {
    this.enter();
    try {
      return await call();
    } finally {
      this.leave();
    }
  }

  /**
   * Takes the slot out of routing (a reconfigure replaced it). Its breakers shut
   * down and `onDrained` runs once the calls already running through it are done —
   * at once when none are.
   */
  retire(onDrained: () => void): void {
    this.retired = true;
    this.enabled = false;
    this.onDrained = onDrained;
    if (this.inFlight === 0) this.drained();
  }

  private drained(): void {
    this.shutdown();
    const done = this.onDrained;
    this.onDrained = undefined;
    done?.();
  }

  /**
   * Takes over an operator's forced breakers from the slot this one replaces
   * (new settings, a new instance): a force is an explicit act, and an edit of
   * the file that says nothing of it (a retry setting) let a breaker forced
   * open send again. Accounts the provider no longer has are left behind.
   */
  adoptOverrides(previous: ProviderSlot): void {
    for (const [accountId, breaker] of previous.breakers) {
      if (breaker.override !== 'auto' && this.provider.accountIds.includes(accountId)) this.breakerFor(accountId).override = breaker.override;
    }
  }

  sameSettings(breaker: BreakerSettings, retry: RetrySettings): boolean {
    return JSON.stringify(breaker) === JSON.stringify(this.breakerSettings) && JSON.stringify(retry) === JSON.stringify(this.retrySettings);
  }

  shutdown(): void {
    for (const breaker of this.breakers.values()) breaker.shutdown();
  }
}
