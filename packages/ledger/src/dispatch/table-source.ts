import { silentLogger, type Logger } from '@rota/provider';
import type { LedgerStore } from '../ledger-store.js';
import { PRIORITY } from '../message-record.js';
import type { DispatchSource, DispatchUnit } from './dispatch-source.js';
import { describeError } from '../error-text.js';

/**
 * One process's queue: the records table itself. A claim switches due
 * records to `dispatching` (claimDue). A unit that fails (its results could
 * not be written) releases them at once, as the next start would
 * (releaseInterrupted): `unknown` where a provider was asked, queued again
 * where none was. If the store cannot take that either — it is what just
 * failed — the release is tried again before each later claim, so the
 * records do not wait for a restart.
 */
export class TableSource implements DispatchSource {
  /** Records whose release failed: released before the next claims. */
  private readonly unreleased = new Set<string>();

  constructor(
    private readonly store: LedgerStore,
    private readonly claimSize: number,
    private readonly clock: () => number,
    private readonly logger: Logger = silentLogger,
  ) {}

  async next({ otpOnly }: { otpOnly: boolean }): Promise<DispatchUnit | undefined> {
    if (this.unreleased.size > 0) await this.releaseLeftovers();
    const records = await this.store.claimDue({ now: new Date(this.clock()), limit: this.claimSize, ...(otpOnly ? { maxPriority: PRIORITY.otp } : {}) });
    if (records.length === 0) return undefined;
    const ids = records.map((record) => record.id);
    return { records, settle: async () => undefined, abandon: () => this.release(ids), requeued: async () => undefined };
  }

  /** Releases records a send gave up on; those the store cannot take now are tried again before the next claim. */
  async release(ids: readonly string[]): Promise<void> {
    try {
      await this.store.releaseInterrupted(ids);
    } catch (error) {
      for (const id of ids) this.unreleased.add(id);
      throw error;
    }
  }

  /** At start every record left dispatching was recovered: none is left for this source to release. */
  forgetLeftovers(): void {
    this.unreleased.clear();
  }

  /** Claims go on whatever this finds: a release that fails again is kept for the next claim. */
  private async releaseLeftovers(): Promise<void> {
    const ids = [...this.unreleased];
    try {
      const { unknown, requeued } = await this.store.releaseInterrupted(ids);
      for (const id of ids) this.unreleased.delete(id);
      this.logger.warn({ records: ids.length, unknown, requeued }, 'ledger dispatcher: records a failed send left dispatching are released now (unknown where a provider was asked, queued again where none was)');
    } catch (error) {
      this.logger.warn({ error: describeError(error), records: ids.length }, 'ledger dispatcher: records a failed send left dispatching still cannot be released; trying again at the next claim');
    }
  }
}
