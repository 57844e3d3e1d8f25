import type { ProviderTable } from './provider-table.js';

/** The route closed while a try waited (see ProviderTable.routeClosedNow): the try is not made. Control flow. */
export class RouteClosed {
  constructor(readonly why: string) {}
}

/** A try's watch on its route: `signal` aborts with a RouteClosed once an operator closes it. */
export interface RouteWatch {
  readonly signal: AbortSignal;
  /** Stops watching (the try was made, or gave up): no listener is left on the table. */
  stop(): void;
}

/**
 * Watches one provider's account for its route closing — switched off, its
 * breaker forced open or opened by failures, taken out by a reload — while a
 * try waits its turn (its account's rate limit, a retry's backoff): the wait
 * ends at once and the message walks on down the ranks, instead of sitting
 * out a provider that would not be asked. Wakes only when the table says a
 * route may have closed; a close of another route re-arms it.
 */
export function watchRoute(table: ProviderTable, providerId: string, accountId: string): RouteWatch {
  const controller = new AbortController();
  let armed: AbortSignal | undefined;
  const check = (): void => {
    armed = undefined;
    const why = table.waitEndsNow(providerId, accountId);
    if (why !== undefined) {
      controller.abort(new RouteClosed(why));
      return;
    }
    armed = table.closings;
    armed.addEventListener('abort', check, { once: true });
  };
  check();
  return { signal: controller.signal, stop: () => armed?.removeEventListener('abort', check) };
}
