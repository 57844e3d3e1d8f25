/** A receiver whose waiting events have waited this long is not keeping up (see pumpDeliveries). */
const SLOW_AFTER_MS = 1_000;

/** What the pump needs of a claimed event: the receiver it goes to. */
export interface PumpedEvent {
  url: string;
}

export interface DeliveryPumpOptions<E extends PumpedEvent, O> {
  /** Claims the next due events, at most `batch`; fewer than `batch` means nothing more is due now. */
  claim: () => Promise<E[]>;
  batch: number;
  /** Delivers one event and answers what became of it; a throw is a bug and ends the pump. */
  deliver: (event: E) => Promise<O>;
  /** Writes what became of deliveries. Called with at most `batch` at a time, one call at a time, in order. */
  write: (settled: { event: E; outcome: O }[]) => Promise<void>;
  concurrency: number;
  /** Deliveries at once to one receiver, as `receiverOf` names it. */
  perEndpoint: number;
  /** The receiver an event goes to, for `perEndpoint` (default: its URL). */
  receiverOf?: (event: E) => string;
  /**
   * The outcome written for an event handed back unstarted: claimed while its
   * receiver was not keeping up (see below). It must not count as a try.
   */
  deferred: (event: E) => O;
  /** Asked before each delivery starts: once true, no more start and no more are claimed. */
  stopped: () => boolean;
  /**
   * A claimed event not started within this long is let go, undelivered: its
   * lease could end before its outcome is written, and another claim would
   * deliver it too. It goes out again once its lease ends.
   */
  freshForMs: number;
  /** The longest an outcome waits to be written, however few have settled. */
  writeWithinMs: number;
  clock?: () => number;
}

/**
 * Claims and delivers until nothing is due, keeping `concurrency` deliveries
 * in flight: the next claim is made while the last claim's final deliveries
 * are still out, and outcomes are written a claim's worth at a time while
 * later deliveries go on. Claiming, then delivering, then writing, then
 * claiming again left fewer than `concurrency` in flight at every round's end
 * and the receivers idle during the writes (bench/reports).
 *
 * At most `perEndpoint` deliveries go to one receiver at once: an event whose
 * receiver is busy waits while others go ahead, and the claims go on while
 * fewer than `concurrency` waiting events could start. Claims come oldest
 * first whatever the receiver, so a slow receiver's backlog would fill the
 * waiting list and keep every other receiver's events unclaimed. So a
 * receiver is held to `perEndpoint` × 4 waiting events once the oldest of
 * them has waited SLOW_AFTER_MS (it is not keeping up): its further events,
 * claimed or waiting when the list is full (four claims' worth), are handed
 * back unstarted (`deferred`), and the claims reach the others'. A fast
 * receiver's events never wait that long, so its backlog goes out as fast as
 * it answers. A slow receiver's events cannot outlive their leases here:
 * one waiting longer than `freshForMs` is let go, and no outcome waits more
 * than `writeWithinMs` for its write (a lease that ends under an unwritten
 * outcome is a second delivery). Resolves with the number of events claimed once every
 * delivery started has ended and every outcome is written; rejects with the
 * first failure of a claim, a write or a delivery, after the deliveries in
 * flight end (their outcomes are then not written: their events go out again
 * when their lease ends).
 */
export function pumpDeliveries<E extends PumpedEvent, O>(options: DeliveryPumpOptions<E, O>): Promise<number> {
  const { claim, batch, deliver, write, deferred, concurrency, perEndpoint, stopped, freshForMs, writeWithinMs } = options;
  const clock = options.clock ?? Date.now;
  const receiverOf = options.receiverOf ?? ((event: E) => event.url);
  const mostWaiting = batch * 4;
  const mostWaitingForOne = perEndpoint * 4;
  const waiting: { event: E; receiver: string; claimedAt: number }[] = [];
  /** Per receiver: how many of its events wait. */
  const queued = new Map<string, number>();
  const busy = new Map<string, number>();
  let settled: { event: E; outcome: O }[] = [];
  let active = 0;
  let claimed = 0;
  let claiming = false;
  let exhausted = false;
  let writing: Promise<void> = Promise.resolve();
  let failure: { error: unknown } | undefined;
  // When the oldest unwritten outcome settled; a timer writes it in time when nothing more settles.
  let oldestSettledAt = 0;
  let writeTimer: NodeJS.Timeout | undefined;

  return new Promise<number>((resolve, reject) => {
    const fail = (error: unknown): void => {
      failure ??= { error };
    };
    const flush = (): void => {
      clearTimeout(writeTimer);
      writeTimer = undefined;
      if (settled.length === 0) return;
      const chunk = settled;
      settled = [];
      writing = writing.then(() => (failure ? undefined : write(chunk))).catch(fail);
    };
    const settle = (event: E, outcome: O): void => {
      if (settled.length === 0) oldestSettledAt = clock();
      settled.push({ event, outcome });
      if (settled.length >= batch || clock() - oldestSettledAt >= writeWithinMs) flush();
      else writeTimer ??= setTimeout(flush, writeWithinMs);
    };
    const unqueue = (receiver: string): void => {
      const count = queued.get(receiver)! - 1;
      if (count === 0) queued.delete(receiver);
      else queued.set(receiver, count);
    };
    /** When the oldest waiting event of each receiver was claimed (waiting is in claim order). */
    const oldestWaiting = (): Map<string, number> => {
      const oldest = new Map<string, number>();
      for (const { receiver, claimedAt } of waiting) if (!oldest.has(receiver)) oldest.set(receiver, claimedAt);
      return oldest;
    };
    /** Whether a receiver whose oldest waiting event was claimed at `since` is not keeping up. */
    const slow = (since: number | undefined, now: number): boolean => since !== undefined && now - since >= SLOW_AFTER_MS;
    /**
     * The waiting list is full: the events of receivers not keeping up past
     * the first `perEndpoint` × 4 of each go back, so that claims go on.
     */
    const handBackSlowBacklogs = (): void => {
      const oldest = oldestWaiting();
      const now = clock();
      const kept = new Map<string, number>();
      for (let i = 0; i < waiting.length; ) {
        const { event, receiver } = waiting[i]!;
        const seen = (kept.get(receiver) ?? 0) + 1;
        kept.set(receiver, seen);
        if (seen > mostWaitingForOne && slow(oldest.get(receiver), now)) {
          waiting.splice(i, 1);
          unqueue(receiver);
          settle(event, deferred(event));
        } else {
          i += 1;
        }
      }
    };
    const finish = (): void => {
      flush();
      void writing.then(() => (failure ? reject(failure.error) : resolve(claimed)));
    };
    const claimNext = (): void => {
      claiming = true;
      // Taken before the claim: its lease is counted from no later than this.
      const claimedAt = clock();
      claim().then(
        (events) => {
          claimed += events.length;
          let oldest: Map<string, number> | undefined;
          for (const event of events) {
            const receiver = receiverOf(event);
            const count = queued.get(receiver) ?? 0;
            if (count >= mostWaitingForOne) {
              oldest ??= oldestWaiting();
              if (slow(oldest.get(receiver), claimedAt)) {
                settle(event, deferred(event));
                continue;
              }
            }
            queued.set(receiver, count + 1);
            waiting.push({ event, receiver, claimedAt });
          }
          if (events.length < batch) exhausted = true;
        },
        fail,
      ).finally(() => {
        claiming = false;
        pump();
      });
    };
    const pump = (): void => {
      const halted = (): boolean => failure !== undefined || stopped();
      const staleBefore = clock() - freshForMs;
      // Waiting events passed over because their receiver is at its cap: they cannot start now.
      let blocked = 0;
      for (let i = 0; i < waiting.length && active < concurrency && !halted(); ) {
        const { event, receiver, claimedAt } = waiting[i]!;
        if (claimedAt < staleBefore) {
          waiting.splice(i, 1);
          unqueue(receiver);
          continue;
        }
        const toReceiver = busy.get(receiver) ?? 0;
        if (toReceiver >= perEndpoint) {
          blocked += 1;
          i += 1;
          continue;
        }
        waiting.splice(i, 1);
        unqueue(receiver);
        active += 1;
        busy.set(receiver, toReceiver + 1);
        deliver(event)
          .then((outcome) => settle(event, outcome), fail)
          .finally(() => {
            active -= 1;
            busy.set(receiver, busy.get(receiver)! - 1);
            pump();
          });
      }
      const more = !exhausted && !halted();
      if (more && !claiming && waiting.length >= mostWaiting) handBackSlowBacklogs();
      if (more && !claiming && waiting.length - blocked < concurrency && waiting.length < mostWaiting) claimNext();
      else if (active === 0 && !claiming && (!more || waiting.length === 0)) finish();
    };
    claimNext();
  });
}
