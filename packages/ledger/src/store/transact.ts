import { performance } from 'node:perf_hooks';
import { sql, type Kysely } from 'kysely';
import type { LedgerDatabase } from '../database.js';
import { chunksOf } from './insert-chunks.js';
import { UrgentHolds } from './urgent-holds.js';

/** Runs `work` in a write transaction and resolves with its value once the transaction has committed. */
export type Transact = <T>(work: (trx: Kysely<LedgerDatabase>) => Promise<T>) => Promise<T>;

/** How a store writes: the transaction a call goes in, and how large calls are cut up. */
export interface WritePath {
  /** The most records one transaction of a large call carries now (a claim, a unit's finish); larger calls are cut into slices. */
  readonly slice: number;
  /**
   * The most records of a bulk one transaction carries, whatever the traffic: a bulk's records are made and
   * inserted on the event loop, and 100,000 in one transaction held it ~2 s — a health check, an OTP's request,
   * every other request with it.
   */
  readonly bulkSlice: number;
  /** The transaction for a call that writes `records` records (0: a claim that does not know yet, small). */
  lane(records: number): Transact;
  /**
   * The transaction for a slice of a large call someone is waiting on (a bulk's
   * records: its client waits for the 202): in the small lane, ahead of the
   * dispatcher's work, and counted as small traffic, so that the dispatcher's
   * calls go in slices beside it.
   */
  ahead(): Transact;
  /**
   * The transaction for work no caller waits on (the report collector's and
   * the webhook sender's claims and writes): in the large lane whatever its
   * size, and never counted as small traffic — a sender's idle claim every
   * second, or its last few outcomes, would otherwise keep every large call
   * sliced, and go ahead of an OTP.
   */
  background(): Transact;
  /**
   * OTPs due now hold large calls back until each is finished (or a short
   * while passes): the OTP goes through its claim, mark and send on a free
   * event loop (and, on PostgreSQL, a server not busy with a CAMPAIGN unit's
   * statements). Embedded, a hold begins when the OTP is recorded; on
   * PostgreSQL, when a worker claims it.
   */
  readonly urgent: Pick<UrgentHolds, 'begin' | 'end' | 'active' | 'holds'>;
}

/**
 * Writes `items` a slice of `writes.slice` at a time, each slice a transaction
 * of its own in the lane of the whole call, or in `transact` if given (one
 * slice where the store does not cut calls). Returns each slice's answer, in
 * order.
 */
export async function writeInSlices<T, R>(writes: WritePath, items: readonly T[], write: (transact: Transact, slice: T[]) => Promise<R>, transact = writes.lane(items.length)): Promise<R[]> {
  const answers: R[] = [];
  for (const slice of chunksOf(items, writes.slice)) answers.push(await write(transact, slice));
  return answers;
}

/**
 * A claim of up to `limit` rows a slice at a time, each slice a transaction
 * of its own, until a slice takes fewer rows than it asked for. `claim`
 * returns what it found and how many rows it took (a claim may take rows it
 * does not hand back). When a later slice fails, the earlier ones are
 * committed: `release` is given what they found (best effort) so that the
 * caller, who gets only the error, does not leave them claimed by no one.
 */
export async function claimInSlices<T>(
  writes: WritePath,
  limit: number,
  transact: Transact,
  claim: (transact: Transact, size: number) => Promise<{ found: T[]; taken: number }>,
  release?: (found: T[]) => Promise<unknown>,
): Promise<T[]> {
  const claimed: T[] = [];
  try {
    for (let left = limit; left > 0; ) {
      const size = Math.min(left, writes.slice);
      const { found, taken } = await claim(transact, size);
      claimed.push(...found);
      if (taken < size) break;
      left -= taken;
    }
  } catch (error) {
    if (release && claimed.length > 0) await release(claimed).catch(() => undefined);
    throw error;
  }
  return claimed;
}

/** A call of at most this many records is small: an OTP, a message, a small batch. */
export const SMALL_CALL_RECORDS = 16;

/**
 * The records of one slice on SQLite: ~4–6 ms of work for a claim or a
 * finish (bench/ledger store-calls), where a unit of 800 in one statement held
 * the event loop 35–60 ms, and an OTP waited for several of them.
 */
const SQLITE_SLICE_RECORDS = 100;

/** A bulk's records in one transaction on SQLite: ~20 ms of inserts (ten slices of other calls). */
const SQLITE_BULK_SLICE_RECORDS = 10 * SQLITE_SLICE_RECORDS;

/** Large calls are cut into slices while small calls came this recently. */
const SMALL_CALLS_SEEN_MS = 1_000;

/**
 * SQLite: group commit, small calls ahead of large ones. Large calls are cut
 * into slices of SQLITE_SLICE_RECORDS only while small calls are coming:
 * slices cost a CAMPAIGN unit's dispatch a third to a half more CPU
 * (bench/ledger (c)), and buy latency only for calls that wait behind them
 * (an OTP behind a backlog: p99 ~190 → ~70 ms, bench/ledger (d)).
 */
export function sqliteWritePath(db: Kysely<LedgerDatabase>): WritePath {
  const group = new GroupCommit(db);
  let smallCallAt = Number.NEGATIVE_INFINITY;
  return {
    get slice() {
      return performance.now() - smallCallAt <= SMALL_CALLS_SEEN_MS ? SQLITE_SLICE_RECORDS : Number.POSITIVE_INFINITY;
    },
    bulkSlice: SQLITE_BULK_SLICE_RECORDS,
    lane(records) {
      if (records > SMALL_CALL_RECORDS) return group.transact;
      // A claim that finds nothing (records 0) is no traffic: an idle OTP slot asks on every wake.
      if (records > 0) smallCallAt = performance.now();
      return group.transactSmall;
    },
    ahead() {
      smallCallAt = performance.now();
      return group.transactSmall;
    },
    background: () => group.transact,
    urgent: group.holds,
  };
}

/**
 * PostgreSQL: a transaction of its own for each call (a pool runs many at
 * once, off the event loop), never cut up. A large call — a CAMPAIGN unit's
 * claim, mark and finish, the report collector's and the webhook sender's
 * work — starts only when no OTP this worker claimed is on its way, or once
 * it has waited LARGE_HOLD_MAX_MS.
 */
export function postgresWritePath(db: Kysely<LedgerDatabase>): WritePath {
  const urgent = new UrgentHolds();
  const transact: Transact = (work) => db.transaction().execute(work);
  const large: Transact = async (work) => {
    await urgent.whenClear(LARGE_HOLD_MAX_MS);
    return transact(work);
  };
  return { slice: Number.POSITIVE_INFINITY, bulkSlice: Number.POSITIVE_INFINITY, lane: (records) => (records > SMALL_CALL_RECORDS ? large : transact), ahead: () => transact, background: () => large, urgent };
}

interface Job {
  /** When it was queued (performance.now()). */
  queuedAt: number;
  work: (trx: Kysely<LedgerDatabase>) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** Most calls one group commit carries; the rest wait for the next. */
const MAX_GROUP = 256;

/**
 * After this much work a group takes no further large call: it commits, and
 * the event loop takes a turn (HTTP requests, provider answers, timers)
 * before the next group. SQLite runs on the event loop's thread, and a
 * group's calls run back to back without a turn between them.
 */
const GROUP_BUDGET_MS = 4;

/**
 * A large call waits for urgent holds at most this long: a stream of OTPs
 * slows a CAMPAIGN down, it does not stop it.
 */
const LARGE_HOLD_MAX_MS = 50;

/**
 * Group commit for SQLite, which has one connection and one writer anyway:
 * the write calls made in one turn of the event loop (64 requests in flight
 * each recording a message, marking it, finishing it) run in one transaction,
 * each in a savepoint of its own, instead of a transaction (and a write of the
 * log) each. A call that throws is rolled back to its savepoint alone and
 * rejected; the others go on. Every call is resolved only after the COMMIT,
 * so "durable" means what it meant: a caller answered was committed. The
 * transaction is BEGIN IMMEDIATE: it takes the write lock before it reads, so
 * another process's write can never make it fail half-way (SQLITE_BUSY_SNAPSHOT);
 * it waits for that lock as long as busy_timeout allows.
 *
 * Two lanes: `transactSmall` for calls of a few records (an OTP's claim, a
 * message's record, its finish), `transact` for the rest (a CAMPAIGN unit's
 * slices). A group takes every small call waiting first, then large calls
 * while it is under GROUP_BUDGET_MS (at least one, so a stream of small calls
 * cannot starve them). So behind a backlog a small call waits for at most
 * about one large call, never for a queue of them. While an urgent hold is on
 * (`holds`: an OTP between its record and its finish) no large call starts,
 * unless it has waited LARGE_HOLD_MAX_MS.
 */
export class GroupCommit {
  #small: Job[] = [];
  #large: Job[] = [];
  #scheduled = false;
  #running = false;
  /** Wakes the group when the oldest large call held back may go. */
  #heldTimer: NodeJS.Timeout | undefined;
  readonly holds = new UrgentHolds(() => this.#schedule());

  constructor(private readonly db: Kysely<LedgerDatabase>) {}

  readonly transact: Transact = (work) => this.#enqueue(this.#large, work);
  readonly transactSmall: Transact = (work) => this.#enqueue(this.#small, work);

  #enqueue<T>(lane: Job[], work: (trx: Kysely<LedgerDatabase>) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      lane.push({ queuedAt: performance.now(), work, resolve: resolve as (value: unknown) => void, reject });
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#scheduled || this.#running) return;
    if (this.#small.length === 0 && !this.#largeMayStart()) {
      this.#wakeForHeld();
      return;
    }
    this.#scheduled = true;
    // After the I/O callbacks of this turn: what they asked for goes in one transaction.
    setImmediate(() => {
      this.#scheduled = false;
      this.#running = true;
      void this.#flush().finally(() => {
        this.#running = false;
        this.#schedule();
      });
    });
  }

  /**
   * The next call of this group: small ones first, then large ones — the first
   * whatever the time, later ones only while the group is under its budget.
   */
  #next(group: { size: number; large: number; startedAt: number }): Job | undefined {
    if (group.size >= MAX_GROUP) return undefined;
    let job = this.#small.shift();
    if (!job && (group.large === 0 || performance.now() - group.startedAt < GROUP_BUDGET_MS) && this.#largeMayStart()) {
      job = this.#large.shift();
      if (job) group.large += 1;
    }
    if (job) group.size += 1;
    return job;
  }

  /** Whether the oldest large call may start: there is one, and no urgent hold is on or it has waited long enough. */
  #largeMayStart(): boolean {
    const oldest = this.#large[0];
    return oldest !== undefined && (!this.holds.active || performance.now() - oldest.queuedAt >= LARGE_HOLD_MAX_MS);
  }

  /** Large calls are held back: wake when the oldest has waited long enough (a hold ending wakes the group sooner). */
  #wakeForHeld(): void {
    const oldest = this.#large[0];
    if (!oldest || this.#heldTimer) return;
    this.#heldTimer = setTimeout(
      () => {
        this.#heldTimer = undefined;
        this.#schedule();
      },
      Math.max(0, oldest.queuedAt + LARGE_HOLD_MAX_MS - performance.now()),
    );
  }

  async #flush(): Promise<void> {
    const group = { size: 0, large: 0, startedAt: performance.now() };
    // Alone: a failure rolls the whole transaction back, as a transaction of its own would.
    const alone = this.#small.length + this.#large.length === 1;
    const first = this.#next(group);
    // A hold began between the scheduling and now: nothing may start.
    if (!first) return;
    const jobs = [first];
    const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    let began = false;
    try {
      await this.db.connection().execute(async (connection) => {
        await sql`begin immediate`.execute(connection);
        began = true;
        try {
          outcomes.push(alone ? { ok: true, value: await jobs[0]!.work(connection) } : await inSavepoint(connection, jobs[0]!));
          for (let job = alone ? undefined : this.#next(group); job; job = this.#next(group)) {
            jobs.push(job);
            outcomes.push(await inSavepoint(connection, job));
          }
          await sql`commit`.execute(connection);
        } catch (error) {
          await sql`rollback`.execute(connection).catch(() => undefined);
          throw error;
        }
      });
    } catch (error) {
      // Nothing of this group was committed: every call fails with the reason (and, when the
      // transaction could not even begin, so does every call waiting: the store cannot write).
      if (!began) jobs.push(...this.#small.splice(0), ...this.#large.splice(0));
      for (const job of jobs) job.reject(error);
      return;
    }
    jobs.forEach((job, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) job.resolve(outcome.value);
      else job.reject(outcome.error);
    });
  }
}

/** One call of a group: its work undone on its own if it throws (then the group goes on). */
async function inSavepoint(connection: Kysely<LedgerDatabase>, job: Job): Promise<{ ok: true; value: unknown } | { ok: false; error: unknown }> {
  await sql`savepoint rota_call`.execute(connection);
  try {
    const value = await job.work(connection);
    await sql`release rota_call`.execute(connection);
    return { ok: true, value };
  } catch (error) {
    // If even this fails the transaction is broken: thrown, so the whole group fails.
    await sql`rollback to rota_call`.execute(connection);
    await sql`release rota_call`.execute(connection);
    return { ok: false, error };
  }
}
