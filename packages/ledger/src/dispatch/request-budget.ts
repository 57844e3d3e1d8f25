/** Runs a provider request when the budget allows (RouteOptions.limit). */
export type RequestLimit = <T>(request: () => Promise<T>) => Promise<T>;

/** One running unit's part of the budget. */
export interface UnitShare {
  limit: RequestLimit;
  /** The unit ended: its share goes back to the others. */
  close(): void;
}

interface Share {
  /** Requests the unit may always have out: the router's batchConcurrency when it started. */
  own: number;
  /** The OTP slot's unit: its own share, nothing borrowed. */
  kept: boolean;
  inFlight: number;
  waiting: Array<(go: boolean) => void>;
}

/**
 * The provider requests a dispatcher's units have out. Each running unit
 * may always have its own share out (the router's batchConcurrency), at
 * once, as when every unit had a limiter of its own: no unit, an OTP's least
 * of all, ever waits for another's requests — which may sit out a provider's
 * Retry-After in the throttle. A unit with more to send also borrows the
 * shares of the slots no unit holds, never the share of the slot kept for
 * OTPs. Before, a burst of single messages claimed as one unit went out
 * batchConcurrency at a time while the other slots stood idle (800 messages
 * to a provider answering in 100 ms took 19 s; bench/ledger/queued-burst.js).
 *
 * Borrowing stops once the units' shares and borrowed requests fill
 * `slots × batchConcurrency`. A unit that starts while its slot's share is
 * lent still has its own at once, so for as long as the borrowed requests
 * take the dispatcher may have up to `(slots − 2) × batchConcurrency` more
 * out than that.
 */
export class RequestBudget {
  private readonly shares = new Set<Share>();
  /** The shares with requests waiting. */
  private readonly waiting = new Set<Share>();
  /** A slot's share now: the batchConcurrency of the last unit opened (a reconfigure changes it). */
  private perSlot = 1;
  /** Where the next borrowing looks first: each borrower in turn. */
  private turn = 0;

  constructor(private readonly slots: number) {}

  /** A share for a unit starting now. `own`: the router's batchConcurrency now; `kept`: the OTP slot's unit. */
  open(own: number, { kept = false }: { kept?: boolean } = {}): UnitShare {
    this.perSlot = own;
    const share: Share = { own, kept, inFlight: 0, waiting: [] };
    this.shares.add(share);
    const limit: RequestLimit = (request) => {
      if (share.waiting.length === 0 && this.mayStart(share)) return this.run(share, request);
      this.waiting.add(share);
      return new Promise((resolve, reject) =>
        share.waiting.push((go) => (go ? this.run(share, request).then(resolve, reject) : reject(new Error('not sent: the dispatch unit ended before this request could start')))),
      );
    };
    return {
      limit,
      close: () => {
        this.shares.delete(share);
        this.waiting.delete(share);
        // A unit ends once its sends have: nothing should wait. Should something, it is answered, never left hanging.
        for (const start of share.waiting.splice(0)) start(false);
        this.pump();
      },
    };
  }

  /** Requests out now (for tests). */
  get inFlight(): number {
    let sum = 0;
    for (const share of this.shares) sum += share.inFlight;
    return sum;
  }

  private run<T>(share: Share, request: () => Promise<T>): Promise<T> {
    share.inFlight += 1;
    return request().finally(() => {
      share.inFlight -= 1;
      this.pump();
    });
  }

  /** Within its own share, or — not the OTP slot's unit — borrowing while the budget has room. */
  private mayStart(share: Share): boolean {
    if (share.inFlight < share.own) return true;
    if (share.kept) return false;
    // Every open unit counts at least its own share; the OTP slot's share counts even while no unit holds it.
    let committed = 0;
    let keptOpen = false;
    for (const other of this.shares) {
      committed += Math.max(other.inFlight, other.own);
      keptOpen ||= other.kept;
    }
    if (!keptOpen) committed += this.perSlot;
    return committed < this.slots * this.perSlot;
  }

  /** Starts what may start now: every unit's own share first, then borrowers one request each in turn. */
  private pump(): void {
    for (const share of this.waiting) while (share.waiting.length > 0 && share.inFlight < share.own) this.startNext(share);
    for (let started = true; started && this.waiting.size > 0; ) {
      started = false;
      const borrowers = [...this.waiting];
      for (let i = 0; i < borrowers.length && !started; i++) {
        const share = borrowers[(this.turn + i) % borrowers.length]!;
        if (!this.mayStart(share)) continue;
        this.startNext(share);
        this.turn += 1;
        started = true;
      }
    }
  }

  private startNext(share: Share): void {
    const start = share.waiting.shift()!;
    if (share.waiting.length === 0) this.waiting.delete(share);
    start(true);
  }
}
