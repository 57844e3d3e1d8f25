/** Runs a provider request when the budget allows (RouteOptions.limit). */
export type RequestLimit = <T>(request: () => Promise<T>) => Promise<T>;

/** One running unit's part of the budget. */
export interface UnitShare {
  limit: RequestLimit;
  /** The unit ended: its share goes back to the others. */
  close(): void;
}

interface Share {
  /** Requests the unit may have out as its own: the router's batchConcurrency when it started. */
  own: number;
  /** The OTP slot's unit: its own share always, nothing borrowed, nothing lent. */
  kept: boolean;
  inFlight: number;
  waiting: Array<() => void>;
}

/**
 * The provider requests a dispatcher's units have out. Of its `slots`, one
 * is kept for OTPs: its unit may always have its own share
 * (batchConcurrency) out. The other slots' units share
 * `(slots − 1) × batchConcurrency`: each is sure of its own share, and a
 * unit with more to send takes the shares of slots no unit holds. Before, a
 * burst of single messages claimed as one unit went out batchConcurrency at
 * a time while the other slots stood idle (800 messages to a provider
 * answering in 100 ms took 19 s). A unit that starts while another has
 * borrowed its share waits for the first of those requests to end — its own
 * share comes before any more borrowing — so the dispatcher never has more
 * out than it did with one share a slot (a provider's connection pool is
 * sized for that).
 */
export class RequestBudget {
  private readonly shares = new Set<Share>();
  /** The shares with requests waiting. */
  private readonly waiting = new Set<Share>();
  /** Where the next borrowing looks first: each borrower in turn. */
  private turn = 0;

  constructor(private readonly slots: number) {}

  /** A share for a unit starting now. `own`: the router's batchConcurrency now; `kept`: the OTP slot's unit. */
  open(own: number, { kept = false }: { kept?: boolean } = {}): UnitShare {
    const share: Share = { own, kept, inFlight: 0, waiting: [] };
    this.shares.add(share);
    const limit: RequestLimit = (request) => {
      if (share.waiting.length === 0 && this.mayStart(share)) return this.run(share, request);
      this.waiting.add(share);
      return new Promise((resolve, reject) => share.waiting.push(() => void this.run(share, request).then(resolve, reject)));
    };
    return {
      limit,
      close: () => {
        this.shares.delete(share);
        this.waiting.delete(share);
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

  /** Within its own share while the shared slots have room, or borrowing what no unit holds as its own. */
  private mayStart(share: Share): boolean {
    if (share.kept) return share.inFlight < share.own;
    let out = 0;
    let committed = 0;
    for (const other of this.shares) {
      if (other.kept) continue;
      out += other.inFlight;
      committed += Math.max(other.inFlight, other.own);
    }
    const capacity = (this.slots - 1) * share.own;
    return share.inFlight < share.own ? out < capacity : committed < capacity;
  }

  /** Starts what may start now: every unit's own share first, then borrowers one request each in turn. */
  private pump(): void {
    for (const share of this.waiting) while (share.waiting.length > 0 && share.inFlight < share.own && this.mayStart(share)) this.startNext(share);
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
    start();
  }
}
