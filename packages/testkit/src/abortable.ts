/**
 * Waits that end early when a signal aborts, rejecting with the signal's reason.
 * Each one removes its listener and clears its timer however it ends, so an
 * aborted or finished call leaves nothing behind to keep the process alive.
 */
export function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Never resolves; rejects with the signal's reason when it aborts. Holds no timer. */
export function untilAborted(signal: AbortSignal): Promise<never> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<never>((_resolve, reject) => {
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

/**
 * One call's cancellation: aborts when the caller's signal aborts or when the
 * provider cancels it (on close). `dispose()` detaches from the caller's
 * signal, which may outlive the call by far.
 */
export class CallScope {
  private readonly controller = new AbortController();
  private readonly forward: () => void;

  constructor(
    private readonly external: AbortSignal | undefined,
    reasonOnExternalAbort: (externalReason: unknown) => unknown,
  ) {
    this.forward = () => this.controller.abort(reasonOnExternalAbort(external?.reason));
    if (external?.aborted) this.forward();
    else external?.addEventListener('abort', this.forward, { once: true });
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  cancel(reason: unknown): void {
    this.controller.abort(reason);
  }

  dispose(): void {
    this.external?.removeEventListener('abort', this.forward);
  }
}
