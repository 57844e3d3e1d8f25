import { sql, type Kysely } from 'kysely';
import type { LedgerDatabase } from '../database.js';

/** Runs `work` in a write transaction and resolves with its value once the transaction has committed. */
export type Transact = <T>(work: (trx: Kysely<LedgerDatabase>) => Promise<T>) => Promise<T>;

/** A transaction of its own for each call: PostgreSQL, where a pool runs many at once. */
export function transactionEach(db: Kysely<LedgerDatabase>): Transact {
  return (work) => db.transaction().execute(work);
}

interface Job {
  work: (trx: Kysely<LedgerDatabase>) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** Most calls one group commit carries; the rest wait for the next. */
const MAX_GROUP = 256;

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
 */
export class GroupCommit {
  #queue: Job[] = [];
  #scheduled = false;
  #running = false;

  constructor(private readonly db: Kysely<LedgerDatabase>) {}

  readonly transact: Transact = <T>(work: (trx: Kysely<LedgerDatabase>) => Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      this.#queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      this.#schedule();
    });

  #schedule(): void {
    if (this.#scheduled || this.#running || this.#queue.length === 0) return;
    this.#scheduled = true;
    // After the I/O callbacks of this turn: what they asked for goes in one transaction.
    setImmediate(() => {
      this.#scheduled = false;
      this.#running = true;
      void this.#flush(this.#queue.splice(0, MAX_GROUP)).finally(() => {
        this.#running = false;
        this.#schedule();
      });
    });
  }

  async #flush(jobs: Job[]): Promise<void> {
    const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    try {
      await this.db.connection().execute(async (connection) => {
        await sql`begin immediate`.execute(connection);
        try {
          if (jobs.length === 1) {
            // Alone: a failure rolls the whole transaction back, as a transaction of its own would.
            outcomes.push({ ok: true, value: await jobs[0]!.work(connection) });
          } else {
            for (const job of jobs) outcomes.push(await inSavepoint(connection, job));
          }
          await sql`commit`.execute(connection);
        } catch (error) {
          await sql`rollback`.execute(connection).catch(() => undefined);
          throw error;
        }
      });
    } catch (error) {
      // Nothing of this group was committed: every call fails with the reason.
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
