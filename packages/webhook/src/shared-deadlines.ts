import { setMaxListeners } from 'node:events';

/**
 * Time limits for deliveries without an AbortSignal.timeout per delivery: that
 * timer and its signal were the largest cost of a delivery (a third of its CPU
 * time, measured in bench/reports). Deliveries that start within the same step
 * share one signal and one timer, which aborts `timeoutMs` plus one step after
 * the step began: each delivery gets at least `timeoutMs` and at most one step
 * more. A delivery that finished long before simply no longer listens.
 *
 * The router keeps provider calls to their deadlines the same way
 * (@rota/core's DeadlineSignals), with a grace and a verdict of its own for a
 * provider that ignores the abort; undici honours it, so this one only aborts.
 */
export class SharedDeadlines {
  private readonly stepMs: number;
  private current: AbortSignal | undefined;
  private currentEndsAt = 0;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly timeoutMs: number) {
    this.stepMs = Math.max(1, Math.min(100, Math.floor(timeoutMs / 10)));
  }

  /** The signal of a delivery starting now. */
  signal(): AbortSignal {
    const now = performance.now();
    if (this.current && now < this.currentEndsAt) return this.current;
    const controller = new AbortController();
    // Every delivery of the step may listen on this one signal: many listeners are the design, not a leak.
    setMaxListeners(0, controller.signal);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      controller.abort(new DOMException(`no answer within ${this.timeoutMs} ms`, 'TimeoutError'));
    }, this.timeoutMs + this.stepMs);
    // A delivery in flight keeps the process alive by its socket; the timer alone must not.
    timer.unref();
    this.timers.add(timer);
    this.current = controller.signal;
    this.currentEndsAt = now + this.stepMs;
    return this.current;
  }

  /** No timer is left behind (the client is closing). */
  close(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.current = undefined;
  }
}
