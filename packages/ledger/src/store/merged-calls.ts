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
  /** Told when a merged call failed and its calls run again alone (how many, and why), for a log. */
  onRunAlone?: (calls: number, error: unknown) => void;
}

/**
 * Runs calls together, answering each one's results in order. `inSlot`: the
 * run holds a merge slot, and the calls behind it wait for it, so it should
 * fail rather than wait long on another transaction (its calls then run
 * again alone, outside the slots, with `inSlot` false).
 */
export type RunCalls<E, R> = (calls: readonly (readonly E[])[], inSlot: boolean) => Promise<R[][]>;

interface WaitingCall<E, R> {
  entries: readonly E[];
  resolve: (results: R[]) => void;
  reject: (error: unknown) => void;
}

/**
 * Concurrent calls of one list-in, list-out operation (one result per entry,
 * in order) merged into fewer, larger calls: the calls made in one turn of the
 * event loop, and those made while `maxRunning` merged calls are already
 * running, go together as one merged call, up to `maxEntries` entries (a call
 * larger than that goes alone). Each caller gets its own entries' results.
 *
 * When a run in a slot fails, each of its calls runs again alone, so that one
 * call's failure is its own and not its neighbours' — unless the failure is
 * no call's own (`sharedFailure`). Those runs alone take no slot: a call
 * that waits long (a row another transaction holds) holds up no one else.
 */
export class MergedCalls<E, R> {
  #waiting: WaitingCall<E, R>[] = [];
  #running = 0;
  #scheduled = false;
  /** Everything started and not yet answered: merged calls, and calls run again alone. */
  #pending = new Set<Promise<unknown>>();

  constructor(
    private readonly run: RunCalls<E, R>,
    private readonly limits: MergeLimits,
  ) {}

  call(entries: readonly E[]): Promise<R[]> {
    return new Promise<R[]>((resolve, reject) => {
      this.#waiting.push({ entries, resolve, reject });
      this.#schedule();
    });
  }

  /** Resolves once every call made so far is answered (before a store closes under them). */
  async idle(): Promise<void> {
    while (this.#waiting.length > 0 || this.#pending.size > 0) {
      if (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
      else await new Promise((resolve) => setImmediate(resolve));
    }
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
    this.#track(
      this.#settle(calls).finally(() => {
        this.#running -= 1;
        this.#schedule();
      }),
    );
  }

  async #settle(calls: WaitingCall<E, R>[]): Promise<void> {
    let results: R[][];
    try {
      results = await this.run(
        calls.map((call) => call.entries),
        true,
      );
    } catch (error) {
      if (this.limits.sharedFailure?.(error)) {
        for (const call of calls) call.reject(error);
        return;
      }
      // Which call failed, or waited, it is not known: each runs alone, outside the merge slots, and meets its own outcome.
      this.limits.onRunAlone?.(calls.length, error);
      for (const call of calls) this.#track(this.#alone(call));
      return;
    }
    calls.forEach((call, index) => call.resolve(results[index]!));
  }

  #alone(call: WaitingCall<E, R>): Promise<void> {
    return this.run([call.entries], false).then(([results]) => call.resolve(results!), call.reject);
  }

  #track(work: Promise<unknown>): void {
    this.#pending.add(work);
    void work.finally(() => this.#pending.delete(work));
  }
}
