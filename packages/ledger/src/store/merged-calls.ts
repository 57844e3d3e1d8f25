/** How calls are merged: the entries one merged call carries at most, and how many merged calls run at once. */
export interface MergeLimits {
  maxEntries: number;
  maxRunning: number;
  /**
   * Whether a failure is every call's and no single one's (the database cannot
   * be reached): then every call of the merged call gets it at once, not after
   * running again alone (a caller would wait out a second connect timeout).
   */
  sharedFailure?: (error: unknown) => boolean;
}

interface WaitingCall<E, R> {
  entries: readonly E[];
  resolve: (results: R[]) => void;
  reject: (error: unknown) => void;
}

/**
 * Concurrent calls of one list-in, list-out operation (one result per entry,
 * in order) merged into fewer, larger calls: the calls made in one turn of the
 * event loop, and those made while `maxRunning` merged calls are already
 * running, go together as one call of their entries concatenated, up to
 * `maxEntries` (a call larger than that goes alone). Each caller gets its own
 * entries' results. When a merged call fails, each of its calls runs again
 * alone, so that one call's failure is its own and not its neighbours' —
 * unless the failure is no call's own (`sharedFailure`).
 *
 * The operation must treat its entries as if each came after the one before
 * (concurrent callers have no order between them anyway).
 */
export class MergedCalls<E, R> {
  #waiting: WaitingCall<E, R>[] = [];
  #running = 0;
  #scheduled = false;

  constructor(
    private readonly run: (entries: readonly E[]) => Promise<R[]>,
    private readonly limits: MergeLimits,
  ) {}

  call(entries: readonly E[]): Promise<R[]> {
    return new Promise<R[]>((resolve, reject) => {
      this.#waiting.push({ entries, resolve, reject });
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#scheduled || this.#running >= this.limits.maxRunning || this.#waiting.length === 0) return;
    this.#scheduled = true;
    // After the I/O callbacks of this turn: what they asked for goes together.
    setImmediate(() => {
      this.#scheduled = false;
      while (this.#running < this.limits.maxRunning && this.#waiting.length > 0) this.#start(this.#take());
    });
  }

  /** The waiting calls the next merged call carries: at least one, then as many as fit. */
  #take(): WaitingCall<E, R>[] {
    const calls = [this.#waiting.shift()!];
    let entries = calls[0]!.entries.length;
    while (this.#waiting.length > 0 && entries + this.#waiting[0]!.entries.length <= this.limits.maxEntries) {
      const next = this.#waiting.shift()!;
      entries += next.entries.length;
      calls.push(next);
    }
    return calls;
  }

  #start(calls: WaitingCall<E, R>[]): void {
    this.#running += 1;
    void this.#settle(calls).finally(() => {
      this.#running -= 1;
      this.#schedule();
    });
  }

  async #settle(calls: WaitingCall<E, R>[]): Promise<void> {
    if (calls.length === 1) {
      const [only] = calls;
      await this.run(only!.entries).then(only!.resolve, only!.reject);
      return;
    }
    let results: R[];
    try {
      results = await this.run(calls.flatMap((call) => call.entries));
    } catch (error) {
      if (this.limits.sharedFailure?.(error)) {
        for (const call of calls) call.reject(error);
        return;
      }
      // Which call's entry failed it is not known: each runs alone and meets its own outcome.
      await Promise.all(calls.map((call) => this.run(call.entries).then(call.resolve, call.reject)));
      return;
    }
    let offset = 0;
    for (const call of calls) {
      call.resolve(results.slice(offset, offset + call.entries.length));
      offset += call.entries.length;
    }
  }
}
