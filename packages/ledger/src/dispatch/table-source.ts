import type { LedgerStore } from '../ledger-store.js';
import { PRIORITY } from '../message-record.js';
import type { DispatchSource, DispatchUnit } from './dispatch-source.js';

/**
 * One process's queue: the records table itself. A claim switches due
 * records to `dispatching` (claimDue). A unit that fails (its results could
 * not be written) releases them at once, as the next start would
 * (releaseInterrupted): `unknown` where a provider was asked, queued again
 * where none was. If the store cannot take that either, the next start does.
 */
export class TableSource implements DispatchSource {
  constructor(
    private readonly store: LedgerStore,
    private readonly claimSize: number,
    private readonly clock: () => number,
  ) {}

  async next({ otpOnly }: { otpOnly: boolean }): Promise<DispatchUnit | undefined> {
    const records = await this.store.claimDue({ now: new Date(this.clock()), limit: this.claimSize, ...(otpOnly ? { maxPriority: PRIORITY.otp } : {}) });
    if (records.length === 0) return undefined;
    const ids = records.map((record) => record.id);
    return { records, settle: async () => undefined, abandon: async () => void (await this.store.releaseInterrupted(ids)) };
  }
}
