import { CompiledQuery, type Kysely } from 'kysely';
import PgBoss from 'pg-boss';
import { silentLogger, type Logger } from '@rota/provider';
import type { LedgerDatabase } from '../database.js';
import { PRIORITY, type Priority } from '../message-record.js';
import type { DispatchQueue, QueuedWork } from '../queue/dispatch-queue.js';
import type { OtpSeal } from '../queue/otp-seal.js';
import { describePostgresError } from './open-postgres-pool.js';
import { channelName, notifyInTransaction } from './postgres-notifications.js';
import type { PostgresConnection } from './postgres-connection.js';
import { QUEUE_NAMES, queueOf, SEALED_TEXT_QUEUES, type QueueName } from './queue-classes.js';
import { setupLocked } from './queue-setup-lock.js';
import { groupBy } from '../group-by.js';

/** A unit's job as pg-boss stores it: the record ids, and an OTP's sealed text. */
export interface UnitJobData {
  ids: string[];
  sealedText?: string;
}

export interface FetchedUnit {
  queue: QueueName;
  jobId: string;
  data: UnitJobData;
  /** 0 the first time pg-boss hands the job out; more after it expired or failed. */
  retryCount: number;
  /** The job's own timeout: the queue's when the job was inserted (any process may have set it since). */
  expireInSeconds: number;
}

/** How soon a renewal that failed (the database away) is tried again, at most. */
const RENEW_RETRY_MS = 5_000;

export interface PgBossQueueOptions {
  connection: PostgresConnection;
  seal: OtpSeal;
  logger?: Logger;
  /**
   * How long one worker may hold a unit before pg-boss hands it to another
   * (the worker is taken for dead). Longer than any send takes: the router's
   * time limits, retries and the account throttle's wait included.
   */
  unitTimeoutSeconds?: number;
  /** How often pg-boss looks for expired units (one process does it per interval). */
  maintenanceSeconds?: number;
  clock?: () => number;
}

/** pg-boss hands out higher priorities first: an OTP bulk's chunks, then NOTIFICATION, then CAMPAIGN (where one queue holds several). */
const bossPriority = (priority: Priority): number => PRIORITY.campaign - priority;

function unitsByQueue(units: FetchedUnit | readonly FetchedUnit[]): Map<QueueName, FetchedUnit[]> {
  return groupBy(Array.isArray(units) ? (units as readonly FetchedUnit[]) : [units as FetchedUnit], (unit) => unit.queue);
}

function byQueue(units: FetchedUnit | readonly FetchedUnit[]): Map<QueueName, string[]> {
  return new Map([...unitsByQueue(units)].map(([queue, group]) => [queue, group.map((unit) => unit.jobId)]));
}

/**
 * The ledger's dispatch queue on PostgreSQL: pg-boss, in the schema
 * `<ledger schema>_queue`, over the store's own connection pool. Units are
 * inserted in the transaction that records their messages, each in the
 * queue of its size class and priority (queue-classes.ts); workers fetch
 * them (each job active in one worker at a time) and complete them once
 * every result is written.
 */
export class PgBossQueue implements DispatchQueue {
  readonly #boss: PgBoss;
  readonly #options: PgBossQueueOptions;
  readonly #logger: Logger;
  readonly #clock: () => number;
  readonly #dispatchChannel: string;

  constructor(options: PgBossQueueOptions) {
    this.#options = options;
    this.#logger = options.logger ?? silentLogger;
    this.#clock = options.clock ?? Date.now;
    const { pool, config } = options.connection;
    this.#dispatchChannel = channelName(config.schema, 'dispatch');
    this.#boss = new PgBoss({
      db: { executeSql: async (text, values) => pool.query(text, values) },
      schema: `${config.schema}_queue`,
      // Every process may supervise: pg-boss lets one of them per interval do it.
      supervise: true,
      maintenanceIntervalSeconds: options.maintenanceSeconds ?? 15,
      schedule: false,
      migrate: true,
      // A completed unit's job (ids, a sealed OTP) is not needed for long.
      archiveCompletedAfterSeconds: 3_600,
      deleteAfterDays: 1,
    });
    this.#boss.on('error', (error: unknown) => this.#logger.warn({ error: describePostgresError(error) }, 'ledger queue (pg-boss): maintenance failed; it runs again at the next interval'));
  }

  /**
   * Creates pg-boss's schema and the queues if missing, and applies the unit
   * timeout to them: one process at a time (setupLocked).
   */
  async start(): Promise<void> {
    await setupLocked(this.#options.connection, () => this.#setUp());
  }

  async #setUp(): Promise<void> {
    await this.#boss.start();
    const settings = {
      policy: 'standard' as const,
      expireInSeconds: this.#options.unitTimeoutSeconds ?? 300,
      // A unit whose worker died is handed out again, as often as it takes: its records are never given up.
      retryLimit: 1_000_000,
      retryDelay: 1,
      retryBackoff: false,
      retentionMinutes: 60 * 24 * 30,
    };
    for (const name of Object.values(QUEUE_NAMES)) {
      await this.#boss.createQueue(name, { name, ...settings });
      await this.#boss.updateQueue(name, { name, ...settings });
    }
  }

  async enqueue(trx: Kysely<LedgerDatabase>, work: readonly QueuedWork[]): Promise<void> {
    if (work.length === 0) return;
    const now = this.#clock();
    const jobs = work.map((unit): PgBoss.JobInsert<UnitJobData> => {
      const data: UnitJobData = { ids: unit.ids };
      if (unit.otpText !== undefined) data.sealedText = this.#options.seal.seal(unit.otpText);
      const job: PgBoss.JobInsert<UnitJobData> = { name: queueOf(unit), data, priority: bossPriority(unit.priority) };
      if (unit.dueAt > now) job.startAfter = new Date(unit.dueAt).toISOString();
      return job;
    });
    await this.#boss.insert(jobs, {
      db: { executeSql: async (text, values) => ({ rows: (await trx.executeQuery(CompiledQuery.raw(text, values))).rows as unknown[] }) },
    });
    await notifyInTransaction(trx, this.#dispatchChannel, [...new Set(jobs.map((job) => job.name))]);
  }

  /** Up to `batchSize` due units of one queue, best priority first, now active for this worker. */
  async fetch(queue: QueueName, batchSize: number): Promise<FetchedUnit[]> {
    const jobs = await this.#boss.fetch<UnitJobData>(queue, { batchSize, priority: true, includeMetadata: true });
    return jobs.map((job) => ({ queue, jobId: job.id, data: job.data, retryCount: job.retryCount, expireInSeconds: Number(job.expireInSeconds) }));
  }

  /**
   * Keeps fetched units active while this worker works them; returns the
   * stop. pg-boss takes an active job for dead once `unitTimeoutSeconds` pass
   * from its start, however alive its worker: a unit of 800 messages at a
   * provider answering in a second outlasts the default 300 s, and another
   * worker took it over, turning everything sent so far `unknown`. Every
   * third of that time the jobs' start moves to now, so the timeout measures
   * a worker's silence, not its unit's length. (pg-boss 10 has no heartbeat
   * of its own: this writes its job table, `started_on` of active jobs.)
   * The period is the jobs' own timeout, not this process's setting: another
   * process may have set the queue's since. A failed renewal is tried again
   * within 5 s.
   */
  keepActive(units: readonly FetchedUnit[]): () => void {
    const everyMs = (Math.min(...units.map((unit) => unit.expireInSeconds)) * 1_000) / 3;
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    const renewIn = (ms: number): void => {
      timer = setTimeout(() => {
        this.#renew(units).then(
          () => !stopped && renewIn(everyMs),
          (error: unknown) => {
            this.#logger.warn({ error: describePostgresError(error), units: units.length }, 'ledger queue (pg-boss): could not renew units in flight; trying again');
            if (!stopped) renewIn(Math.min(everyMs, RENEW_RETRY_MS));
          },
        );
      }, ms);
      timer.unref();
    };
    renewIn(everyMs);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }

  /**
   * Moves the jobs' start to now while they are still this worker's: a job
   * that expired and was handed out again keeps its id, but its retry count
   * moved on with the new fetch, so another worker's hold is never renewed.
   */
  async #renew(units: readonly FetchedUnit[]): Promise<void> {
    const { pool, config } = this.#options.connection;
    for (const [queue, held] of unitsByQueue(units)) {
      await pool.query(
        `update "${config.schema}_queue".job as j set started_on = now() from unnest($2::uuid[], $3::int[]) as h(id, retry_count)
         where j.name = $1 and j.id = h.id and j.retry_count = h.retry_count and j.state = 'active'`,
        [queue, held.map((unit) => unit.jobId), held.map((unit) => unit.retryCount)],
      );
    }
  }

  /**
   * Completes fetched units (one statement a queue). An OTP's sealed text goes with it: pg-boss
   * keeps a completed job an hour, and then its archive copy a day, and the text has no use once sent.
   */
  async complete(units: FetchedUnit | readonly FetchedUnit[]): Promise<void> {
    for (const [queue, ids] of byQueue(units)) await this.#boss.complete(queue, ids);
    const { pool, config } = this.#options.connection;
    // By queue name and id, pg-boss's key: its job table has a partition per queue.
    for (const [queue, done] of unitsByQueue(units)) {
      const ids = done.filter((unit) => unit.data.sealedText !== undefined).map((unit) => unit.jobId);
      if (ids.length === 0) continue;
      await pool
        .query(`update "${config.schema}_queue".job set data = data - 'sealedText' where name = $1 and id = any($2::uuid[]) and data ? 'sealedText'`, [queue, ids])
        // The unit is done either way: a text left behind is sealed, and goes with the job's retention.
        .catch((error: unknown) => this.#logger.warn({ error: describePostgresError(error), units: ids.length }, 'ledger queue (pg-boss): could not take the sealed OTP texts out of completed units; they go with the jobs'));
    }
  }

  /**
   * KVKK erasure, in its transaction (`trx`, the records of `erasedIds` deleted in it): the sealed
   * OTP text of every unit, waiting or done, that named one of them and has no record left. A
   * unit with records left still needs its text (an OTP bulk's other recipients).
   */
  async forgetErasedTexts(trx: Kysely<LedgerDatabase>, erasedIds: readonly string[]): Promise<void> {
    if (erasedIds.length === 0) return;
    const { schema } = this.#options.connection.config;
    // Only the queues that carry texts are read: on `job` a partition each, on `archive` its key's first column.
    for (const table of ['job', 'archive']) {
      await trx.executeQuery(
        CompiledQuery.raw(
          `update "${schema}_queue".${table} as j set data = j.data - 'sealedText'
           where j.name = any($2::text[]) and j.data ? 'sealedText' and (j.data->'ids') ?| $1::text[]
             and not exists (select 1 from messages m where m.id in (select jsonb_array_elements_text(j.data->'ids')))`,
          [erasedIds, SEALED_TEXT_QUEUES],
        ),
      );
    }
  }

  /** Hands fetched units back: pg-boss offers them again after their retry delay. */
  async fail(units: FetchedUnit | readonly FetchedUnit[], reason: string): Promise<void> {
    // pg-boss 10 takes a list of ids with the failure's data (manager.js); its types pair data with one id only.
    const fail = this.#boss.fail.bind(this.#boss) as (name: string, ids: string[], data: object) => Promise<void>;
    for (const [queue, ids] of byQueue(units)) await fail(queue, ids, { reason });
  }

  /**
   * Units handed back (fail) are offered again at `notBefore` rather than
   * after the queue's retry delay: a unit whose records are held for want of
   * a route. (pg-boss 10's fail takes no start time: this writes its job
   * table, `start_after` of jobs waiting to be retried.)
   */
  async postpone(units: readonly FetchedUnit[], notBefore: Date): Promise<void> {
    const { pool, config } = this.#options.connection;
    for (const [queue, ids] of byQueue(units)) {
      await pool.query(`update "${config.schema}_queue".job set start_after = $3 where name = $1 and id = any($2::uuid[]) and state = 'retry'`, [queue, ids, notBefore]);
    }
  }

  /**
   * A route may have opened: units handed back to wait (postpone) are offered
   * now, and the workers told, in the caller's transaction. A job of the
   * `retry` state waits past its one-second retry delay only when postponed:
   * its records held, or a try refused a second ago.
   */
  async wakePostponed(trx: Kysely<LedgerDatabase>): Promise<number> {
    const { config } = this.#options.connection;
    const { rows } = await trx.executeQuery<{ name: string }>(
      CompiledQuery.raw(`update "${config.schema}_queue".job set start_after = now() where state = 'retry' and start_after > now() returning name`, []),
    );
    await notifyInTransaction(trx, this.#dispatchChannel, [...new Set(rows.map((row) => row.name))]);
    return rows.length;
  }

  /** The OTP text a unit carries, or undefined if it carries none (or it does not open with this key). */
  textOf(unit: FetchedUnit): string | undefined {
    return unit.data.sealedText === undefined ? undefined : this.#options.seal.open(unit.data.sealedText);
  }

  /** Jobs waiting (created or retry) and active per queue. */
  async depth(): Promise<Record<QueueName, { queued: number; active: number }>> {
    const result = {} as Record<QueueName, { queued: number; active: number }>;
    for (const name of Object.values(QUEUE_NAMES)) {
      const queued = await this.#boss.getQueueSize(name, { before: 'active' });
      const all = await this.#boss.getQueueSize(name, { before: 'completed' });
      result[name] = { queued, active: all - queued };
    }
    return result;
  }

  /** Stops pg-boss's maintenance; the pool is the store's to close. */
  async stop(): Promise<void> {
    await this.#boss.stop({ graceful: false, close: false, wait: true });
  }
}
