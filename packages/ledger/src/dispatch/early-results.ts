import type { SendResult } from '@rota/core';

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
  /** Results an early write sent but the store did not change: another worker holds those records now. */
  private missed = 0;
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
   * under way and answers which records were written early and whether any
   * early write found its records taken over.
   */
  async end(): Promise<{ written: ReadonlySet<string>; lost: boolean }> {
    this.ended = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.writing;
    return { written: this.done, lost: this.missed > 0 };
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
        this.missed += batch.size - changed;
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
