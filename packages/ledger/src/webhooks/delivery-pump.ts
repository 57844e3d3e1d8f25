/** What the pump needs of a claimed event: the receiver it goes to. */
export interface PumpedEvent {
  url: string;
}

export interface DeliveryPumpOptions<E extends PumpedEvent, O> {
  /**
   * Claims the next due events, at most `batch`, none to the receivers named
   * (those at their cap: their events could not start); fewer than `batch`
   * means nothing more is due now.
   */
  claim: (receiversAtCap: readonly string[]) => Promise<E[]>;
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
  /** After a claim that passed over receivers came back short, the next that would waits this long. Default 1 s. */
  passOverEveryMs?: number;
  /** A clock for how long claims take (default performance.now): the pass-over claims' cost is bounded by it. */
  stopwatch?: () => number;
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
 * receiver is busy waits while others go ahead, and claims go on while fewer
 * than `concurrency` waiting events could start (and fewer than sixteen
 * claims' worth wait in all). A claim passes over the receivers with a
 * claim's worth of events waiting, so a slow receiver's backlog, however old
 * and large, does not keep the other receivers' events unclaimed, and fewer
 * than two claims' worth wait for any one receiver. Such a claim costs more
 * than one that passes over nothing (it reads host by host, or, with many
 * hosts pending, past the passed-over backlog), so the next waits twenty
 * times as long as it took (and a second at least after one that came back
 * short); a claim that passes over nothing is made at once. A slow receiver's events cannot outlive
 * their leases here: one waiting longer than `freshForMs` is let go, and no
 * outcome waits more than `writeWithinMs` for its write (a lease that ends
 * under an unwritten outcome is a second delivery). Resolves with the number of events claimed once every
 * delivery started has ended and every outcome is written; rejects with the
 * first failure of a claim, a write or a delivery, after the deliveries in
 * flight end (their outcomes are then not written: their events go out again
 * when their lease ends).
 */
export function pumpDeliveries<E extends PumpedEvent, O>(options: DeliveryPumpOptions<E, O>): Promise<number> {
  const { claim, batch, deliver, write, concurrency, perEndpoint, stopped, freshForMs, writeWithinMs } = options;
  const clock = options.clock ?? Date.now;
  const receiverOf = options.receiverOf ?? ((event: E) => event.url);
  const passOverEveryMs = options.passOverEveryMs ?? 1_000;
  const stopwatch = options.stopwatch ?? (() => performance.now());
  // Memory's bound: each receiver has under two claims' worth waiting, but many receivers at their cap could add up.
  const mostWaiting = batch * 16;
  const waiting: { event: E; receiver: string; claimedAt: number }[] = [];
  // Per receiver: its events waiting, and its deliveries in flight.
  const waitingFor = new Map<string, number>();
  const busy = new Map<string, number>();
  let settled: { event: E; outcome: O }[] = [];
  let active = 0;
  let claimed = 0;
  let claiming = false;
  // A short claim that passed over no receiver: nothing more is due.
  let exhausted = false;
  /*
   * No claim passes over receivers before this. Such a claim reads host by
   * host, or, with many hosts pending, past every due event of the receivers
   * it passes over (see claimWebhooks): after one that took t, the next waits
   * 20 t, so they cost at most a twentieth of the time, whatever the store
   * had to read.
   * After a short one, which has just found all else that is due, it waits
   * passOverEveryMs at least.
   */
  let passOverAfter = 0;
  let passOverTimer: NodeJS.Timeout | undefined;
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
    const finish = (): void => {
      clearTimeout(passOverTimer);
      flush();
      void writing.then(() => (failure ? reject(failure.error) : resolve(claimed)));
    };
    const claimNext = (passOver: string[]): void => {
      claiming = true;
      // Taken before the claim: its lease is counted from no later than this.
      const claimedAt = clock();
      const started = stopwatch();
      claim(passOver).then(
        (events) => {
          claimed += events.length;
          for (const event of events) {
            const receiver = receiverOf(event);
            waiting.push({ event, receiver, claimedAt });
            tally(waitingFor, receiver, 1);
          }
          const short = events.length < batch;
          if (short && passOver.length === 0) exhausted = true;
          else if (passOver.length > 0) passOverAfter = clock() + Math.max(short ? Math.max(1, passOverEveryMs) : 0, PASS_OVER_COST * (stopwatch() - started));
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
          tally(waitingFor, receiver, -1);
          continue;
        }
        if ((busy.get(receiver) ?? 0) >= perEndpoint) {
          blocked += 1;
          i += 1;
          continue;
        }
        waiting.splice(i, 1);
        tally(waitingFor, receiver, -1);
        active += 1;
        tally(busy, receiver, 1);
        deliver(event)
          .then((outcome) => {
            if (settled.length === 0) oldestSettledAt = clock();
            settled.push({ event, outcome });
            if (settled.length >= batch || clock() - oldestSettledAt >= writeWithinMs) flush();
            else writeTimer ??= setTimeout(flush, writeWithinMs);
          }, fail)
          .finally(() => {
            active -= 1;
            tally(busy, receiver, -1);
            pump();
          });
      }
      const more = !exhausted && !halted();
      if (more && !claiming && waiting.length - blocked < concurrency && waiting.length < mostWaiting) {
        // Receivers with a claim's worth waiting: the claim passes over them, so it brings other receivers' events.
        const full = [...waitingFor].filter(([, count]) => count >= batch).map(([receiver]) => receiver);
        const wait = full.length === 0 ? 0 : passOverAfter - clock();
        if (wait <= 0) claimNext(full);
        else passOverTimer ??= setTimeout(() => ((passOverTimer = undefined), pump()), wait);
      } else if (active === 0 && !claiming && !more) finish();
    };
    claimNext([]);
  });
}

/** A claim that passes over receivers is followed by this many times its duration without one. */
const PASS_OVER_COST = 20;

/** Adds `by` to a receiver's count, dropping it at zero: a client naming a host per message must not grow the map. */
function tally(counts: Map<string, number>, receiver: string, by: number): void {
  const count = (counts.get(receiver) ?? 0) + by;
  if (count === 0) counts.delete(receiver);
  else counts.set(receiver, count);
}
