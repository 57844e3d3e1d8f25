import type { SendResult } from '@rota/core';

/**
 * A write that changed fewer records than it was given: a record another
 * worker holds now (the unit was taken over), or one canceled meanwhile (it
 * was claimed, and never tried: every provider skipped it).
 */
export interface Missed {
  ids: readonly string[];
  count: number;
}

/** Writes results to their records and says how many it changed (with a claim token, only records the unit still holds). */
export type ResultWrite = (results: ReadonlyMap<string, SendResult>) => Promise<number>;

/**
 * The results of a unit that is still sending, written while it sends: a
 * unit of 800 single messages at one second a provider answer runs for
 * minutes, and a result kept in memory until its slowest message is done is
 * invisible to a reader and to webhooks meanwhile — and lost to a crash,
 * which leaves the record `unknown` although the provider took it.
 *
 * Results gather for `everyMs` after the first of them, then go in one
 * set-based write; a unit that ends sooner writes them all at its end, as
 * before. Only a result that is the message's own goes early: one failed
 * without a single try may be the dispatcher's doing (the store or the
 * throttle could not answer, or stop() came) and is judged at the unit's end.
 * A write that fails keeps its results for the next one, and the unit's end
 * writes whatever is left, with retries.
 */
export class EarlyResults {
  private pending = new Map<string, SendResult>();
  private readonly done = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  /** Early writes the store did not take all of: their records, and how many were not written. */
  private readonly missed: Missed[] = [];
  private ended = false;

  constructor(
    private readonly write: ResultWrite,
    private readonly everyMs: number,
    private readonly onWriteFailed: (error: unknown, records: number) => void,
    /** Aborted when the dispatcher gave up waiting on stop(): no more early writes to a store about to close. */
    private readonly halt: AbortSignal,
  ) {}

  /** A recipient's walk ended (the router's onResult). */
  add(id: string, result: SendResult): void {
    if (this.ended || this.halt.aborted) return;
    if (result.status === 'failed' && result.attempts.every((attempt) => attempt.tries === 0)) return;
    this.pending.set(id, result);
    this.timer ??= setTimeout(() => this.flush(), this.everyMs);
  }

  /**
   * The unit's sends have all ended: no more early writes. Waits for one
   * under way and answers which records were written early, and the early writes that
   * did not change every record they were given.
   */
  async end(): Promise<{ written: ReadonlySet<string>; missed: readonly Missed[] }> {
    this.ended = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.writing;
    return { written: this.done, missed: this.missed };
  }

  private flush(): void {
    this.timer = undefined;
    // Left to the unit's end, which writes every result not written here.
    if (this.halt.aborted) return;
    const batch = this.pending;
    this.pending = new Map();
    this.writing = this.writing.then(async () => {
      try {
        const changed = await this.write(batch);
        if (changed < batch.size) this.missed.push({ ids: [...batch.keys()], count: batch.size - changed });
        for (const id of batch.keys()) this.done.add(id);
      } catch (error) {
        this.onWriteFailed(error, batch.size);
        // Kept for the next early write; once the unit has ended, its own write takes every result not written here.
        if (this.ended || this.halt.aborted) return;
        for (const [id, result] of batch) this.pending.set(id, result);
        this.timer ??= setTimeout(() => this.flush(), this.everyMs);
      }
    });
  }
}
