import { sharedAbortController, type Attempt, type AttemptTarget, type RouteOptions, type Router, type SendResult } from '@rota/core';
import { silentLogger, type BulkMessage, type Logger, type Message } from '@rota/provider';
import { FIRST_REPORT_AFTER_MS, type LedgerStore } from '../ledger-store.js';
import type { MessageRecord } from '../message-record.js';
import type { AccountThrottle } from './account-throttle.js';
import type { DispatchSource, DispatchUnit } from './dispatch-source.js';
import { checkedMessage, dispatchableMessage } from './dispatchable-message.js';
import { EarlyResults, type Missed } from './early-results.js';
import { HeldRelease } from './held-release.js';
import { RequestBudget, type RequestLimit } from './request-budget.js';
import { describeError } from '../error-text.js';
import { WithdrawnBeforeTry } from '../store/cancel-messages.js';
import { HELD_REASON_PREFIX, holdEndedReason, type Hold } from '../store/hold-unrouted.js';

/** What the dispatcher needs of the router: the checked send paths, its events (retry-after; breaker and routes-changed, which release held records), and its batchConcurrency. */
export type DispatchRouter = Pick<Router, 'sendChecked' | 'sendBatchChecked' | 'sendBulkChecked' | 'on' | 'batchConcurrency'>;

export interface DispatcherOptions {
  store: LedgerStore;
  /** Where due units come from: the records table, or a queue shared by many workers. */
  source: DispatchSource;
  router: DispatchRouter;
  throttle: AccountThrottle;
  /**
   * OTP texts by record (or bulk) id: never written to the ledger, so they are
   * held here, by the process that took them, until they are sent.
   */
  texts: Map<string, string>;
  logger?: Logger;
  /** Dispatch units running at once; one of them is kept for OTPs. Default 4. */
  concurrency?: number;
  /** How often the queue is looked at when nothing woke the dispatcher (a sendAt coming due). Default 1000. */
  pollMs?: number;
  /** An accepted message's status is first read this long after acceptance. */
  firstReportAfterMs?: number;
  /** How long results are retried when the database cannot take them (it went away mid-send). Default 60 s. */
  writeRetryMs?: number;
  /** A unit still sending writes the results it has this long after the first of them (see EarlyResults). Default 1000. */
  resultFlushMs?: number;
  /**
   * How long a queued message is held while no route is open to it (the
   * router's `noRoute`: an account that could carry it behind an open breaker),
   * counted from its first hold: tried again at growing intervals until a
   * route opens, then `failed`. 0: failed at once. Default one hour.
   */
  holdWithoutRouteMs?: number;
  /** Told of messages put on hold (metrics). */
  observer?: DispatchObserver;
  clock?: () => number;
}

/** What the dispatcher tells its observer (metrics). */
export interface DispatchObserver {
  /** `records` queued messages were put on hold for want of an open route, each counted at its first hold only. */
  held?(records: number): void;
}

/** Sending what the records say and what the send options carry. */
export interface SendNowOptions {
  /** Validated messages a caller still has (a send it waits for), by record id: not rebuilt from their records. */
  checked?: ReadonlyMap<string, Message>;
  /** The unit's claim token: its writes change only records it still holds. */
  token?: string;
  /** OTP texts by record (or bulk) id, besides those this process holds. */
  texts?: ReadonlyMap<string, string>;
  /** Gives back the records as the results were written to them (a caller who waits is answered from them). */
  records?: Map<string, MessageRecord>;
}

/** How a unit the dispatcher runs sends: SendNowOptions, its part of the dispatcher's request budget, and whether it holds records no route is open to. */
interface UnitSendOptions extends SendNowOptions {
  limit?: RequestLimit;
  /** The unit came from the queue: a record no route is open to is held (within holdWithoutRouteMs), not failed. A caller who waits is answered at once. */
  holds?: boolean;
}

/** A unit's records were taken over by another worker (this one was taken for dead): nothing more of it is sent. */
export class UnitLostError extends Error {
  override readonly name = 'UnitLostError';
}

/** stop()'s bound passed before a try: it is not made, and its records go back to the queue. */
export class DispatcherStoppedError extends Error {
  override readonly name = 'DispatcherStoppedError';
}

/**
 * The messages went to the router (some may be with a provider now) but their
 * results could not be written for writeRetryMs: the caller must not send
 * them again on its own, and their records stay `dispatching` until released
 * (LedgerStore.releaseInterrupted: `unknown` where a provider was asked).
 */
export class ResultsNotWrittenError extends Error {
  override readonly name = 'ResultsNotWrittenError';
  constructor(
    readonly ids: readonly string[],
    cause: unknown,
  ) {
    super(`the results of ${ids.length} message(s) handed to the router could not be written: ${describeError(cause)}`, { cause });
  }
}

/** What sending a unit came to: the results written, the records put back in the queue unsent, and whether the unit was lost. */
interface UnitSent {
  results: Map<string, SendResult>;
  /** Records put back in the queue unsent: held for want of a route, or not tried. */
  requeued: string[];
  /** When the first of them is due again (ms). */
  dueAgainAt?: number;
  /** Some of them were held for want of a route. */
  held: boolean;
  /** Another worker holds (some of) the unit's records now: its job is that worker's to finish, not this one's. */
  lost: boolean;
}

/** What a unit's tries were refused for before they were made (see routeOptions). */
interface Refusals {
  /** Records a try was refused for — the store or the throttle could not answer, or stop() came — never for the message's own sake. */
  notTried: Set<string>;
  /** A try found the unit's records taken over by another worker. */
  lost: boolean;
  /** Records canceled or erased after their claim, found so by a try that was then not made: never sent, never queued again. */
  withdrawn: Set<string>;
}

/**
 * A try the store or the throttle could not prepare goes back to the queue
 * due this much later: a store that keeps failing would otherwise have it
 * claimed, refused and queued again in a tight loop.
 */
const REFUSED_TRY_DELAY_MS = 1_000;

/**
 * A held record is tried again after a tenth of the time it has been held,
 * within these bounds — and at once when a route may have opened (HeldRelease):
 * the timed try is the fallback, so a long hold can afford to wait long.
 */
const HOLD_RETRY_MIN_MS = 1_000;
const HOLD_RETRY_MAX_MS = 60_000;

/** An OTP is held this long at most, whatever holdWithoutRouteMs says: a code that comes much later is of no use. */
export const OTP_HOLD_MAX_MS = 300_000;

/** A unit still sending writes the results it has this long after the first of them: a unit that ends sooner writes once. */
const RESULT_FLUSH_MS = 1_000;

/** A queued message no route is open to is held this long from its first hold, unless the ledger says otherwise. */
export const HOLD_WITHOUT_ROUTE_MS = 3_600_000;

/** The two claim lanes: `general` fills all but one slot with due units (OTPs first), `otp` fills any slot left with OTPs only. */
type Lane = 'general' | 'otp';

/**
 * Sends what the ledger holds: claims due records (OTP, then NOTIFICATION,
 * then CAMPAIGN), routes them — a bulk's records as one bulk, the rest as one
 * batch — and writes each result back. Before every try the records say which
 * provider and account they are going to, and the account's throttle lets the
 * try through. One of the `concurrency` units only ever claims OTPs, and it
 * claims on a lane of its own: a CAMPAIGN backlog holds an OTP back neither
 * by a provider request nor by the claim of the next CAMPAIGN unit.
 */
export class Dispatcher {
  private readonly concurrency: number;
  private readonly clock: () => number;
  private readonly logger: Logger;
  private readonly running = new Set<Promise<void>>();
  private poll: NodeJS.Timeout | undefined;
  /** Per lane: whether it is claiming, the claims in progress (stop() waits for them too, so a unit claimed meanwhile is handed back before it returns), and whether it was woken meanwhile. */
  private readonly lanes: Record<Lane, { claiming: boolean; filling: Promise<void>; again: boolean }> = {
    general: { claiming: false, filling: Promise.resolve(), again: false },
    otp: { claiming: false, filling: Promise.resolve(), again: false },
  };
  /** Claims under way on either lane: each will take a slot if it finds a unit. */
  private claims = 0;
  private stopping = false;
  /** Stops listening to the router (its retry-after, breaker and routes-changed events). */
  private detach: (() => void) | undefined;
  /** Aborted when stop() gives up waiting: result writes stop retrying against a store about to close. Every wait of a unit listens to it. */
  private halt = sharedAbortController();
  /** Aborted when no try may start any more (stopTrying, or stop()'s bound): writes still retry until halt. */
  private tries = sharedAbortController();
  /** Provider requests the units have out: each slot's share of batchConcurrency, the idle slots' lent to a busy unit (the OTP slot's kept). */
  private readonly budget: RequestBudget;
  private readonly holdMs: number;
  private readonly heldRelease: HeldRelease;
  /**
   * How many times a route may have opened. A unit that held records and saw
   * one while it ran releases them again once it is handed back: the release
   * then could not reach them while the unit had them (claimed, or on
   * PostgreSQL their job still this worker's) — a half-open breaker's probe
   * was one of them, say, and its success closed the breaker.
   */
  private routeOpenings = 0;

  constructor(private readonly options: DispatcherOptions) {
    this.concurrency = Math.max(2, options.concurrency ?? 4);
    this.holdMs = options.holdWithoutRouteMs ?? HOLD_WITHOUT_ROUTE_MS;
    this.budget = new RequestBudget(this.concurrency);
    this.clock = options.clock ?? Date.now;
    this.logger = options.logger ?? silentLogger;
    this.heldRelease = new HeldRelease(() => options.store.releaseHeld(), () => this.wake(), this.logger);
  }

  /** Starts the queue: from now on, due records are claimed as they come and as slots free. */
  start(): void {
    this.stopping = false;
    if (this.halt.signal.aborted) this.halt = sharedAbortController();
    if (this.tries.signal.aborted) this.tries = sharedAbortController();
    this.detach ??= this.listen();
    this.poll ??= setInterval(() => this.wake(), this.options.pollMs ?? 1_000);
    this.wake();
  }

  /** What the dispatcher hears from the router; returns what stops it hearing. */
  private listen(): () => void {
    const { router, throttle } = this.options;
    const stops = [
      // Every try answered with a Retry-After, as it comes: one whose retry then succeeded still asked the account to be left alone.
      router.on('retry-after', ({ providerId, accountId, retryAfterMs }) => throttle.slowDown(providerId, accountId, retryAfterMs)),
      // A route may have opened: held records go now, not at their next timed try.
      router.on('breaker', ({ state }) => {
        if (state !== 'open') this.routeOpened();
      }),
      router.on('routes-changed', () => this.routeOpened()),
    ];
    return () => stops.forEach((stop) => stop());
  }

  /** A route may have opened: held records go now, and those a unit has go when it ends (see routeOpenings). */
  private routeOpened(): void {
    if (this.holdMs === 0) return;
    this.routeOpenings += 1;
    this.heldRelease.request();
  }

  /**
   * Something was queued: claim now rather than at the next poll. The
   * general lane claims OTPs first, so the OTP lane is needed only when the
   * general one cannot claim now: busy claiming, or all its slots taken.
   */
  wake(): void {
    const generalBusy = this.lanes.general.claiming || this.running.size + this.claims >= this.concurrency - 1;
    this.wakeLane('general');
    if (generalBusy) this.wakeLane('otp');
  }

  private wakeLane(name: Lane): void {
    if (this.stopping) return;
    const lane = this.lanes[name];
    if (lane.claiming) {
      lane.again = true;
      return;
    }
    lane.claiming = true;
    lane.filling = this.fill(name)
      .catch((error: unknown) => this.logger.error({ error: describeError(error) }, 'ledger dispatcher: claiming due records failed; retrying at the next poll'))
      .finally(() => {
        lane.claiming = false;
        if (lane.again) {
          lane.again = false;
          this.wakeLane(name);
        }
      });
  }

  /**
   * Stops claiming and waits for the units in flight, at most `boundMs`.
   * Queued records stay queued for the next start. After the bound a unit
   * still running makes no new try: its records no provider was asked for go
   * back to `queued` (never `failed`), and a call already at a provider is
   * left to the router's close: unknown if its request was written, and back
   * to `queued` if it was still waiting for a connection (its provider says so).
   */
  async stop(boundMs: number): Promise<void> {
    this.stopClaiming();
    await this.settled(boundMs);
    const stopped = new DispatcherStoppedError(`not sent: the dispatcher stopped (its ${boundMs} ms bound passed) before this try`);
    this.tries.abort(stopped);
    this.halt.abort(stopped);
  }

  /**
   * Claims nothing more and starts no try from now on (a shutdown whose
   * requests outlast their bound); the units running end their calls at the
   * providers, write their results (retrying as ever) and queue their untried
   * records again. stop() still follows.
   */
  stopTrying(): void {
    this.stopClaiming();
    this.tries.abort(new DispatcherStoppedError('not sent: the process is shutting down, and no try starts past its requests\' bound'));
  }

  private stopClaiming(): void {
    this.stopping = true;
    clearInterval(this.poll);
    this.poll = undefined;
    this.detach?.();
    this.detach = undefined;
  }

  /**
   * Waits, at most `boundMs`, for the units running and the claims under way
   * (stop() uses it for its bound). After stop() and the router's close: the
   * units stop() left running. The close ended their calls; they now write
   * their results, queue their untried records again and tell their source.
   * A store closed under them leaves those records `dispatching` until a
   * restart (embedded) or their unit's timeout (PostgreSQL).
   */
  async settled(boundMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, boundMs)));
    await Promise.race([Promise.allSettled([...this.running, this.lanes.general.filling, this.lanes.otp.filling]), bound]);
    clearTimeout(timer);
  }

  /** Units in flight (for tests and metrics). */
  get busy(): number {
    return this.running.size;
  }

  /**
   * Claims units while the lane's slots are free and records are due: the
   * general lane all slots but the last, the OTP lane any slot. Each lane
   * claims one unit at a time, and the two at once, so an OTP is claimed
   * while a CAMPAIGN unit's claim (slices of a large one) is under way.
   */
  private async fill(lane: Lane): Promise<void> {
    const slots = lane === 'general' ? this.concurrency - 1 : this.concurrency;
    while (!this.stopping && this.running.size + this.claims < slots) {
      this.claims += 1;
      let unit: DispatchUnit | undefined;
      try {
        unit = await this.options.source.next({ otpOnly: lane === 'otp' });
      } finally {
        this.claims -= 1;
      }
      if (!unit) return;
      // stop() came while this unit was being claimed: it waits only for units already running, so
      // this one is not started — its records go back to the queue, never to a provider after the stop.
      if (this.stopping) {
        await this.handBack(unit);
        return;
      }
      const run: Promise<void> = this.run(unit, lane);
      this.running.add(run);
      void run.finally(() => {
        this.running.delete(run);
        this.wake();
      });
    }
  }

  /** Sends a unit, then tells its source it is done, or hands it back when it could not be finished. */
  private async run(unit: DispatchUnit, lane: Lane): Promise<void> {
    const share = this.budget.open(this.options.router.batchConcurrency, { kept: lane === 'otp' });
    const openings = this.routeOpenings;
    try {
      const sent = await this.send(unit.records, { ...(unit.token === undefined ? {} : { token: unit.token }), ...(unit.texts ? { texts: unit.texts } : {}), limit: share.limit, holds: true });
      // The unit's job is the worker's that took it over: completing or failing it here would end that worker's hold on it.
      if (sent.lost) {
        this.logger.warn({ records: unit.records.length }, 'ledger dispatcher: another worker took this unit over (this one was taken for dead); it is left to that worker');
        return;
      }
      // Records put back in the queue are not done: a shared queue hands the unit out again.
      if (sent.requeued.length > 0) {
        const reason = `${sent.requeued.length} record(s) were not sent (no route was open, the dispatcher stopped, a try was refused, or records beside them were canceled or erased); queued again`;
        const dueAgain = sent.dueAgainAt === undefined ? undefined : new Date(sent.dueAgainAt);
        await (unit.requeued ? unit.requeued(reason) : unit.abandon(reason, dueAgain));
        if (sent.held && this.routeOpenings !== openings) this.heldRelease.request();
      }
      else await unit.settle();
    } catch (error) {
      this.logger.error({ error: describeError(error), records: unit.records.length }, 'ledger dispatcher: a unit failed; its records are released (unknown if a provider may have them, queued again if not)');
      await unit.abandon(describeError(error)).catch((released: unknown) => this.logger.error({ error: describeError(released) }, 'ledger dispatcher: the failed unit could not be released either; its source tries again (the table before its next claim, a shared queue before its next fetch)'));
    } finally {
      share.close();
      unit.done?.();
    }
  }

  /**
   * Puts a unit claimed but never started back in the queue: its records
   * `queued` again, its source told. The source is told even when the
   * records could not be requeued: it releases them its own way.
   */
  private async handBack(unit: DispatchUnit): Promise<void> {
    const ids = unit.records.map((record) => record.id);
    try {
      await this.options.store.requeueUnsent(ids, unit.token).catch((error: unknown) => this.logger.warn({ error: describeError(error), records: ids.length }, 'ledger dispatcher: a unit claimed as the dispatcher stopped could not be queued again; its source releases it'));
      await unit.abandon(`the dispatcher stopped before ${ids.length} record(s) were tried; queued again`);
    } finally {
      unit.done?.();
    }
  }

  /**
   * Sends records that are `dispatching` now and writes each result to its
   * record. Records of one bulk go as one bulk; the others as one batch (the
   * router groups those that share a text). Returns the results by record id;
   * with `options.records`, fills it with the records finished, as written.
   */
  async sendNow(records: readonly MessageRecord[], options: SendNowOptions = {}): Promise<Map<string, SendResult>> {
    return (await this.send(records, options)).results;
  }

  private async send(records: readonly MessageRecord[], options: UnitSendOptions): Promise<UnitSent> {
    const { checked, token, texts, records: written, limit } = options;
    const now = this.clock();
    const results = new Map<string, SendResult>();
    // A caller who waits (a gateway on a shared store) is answered, not held.
    const holding = new Map(options.holds && this.holdMs > 0 ? records.filter((record) => !record.awaited && now < this.holdEnd(record, now)).map((record) => [record.id, record]) : []);
    const singles: { ids: string[]; messages: Message[] } = { ids: [], messages: [] };
    const bulks = new Map<string, { ids: string[]; to: string[]; template: Message }>();
    for (const record of records) {
      const known = checked?.get(record.id);
      const key = record.bulkId ?? record.id;
      const made = known ? checkedMessage(record, known, now) : dispatchableMessage(record, now, record.text ?? texts?.get(key) ?? this.options.texts.get(key));
      if ('refused' in made) {
        results.set(record.id, made.refused);
        continue;
      }
      if (record.bulkId === undefined) {
        singles.ids.push(record.id);
        singles.messages.push(made.message);
        continue;
      }
      let bulk = bulks.get(record.bulkId);
      if (!bulk) bulks.set(record.bulkId, (bulk = { ids: [], to: [], template: made.message }));
      bulk.ids.push(record.id);
      bulk.to.push(record.to);
    }

    const { router } = this.options;
    const refusals: Refusals = { notTried: new Set(), lost: false, withdrawn: new Set() };
    const early = new EarlyResults((batch) => this.writeOnce(batch, token, written), this.options.resultFlushMs ?? RESULT_FLUSH_MS, (error, count) =>
      this.logger.warn({ error: describeError(error), records: count }, 'ledger dispatcher: could not write the results a unit has so far; they are written with the next ones'),
      this.halt.signal,
    );
    const take = (ids: readonly string[], answers: readonly SendResult[]): void => answers.forEach((result, i) => results.set(ids[i]!, result));
    const sends: Promise<void>[] = [];
    if (singles.messages.length === 1) {
      sends.push(router.sendChecked(singles.messages[0]!, this.routeOptions(singles.ids, token, refusals, early, limit, holding)).then((result) => take(singles.ids, [result])));
    } else if (singles.messages.length > 1) {
      sends.push(router.sendBatchChecked(singles.messages, this.routeOptions(singles.ids, token, refusals, early, limit, holding)).then((answers) => take(singles.ids, answers)));
    }
    for (const { ids, to, template } of bulks.values()) {
      const bulk: BulkMessage = { ...template, to };
      sends.push(router.sendBulkChecked(bulk, this.routeOptions(ids, token, refusals, early, limit, holding)).then((answers) => take(ids, answers)));
    }
    // Every send ends before any is judged: a unit released while one of its sends still ran could
    // send twice. The results of those that ended are written; a send that threw is thrown below.
    const thrown = (await Promise.allSettled(sends)).find((end): end is PromiseRejectedResult => end.status === 'rejected');
    const writtenEarly = await early.end();
    // Held for want of a route: queued again below, due a little later. Failed past its hold: it says it was held.
    const holds: Hold[] = [];
    let byId: Map<string, MessageRecord> | undefined;
    const heldAt = this.clock();
    for (const [id, result] of results) {
      if (result.status !== 'failed' || !result.noRoute) continue;
      const record = holding.get(id);
      if (record && result.heldBack) holds.push(this.holdOf(record, result.reason, result.attempts, heldAt));
      else results.set(id, this.heldTooLong((byId ??= new Map(records.map((one) => [one.id, one]))).get(id), result));
    }
    for (const hold of holds) results.delete(hold.id);
    const notSent = this.neverTried(results, [...singles.ids, ...[...bulks.values()].flatMap((bulk) => bulk.ids)], refusals);
    for (const id of notSent) results.delete(id);
    // A canceled record is final already, an erased one gone: its try's other records go back to the queue without it.
    const requeued = notSent.filter((id) => !refusals.withdrawn.has(id));
    const rest = new Map([...results].filter(([id]) => !writtenEarly.written.has(id)));
    const writes = await this.writeResults(rest, token, written);
    // Fewer results written than the unit held: its claim token no longer holds them all, unless those not written
    // were canceled since their claim. (Without a token, a record written twice — an early write cut in slices, one
    // committed and one not — is no sign of a takeover.)
    const missed = [...writtenEarly.missed, ...(writes < rest.size ? [{ ids: [...rest.keys()], count: rest.size - writes }] : [])];
    let lost = refusals.lost || (token !== undefined && (await this.takenOver(missed)));
    // When the unit's first record is due again; none: at once (a stop's, a cancel's try-mates), the source's own retry.
    let dueAgainAt: number | undefined;
    let dueNow = false;
    if (requeued.length > 0 && !lost) {
      const refused = requeued.some((id) => refusals.notTried.has(id));
      if (refused) dueAgainAt = this.clock() + REFUSED_TRY_DELAY_MS;
      else dueNow = true;
      await this.options.store.requeueUnsent(requeued, token, dueAgainAt === undefined ? {} : { notBefore: new Date(dueAgainAt) });
      this.logger.warn({ records: requeued.length }, 'ledger dispatcher: these records were not tried (the dispatcher stopped, the store or throttle could not answer before the try, or records sharing their request were canceled or erased); they are queued again');
      // An OTP a caller waited for came with its text, which this process holds from now on, as for a queued one.
      for (const id of requeued) {
        const known = checked?.get(id);
        if (known?.otp) this.options.texts.set(id, known.text);
      }
    }
    if (holds.length > 0 && !lost) {
      const changed = await this.options.store.holdUnrouted(holds, token);
      // Fewer held than given: another worker took the unit over (or records were canceled or erased meanwhile).
      if (token !== undefined && changed < holds.length) lost = await this.takenOver([{ ids: holds.map((hold) => hold.id), count: holds.length - changed }]);
      const first = holds.filter((hold) => hold.first).length;
      if (first > 0) this.options.observer?.held?.(first);
      const firstDue = Math.min(...holds.map((hold) => hold.dueAt));
      dueAgainAt = dueAgainAt === undefined ? firstDue : Math.min(dueAgainAt, firstDue);
      const fields = { records: holds.length, retryInMs: firstDue - now };
      if (first > 0) this.logger.warn(fields, 'ledger dispatcher: no route is open to these records (an account that could carry them is behind an open breaker, the other providers refuse them or are switched off); held in the queue, tried again later');
      else this.logger.debug(fields, 'ledger dispatcher: still no route open to these held records; tried again later');
      requeued.push(...holds.map((hold) => hold.id));
    }
    // The unit fails: its source releases the records without a result (queued again where no provider was asked), texts
    // kept. Not a lost unit's: its records, and its job, are another worker's now.
    if (thrown && !lost) throw thrown.reason;
    // An OTP's text is dropped once its record is finished (sent, or refused: its validUntil passed); one queued
    // again keeps it here for the next start of this process. A bulk's is the bulk's: dropped once none of its
    // records waits for a send or is on its way (a unit claimed, not yet started, has not read it yet).
    const kept = new Set(requeued);
    for (const record of records) if (record.bulkId === undefined && !kept.has(record.id)) this.options.texts.delete(record.id);
    for (const bulkId of bulks.keys()) if (this.options.texts.has(bulkId)) await this.dropBulkTextWhenSent(bulkId);
    return { results, requeued, lost, held: holds.length > 0, ...(dueAgainAt === undefined || dueNow ? {} : { dueAgainAt }) };
  }

  /**
   * When a record's hold without a route ends: holdWithoutRouteMs after its
   * first hold (`now` for one not held yet) — an OTP's OTP_HOLD_MAX_MS at
   * most, a code being of no use later — or its validUntil if sooner.
   */
  private holdEnd(record: MessageRecord, now: number): number {
    const since = record.heldSince?.getTime() ?? now;
    const end = since + (record.otp ? Math.min(this.holdMs, OTP_HOLD_MAX_MS) : this.holdMs);
    return record.validUntil ? Math.min(end, record.validUntil.getTime()) : end;
  }

  /**
   * A record held for want of a route: its reason says so and until when,
   * and it is tried again after a tenth of the time it has been held — a
   * second at first, at most HOLD_RETRY_MAX_MS — so a breaker that closes
   * soon lets it out soon, and a long outage costs few claims — never past
   * the hold's end, where it fails as its reason said.
   */
  private holdOf(record: MessageRecord, why: string, attempts: readonly Attempt[], now: number): Hold {
    const heldSince = record.heldSince?.getTime() ?? now;
    const end = this.holdEnd(record, now);
    const waitMs = Math.min(HOLD_RETRY_MAX_MS, Math.max(HOLD_RETRY_MIN_MS, Math.round((now - heldSince) / 10_000) * 1_000));
    return {
      id: record.id,
      reason: `${HELD_REASON_PREFIX} (at most until ${new Date(end).toISOString()}): ${why}`,
      attempts: JSON.stringify(attempts),
      // On a whole second (the records of a unit held together are written by one statement), unless the hold ends sooner.
      dueAt: Math.min(Math.ceil((now + waitMs) / 1_000) * 1_000, end),
      heldSince,
      first: record.heldSince === undefined,
    };
  }

  /** A record held before whose hold has ended without a route: failed, saying so. */
  private heldTooLong(record: MessageRecord | undefined, result: SendResult & { status: 'failed' }): SendResult {
    if (record?.heldSince === undefined) return result;
    return { ...result, reason: holdEndedReason(new Date(this.holdEnd(record, record.heldSince.getTime())).toISOString(), result.reason) };
  }

  /**
   * Whether writes that changed fewer records than they were given mean
   * another worker holds the unit now. A record canceled since its claim
   * (every provider skipped it, so no try named one) is not written either,
   * nor one erased meanwhile (gone), and neither says anything of a takeover. If the store cannot tell, the unit is
   * taken as lost: left to its queue's timeout, never finished twice.
   */
  private async takenOver(missed: readonly Missed[]): Promise<boolean> {
    for (const { ids, count } of missed) {
      const withdrawn = await this.options.store.withdrawnAmong(ids).catch(() => []);
      if (count > withdrawn.length) return true;
    }
    return false;
  }

  /** The unit's results are written whatever this finds: a store that cannot answer keeps the text for a later unit. */
  private async dropBulkTextWhenSent(bulkId: string): Promise<void> {
    try {
      if (!(await this.options.store.bulkHasUnsent(bulkId))) this.options.texts.delete(bulkId);
    } catch (error) {
      this.logger.warn({ error: describeError(error), bulkId }, 'ledger dispatcher: could not tell whether an OTP bulk is all sent; its text is kept for now');
    }
  }

  /**
   * The routed records whose result is `failed` without a single try
   * reaching a provider, held back by the dispatcher rather than for their
   * own sake: a try refused because the store or the throttle could not
   * answer (a database blip is no message's failure), or anything held back
   * once stop()'s bound has passed (by the dispatcher or the router closing
   * after it). They go back to the queue.
   */
  private neverTried(results: ReadonlyMap<string, SendResult>, routed: readonly string[], refusals: Refusals): string[] {
    const stopped = this.tries.signal.aborted;
    return routed.filter((id) => {
      const result = results.get(id);
      return (stopped || refusals.notTried.has(id)) && result?.status === 'failed' && result.attempts.every((attempt) => attempt.tries === 0);
    });
  }

  /**
   * Writes the results, retrying for a while when the database cannot take
   * them: the messages are sent, and an answer kept in memory for a minute
   * beats a record left to become `unknown`. Returns how many were written
   * (with a token, only those of records it still holds).
   */
  private async writeResults(results: ReadonlyMap<string, SendResult>, token: string | undefined, written?: Map<string, MessageRecord>): Promise<number> {
    if (results.size === 0) return 0;
    const giveUpAt = this.clock() + (this.options.writeRetryMs ?? 60_000);
    for (let waitMs = 250; ; waitMs = Math.min(waitMs * 2, 5_000)) {
      try {
        return await this.writeOnce(results, token, written);
      } catch (error) {
        if (this.clock() + waitMs > giveUpAt || this.halt.signal.aborted) throw new ResultsNotWrittenError([...results.keys()], error);
        this.logger.warn({ error: describeError(error), records: results.size, retryInMs: waitMs }, 'ledger dispatcher: could not write results; retrying');
        await delay(waitMs, this.halt.signal);
      }
    }
  }

  /** One write of results to their records (see writeResults); with `written`, the records as written go there. */
  private async writeOnce(results: ReadonlyMap<string, SendResult>, token: string | undefined, written?: Map<string, MessageRecord>): Promise<number> {
    const entries = [...results].map(([id, result]) => ({ id, result }));
    const options = { firstReportAfterMs: this.options.firstReportAfterMs ?? FIRST_REPORT_AFTER_MS, ...(token === undefined ? {} : { token }) };
    if (!written) return this.options.store.finishMany(entries, options);
    const finished = await this.options.store.finishManyRecords(entries, options);
    for (const [id, record] of finished) written.set(id, record);
    return finished.size;
  }

  /**
   * Before every try: the account's throttle, then the records say where they
   * are going. A unit whose records another worker has taken over sends
   * nothing more (the router answers "not sent" and its writes change
   * nothing). Each refusal is noted in `refusals`, for send() to tell a
   * record held back from one that failed.
   */
  private routeOptions(ids: readonly string[], token: string | undefined, refusals: Refusals, early: EarlyResults, limit: RequestLimit | undefined, holding: ReadonlyMap<string, MessageRecord>): RouteOptions {
    return {
      ...(limit ? { limit } : {}),
      ...(holding.size > 0 ? { holdsWithoutRoute: (index: number) => holding.has(ids[index]!) } : {}),
      onResult: (index, result) => early.add(ids[index]!, result),
      beforeAttempt: async (target: AttemptTarget) => {
        const targets = target.index.map((i) => ids[i]!);
        try {
          await this.prepareTry(targets, target, token, refusals);
        } catch (error) {
          if (error instanceof UnitLostError) refusals.lost = true;
          else for (const id of targets) refusals.notTried.add(id);
          if (error instanceof WithdrawnBeforeTry) for (const id of error.withdrawn) refusals.withdrawn.add(id);
          throw error;
        }
      },
    };
  }

  private async prepareTry(ids: readonly string[], target: AttemptTarget, token: string | undefined, refusals: Refusals): Promise<void> {
    const { providerId, accountId } = target;
    const { signal } = this.tries;
    const notWithdrawn = async () => {
      const withdrawn = await this.options.store.withdrawnAmong(ids);
      if (withdrawn.length > 0) throw new WithdrawnBeforeTry(withdrawn);
    };
    // Once a unit met a cancel (most likely its bulk's) or an erasure, each of its tries looks before it waits; and every try
    // looks after each second it waited for its account's rate limit. A campaign canceled on a slow account would
    // otherwise sit out the limit for every request it will never send, and the messages behind it with it.
    if (refusals.withdrawn.size > 0) await notWithdrawn();
    // A wait on the throttle ends at stop()'s bound, and no try starts after it. It ends too when the route closes (the
    // provider switched off, its breaker open): the records are marked as for any try, and the router, finding the route
    // closed, walks them on — or, a breaker half-open by then, sends its probe, marked like any request.
    try {
      await this.options.throttle.take(providerId, accountId, ids.length, signal, notWithdrawn, () => target.routeClosing);
    } catch (error) {
      const routeClosed = !signal.aborted && target.routeClosing.aborted && error === target.routeClosing.reason;
      if (!routeClosed) throw error;
    }
    if (signal.aborted) throw signal.reason;
    const changed = await this.options.store.markDispatching(ids, { providerId, accountId }, token);
    if (token !== undefined && changed < ids.length) {
      throw new UnitLostError('not sent: another worker took these records over (this one was taken for dead)');
    }
  }
}

/** Waits `ms`, or less when `signal` aborts first. */
function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}

