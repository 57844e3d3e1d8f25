import { performance } from 'node:perf_hooks';

/**
 * An OTP's hold lapses this long after it began, if its finish has not ended it
 * first: a slow provider (or a record another process sends) holds large work
 * back this long at most.
 */
export const URGENT_HOLD_MS = 100;

/**
 * OTPs between their record and their finish, each holding large writes back
 * until then (at most URGENT_HOLD_MS). While an OTP is in that stretch the
 * CAMPAIGN units, the report collector and the webhook sender start no store
 * call, and so no send either (a CAMPAIGN unit's send waits on its
 * `markDispatching`): the OTP's claim, its mark and the provider's answer to it
 * each find the event loop free, where behind a backlog each waited for a turn
 * of other work. `onClear` is called when the last hold ends (or lapses): large
 * work may go again.
 */
export class UrgentHolds {
  /** Record id → when its hold lapses (performance.now()). */
  readonly #until = new Map<string, number>();
  #timer: NodeJS.Timeout | undefined;
  /** Large calls waiting for the holds to end (see whenClear). */
  readonly #waiting = new Set<() => void>();

  constructor(private readonly onClear: () => void = () => {}) {}

  /** Holds large work back for these records, until their finish or URGENT_HOLD_MS from now. */
  begin(ids: readonly string[]): void {
    if (ids.length === 0) return;
    const until = performance.now() + URGENT_HOLD_MS;
    // Deleted first, so the map stays in lapse order.
    for (const id of ids) {
      this.#until.delete(id);
      this.#until.set(id, until);
    }
    this.#arm();
  }

  /** These records were finished (or put back): their holds end. */
  end(ids: Iterable<string>): void {
    if (this.#until.size === 0) return;
    for (const id of ids) this.#until.delete(id);
    if (this.#until.size === 0) this.#clear();
  }

  /** Whether one of these records is held (an OTP's own calls go ahead of the holds). */
  holds(ids: readonly string[]): boolean {
    return this.#until.size > 0 && ids.some((id) => this.#until.has(id));
  }

  /** Whether some hold is still on. */
  get active(): boolean {
    this.#lapse();
    return this.#until.size > 0;
  }

  /**
   * Resolves when no hold is on, or after `maxMs` at most: where large calls
   * do not go through one queue (PostgreSQL), each waits here before it starts.
   */
  whenClear(maxMs: number): Promise<void> {
    if (!this.active) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#waiting.delete(done);
        resolve();
      };
      const timer = setTimeout(done, maxMs);
      this.#waiting.add(done);
    });
  }

  /** Drops lapsed holds. Holds begin in time order, so the lapsed ones are first in the map. */
  #lapse(): void {
    const now = performance.now();
    for (const [id, until] of this.#until) {
      if (until > now) return;
      this.#until.delete(id);
    }
  }

  /** A timer for the first hold's lapse: large work must not wait for a finish that never comes. */
  #arm(): void {
    if (this.#timer) return;
    const first = this.#until.values().next();
    if (first.done) return;
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        this.#lapse();
        if (this.#until.size === 0) this.#cleared();
        else this.#arm();
      },
      Math.max(0, first.value - performance.now()),
    );
    // A lapse is no reason to keep a process alive.
    this.#timer.unref();
  }

  #clear(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#cleared();
  }

  #cleared(): void {
    for (const done of [...this.#waiting]) done();
    this.onClear();
  }
}
