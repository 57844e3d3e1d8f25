import type { MessageRecord } from '../message-record.js';

/** Records claimed together for one send: a bulk's as one bulk, the rest as one batch. */
export interface DispatchUnit {
  records: MessageRecord[];
  /** Fences the unit's writes where several workers share the records (see LedgerStore.claimUnit). */
  token?: string;
  /** OTP texts the unit carries, by record id (or bulk id): the ledger never holds them. */
  texts?: ReadonlyMap<string, string>;
  /** Every result is written: the unit is done. */
  settle(): Promise<void>;
  /**
   * The unit could not be sent or its results not written, or records of it
   * were put back in the queue: its source hands it out again (or not) as it
   * sees fit — not before `notBefore` when given (records held for want of a
   * route are due again only then).
   */
  abandon(reason: string, notBefore?: Date): Promise<void>;
  /**
   * Every result is written but for records put back in the queue untried
   * (requeueUnsent). Without it, abandon: a shared queue hands the unit out
   * again for them. The table needs nothing: they are queued already, and
   * releasing the unit's records as abandon does could take them from the
   * next unit that claimed them.
   */
  requeued?(reason: string): Promise<void>;
  /** The dispatcher is done with the unit, however it ended (settled, abandoned, or taken over by another worker). */
  done?(): void;
}

/** Where the dispatcher finds its work: the records table (one process), or a shared queue (many workers). */
export interface DispatchSource {
  /** The next due unit, or undefined when nothing is due. `otpOnly`: for the slot kept for OTPs. */
  next(options: { otpOnly: boolean }): Promise<DispatchUnit | undefined>;
}
