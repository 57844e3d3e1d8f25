import type { LedgerStore } from '../ledger-store.js';
import { PRIORITY } from '../message-record.js';
import type { DispatchSource, DispatchUnit } from './dispatch-source.js';

/**
 * One process's queue: the records table itself. A claim switches due
 * records to `dispatching` (claimDue); a unit that fails leaves them there,
 * and the next start finds them (recoverInterrupted).
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
    return { records, settle: async () => undefined, abandon: async () => undefined };
  }
}
