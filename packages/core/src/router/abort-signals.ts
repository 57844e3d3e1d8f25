import { setMaxListeners } from 'node:events';

/**
 * A controller whose signal many waits listen to at once (every send waiting
 * to retry on the router's lifetime, every try waiting its turn on a route's
 * closing or a dispatcher's halt: hundreds on a rate-limited account). More
 * than ten listeners is the design, not a leak, so Node is told not to warn.
 */
export function sharedAbortController(): AbortController {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  return controller;
}

/**
 * Waits `ms`, or rejects with the reason of the first of `signals` to abort.
 * Listens to each and lets go of each when it settles. Not AbortSignal.any:
 * on Node 20 it leaves an entry on each long-lived source (the router's
 * lifetime, a dispatcher's halt signal) for good, one per wait — 65 MB over a
 * million-message campaign waiting on a rate-limited account.
 */
export function abortableSleep(ms: number, signals: readonly (AbortSignal | undefined)[]): Promise<void> {
  const { signal, dispose } = linkedSignal(signals);
  return new Promise<void>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason);
    });
  }).finally(dispose);
}

/**
 * One signal that aborts, with its reason, when the first of `signals` does:
 * AbortSignal.any without its leak (see abortableSleep). `dispose` lets go of
 * the sources; call it when the signal is no longer listened to.
 */
export function linkedSignal(signals: readonly (AbortSignal | undefined)[]): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const listening = signals.filter((signal): signal is AbortSignal => signal !== undefined);
  const dispose = (): void => {
    for (const signal of listening) signal.removeEventListener('abort', onAbort);
  };
  const onAbort = (event: Event): void => {
    dispose();
    controller.abort((event.target as AbortSignal).reason);
  };
  const aborted = listening.find((signal) => signal.aborted);
  if (aborted) controller.abort(aborted.reason);
  else for (const signal of listening) signal.addEventListener('abort', onAbort, { once: true });
  return { signal: controller.signal, dispose };
}
