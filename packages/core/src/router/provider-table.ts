import type { Provider } from '@rota/provider';
import { sharedAbortController } from './abort-signals.js';
import { ProviderSlot } from './provider-slot.js';
import type { ResolvedProvider } from './router-options.js';
import { RankSchema, type BreakerState, type ProviderStatus } from './router-types.js';

/** An operator asked for a provider or account the router does not have. */
export class UnknownProviderError extends Error {
  override readonly name = 'UnknownProviderError';
}

/**
 * The providers the router walks: one slot each, the enabled ones in rank
 * order, and the one retirement path for a provider a reconfigure replaced —
 * its slot drains the calls still running through it, then the instance is
 * handed to `onProviderRetired` (its owner closes it), unless the new list
 * still routes through that same instance.
 */
export class ProviderTable {
  private readonly slots = new Map<string, ProviderSlot>();
  /** Enabled slots by rank, computed when ranks or switches change, not on every message. */
  ordered: ProviderSlot[] = [];
  /** Switched-off slots by rank: routes an operator may open again (see the end of a walk in route-walk). */
  switchedOff: ProviderSlot[] = [];
  /** Aborted, and replaced, each time an operator may have closed a route (see closings, route-watch.ts). */
  #closing = sharedAbortController();

  private readonly onBreakerState: (providerId: string, accountId: string, state: BreakerState) => void;

  constructor(
    onBreakerState: (providerId: string, accountId: string, state: BreakerState) => void,
    private onProviderRetired: ((provider: Provider) => void) | undefined,
  ) {
    // A breaker that opens closes its route as an operator's switch does: the tries waiting on it are told.
    this.onBreakerState = (providerId, accountId, state) => {
      if (state === 'open') this.routesMayHaveClosed();
      onBreakerState(providerId, accountId, state);
    };
  }

  /**
   * Takes a validated provider list. A provider whose instance and breaker and
   * retry settings are unchanged keeps its slot, so its breakers keep their
   * state; any other slot is replaced and retired, its forced breakers kept.
   * Cannot fail: everything was validated before (reconfigure is all or nothing).
   */
  apply(providers: readonly ResolvedProvider[], onProviderRetired: ((provider: Provider) => void) | undefined): void {
    this.onProviderRetired = onProviderRetired;
    const next = new Map<string, ProviderSlot>();
    for (const resolved of providers) {
      const current = this.slots.get(resolved.provider.id);
      const kept = current && current.provider === resolved.provider && current.sameSettings(resolved.breaker, resolved.retry);
      const slot = kept ? current : new ProviderSlot(resolved.provider, resolved.rank, resolved.enabled, resolved.breaker, resolved.retry, this.onBreakerState);
      if (current && !kept) slot.adoptOverrides(current);
      slot.rank = resolved.rank;
      slot.enabled = resolved.enabled;
      next.set(slot.id, slot);
    }
    const replaced = [...this.slots.values()].filter((slot) => next.get(slot.id) !== slot);
    this.slots.clear();
    for (const [id, slot] of next) this.slots.set(id, slot);
    this.reorder();
    for (const slot of replaced) slot.retire(() => this.release(slot.provider));
  }

  slotOf(providerId: string): ProviderSlot {
    const slot = this.slots.get(providerId);
    if (!slot) throw new UnknownProviderError(`unknown provider "${providerId}"; known: ${[...this.slots.keys()].join(', ') || 'none'}`);
    return slot;
  }

  setEnabled(providerId: string, enabled: boolean): void {
    // A library caller's 'no' is truthy: taken as it was, it left the provider on while the status said 'no'.
    if (typeof enabled !== 'boolean') throw new TypeError(`enabled must be true or false, got ${describe(enabled)}`);
    this.slotOf(providerId).enabled = enabled;
    this.reorder();
  }

  setRank(providerId: string, rank: number): void {
    const checked = RankSchema.safeParse(rank);
    if (!checked.success) throw new RangeError(`rank ${checked.error.issues[0]!.message}, got ${describe(rank)}`);
    this.slotOf(providerId).rank = rank;
    this.reorder();
  }

  /**
   * Why a try through this provider's account, prepared against a slot that
   * may be gone (a wait outlasted a switch or a reload), is not to be made
   * now; undefined when the account is still routed to. A breaker forced open
   * on the slot that replaced the try's is asked here: the try's own breaker
   * is not the one the operator forced.
   */
  routeClosedNow(providerId: string, accountId: string): string | undefined {
    const slot = this.slots.get(providerId);
    if (!slot) return `${providerId} was taken out by a reload`;
    if (!slot.enabled) return `${providerId} was switched off`;
    if (!slot.provider.accountIds.includes(accountId)) return `${providerId} no longer has account ${accountId}`;
    if (slot.forcedOpen(accountId)) return `the circuit breaker of ${accountId} was forced open`;
    return undefined;
  }

  /**
   * Why a try waiting its turn through this provider's account should stop
   * waiting: its route closed (routeClosedNow), or its breaker opened — the
   * try would be refused, and the message walks on.
   */
  waitEndsNow(providerId: string, accountId: string): string | undefined {
    const closed = this.routeClosedNow(providerId, accountId);
    if (closed !== undefined) return closed;
    return this.slots.get(providerId)?.breakerOpen(accountId) ? 'its circuit breaker opened' : undefined;
  }

  /**
   * Aborts when a route may have closed — a provider switched off, a breaker
   * forced or opened by its failures, a reload — and is then replaced by a
   * fresh one: a try waiting its turn (a rate limit, a retry's backoff) asks
   * waitEndsNow for its own route then, instead of every so often.
   */
  get closings(): AbortSignal {
    return this.#closing.signal;
  }

  /** Tells the tries waiting that a route may have closed (see closings). */
  routesMayHaveClosed(): void {
    const closing = this.#closing;
    this.#closing = sharedAbortController();
    closing.abort();
  }

  status(): ProviderStatus[] {
    return [...this.slots.values()].sort((a, b) => a.rank - b.rank).map((slot) => slot.status());
  }

  /** The router is closing: every breaker stops. Providers stay their owner's to close. */
  shutdown(): void {
    for (const slot of this.slots.values()) slot.shutdown();
  }

  private reorder(): void {
    const byRank = [...this.slots.values()].sort((a, b) => a.rank - b.rank);
    this.ordered = byRank.filter((s) => s.enabled);
    this.switchedOff = byRank.filter((s) => !s.enabled);
  }

  /** A drained slot lets its instance go, unless the current list routes through it again. */
  private release(provider: Provider): void {
    for (const slot of this.slots.values()) if (slot.provider === provider) return;
    this.onProviderRetired?.(provider);
  }
}

/** A value as a caller wrote it, strings quoted: "got '1'" is not "got 1". */
export function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}
