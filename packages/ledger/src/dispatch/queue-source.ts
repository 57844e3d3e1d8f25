import { randomUUID } from 'node:crypto';
import { silentLogger, type Logger } from '@rota/provider';
import type { LedgerStore } from '../ledger-store.js';
import type { FetchedUnit, PgBossQueue } from '../postgres/pg-boss-queue.js';
import { QUEUE_NAMES, QUEUE_ORDER, takesManyJobs, type QueueName } from '../postgres/queue-classes.js';
import { UNIT_SIZE } from '../queue/dispatch-queue.js';
import type { DispatchSource, DispatchUnit } from './dispatch-source.js';
import { describeError } from '../error-text.js';

/**
 * Many workers' queue: pg-boss jobs, each naming the records of one unit or
 * one record. A fetched job is this worker's until it completes it, fails
 * it, or its time runs out: the worker renews it while it works the unit, so
 * only a worker that died or hung lets it run out (then pg-boss hands it to
 * another worker, which claims the records under a new token: see
 * LedgerStore.claimUnit). The
 * queues are asked in QUEUE_ORDER (OTPs, then by priority); the slot kept
 * for OTPs looks at nothing else.
 *
 * Every job of a one-record queue (single OTPs, single messages) is one
 * record, and one unit takes many of those waiting, as the embedded
 * dispatcher's claim takes every due record: taken one a unit, a stream of
 * single messages costs a fetch, a claim and a completion each, and a stream
 * of OTPs queued behind the one slot a CAMPAIGN backlog leaves them, each
 * waiting for the whole unit before it (bench/scale). An OTP unit takes every
 * OTP waiting (up to UNIT_SIZE); a unit of single messages at most
 * `singlesPerUnit`, so that a burst is shared among the workers' slots: one
 * worker that took all 800 waiting left the others idle, and with a slow
 * provider sent them alone. A job of the other queues is a unit as the
 * gateway made it.
 */
export class QueueSource implements DispatchSource {
  private readonly singlesPerUnit: number;
  /**
   * Jobs a failed claim or an abandoned unit could not hand back (the database
   * did not answer that either): handed back before the next fetch. Left as
   * they were, they stayed this worker's, unsent, until their time ran out
   * (`unitTimeoutSeconds`, five minutes by default) after a blip of seconds.
   */
  private readonly unreleased: { jobs: FetchedUnit[]; reason: string }[] = [];

  constructor(
    private readonly store: LedgerStore,
    private readonly queue: PgBossQueue,
    private readonly logger: Logger = silentLogger,
    /** Single messages a unit takes at most (default UNIT_SIZE): the Ledger gives a general slot's part of UNIT_SIZE. */
    options: { singlesPerUnit?: number } = {},
  ) {
    this.singlesPerUnit = Math.min(UNIT_SIZE, Math.max(1, options.singlesPerUnit ?? UNIT_SIZE));
  }

  async next({ otpOnly }: { otpOnly: boolean }): Promise<DispatchUnit | undefined> {
    await this.handBackUnreleased();
    const queues = otpOnly ? [QUEUE_NAMES.otp] : QUEUE_ORDER;
    for (const name of queues) {
      for (;;) {
        const jobs = await this.fetchUnit(name);
        if (jobs.length === 0) break;
        const unit = await this.claim(jobs, name === QUEUE_NAMES.otp);
        if (unit) return unit;
      }
    }
    return undefined;
  }

  /**
   * The jobs of one unit: from the OTP queue every job waiting, up to
   * UNIT_SIZE records; from the single messages' queue up to singlesPerUnit;
   * from the others one job. A job of several records in
   * a one-record queue (an OTP bulk's chunk queued there by an earlier
   * version) never takes a unit past UNIT_SIZE: it is handed back for a later
   * unit.
   */
  private async fetchUnit(name: QueueName): Promise<FetchedUnit[]> {
    if (!takesManyJobs(name)) return this.queue.fetch(name, 1);
    const jobs: FetchedUnit[] = [];
    const over: FetchedUnit[] = [];
    let size = 0;
    for (const job of await this.queue.fetch(name, name === QUEUE_NAMES.singles ? this.singlesPerUnit : UNIT_SIZE)) {
      if (jobs.length > 0 && size + job.data.ids.length > UNIT_SIZE) {
        over.push(job);
        continue;
      }
      jobs.push(job);
      size += job.data.ids.length;
    }
    if (over.length > 0) await this.handBack(over, 'handed back: the unit it was fetched for was full').catch(() => undefined);
    return jobs;
  }

  /** The jobs' records to send as one unit, or undefined (jobs completed) when none is left to send. `otps`: jobs of the OTP queue, OTPs due now. */
  private async claim(jobs: FetchedUnit[], otps: boolean): Promise<DispatchUnit | undefined> {
    const token = randomUUID();
    let claimed: Awaited<ReturnType<LedgerStore['claimUnit']>>;
    try {
      claimed = await this.store.claimUnit(
        jobs.flatMap((job) => job.data.ids),
        token,
        { urgent: otps },
      );
    } catch (error) {
      await this.handBack(jobs, `claiming its records failed: ${describeError(error)}`).catch(() => undefined);
      throw error;
    }
    if (claimed.interrupted > 0) {
      this.logger.warn(
        { units: jobs.map((job) => job.jobId), interrupted: claimed.interrupted, retry: Math.max(...jobs.map((job) => job.retryCount)) },
        'ledger worker: a unit came back from a worker that died or hung mid-send; records it had handed to a provider are now unknown (interrupted) and are not sent again by themselves',
      );
    }
    if (claimed.records.length === 0) {
      await this.queue.complete(jobs);
      return undefined;
    }
    // Each job's OTP text goes with its own records (an OTP's record, or an OTP bulk's by bulk id).
    const textOf = new Map<string, string>();
    const unopened: string[] = [];
    for (const job of jobs) {
      const text = this.queue.textOf(job);
      if (job.data.sealedText !== undefined && text === undefined) unopened.push(job.jobId);
      if (text !== undefined) for (const id of job.data.ids) textOf.set(id, text);
    }
    if (unopened.length > 0) {
      this.logger.error({ units: unopened }, 'ledger worker: an OTP text in the queue did not open: do all gateways and workers use the same store.hashKey?');
    }
    const texts = new Map<string, string>();
    for (const record of claimed.records) {
      const text = textOf.get(record.id);
      if (text !== undefined) texts.set(record.bulkId ?? record.id, text);
    }
    // A live worker keeps its jobs active however long the unit takes; one that dies or hangs stops, and loses them.
    const stopRenewing = this.queue.keepActive(jobs);
    return {
      records: claimed.records,
      token,
      texts,
      settle: () => this.queue.complete(jobs),
      abandon: (reason, notBefore) => this.handBack(jobs, reason, notBefore),
      done: stopRenewing,
    };
  }

  /**
   * Hands jobs back to the queue (offered again after its retry delay, or at
   * `notBefore`); kept to hand back later if the database does not answer.
   */
  private async handBack(jobs: FetchedUnit[], reason: string, notBefore?: Date): Promise<void> {
    try {
      await this.queue.fail(jobs, reason);
    } catch (error) {
      this.unreleased.push({ jobs, reason });
      throw error;
    }
    if (notBefore === undefined) return;
    // Handed back already: a job offered again sooner claims its held records early, finds no route again and holds them again.
    await this.queue
      .postpone(jobs, notBefore)
      .catch((error: unknown) => this.logger.warn({ error: describeError(error), units: jobs.length }, 'ledger worker: could not put back the start of units handed back; they come again after the retry delay'));
  }

  /** The jobs not handed back before, oldest first; stops at the first the database still does not take. */
  private async handBackUnreleased(): Promise<void> {
    while (this.unreleased.length > 0) {
      const { jobs, reason } = this.unreleased[0]!;
      try {
        await this.queue.fail(jobs, reason);
      } catch {
        return;
      }
      this.unreleased.shift();
      this.logger.info({ units: jobs.map((job) => job.jobId) }, 'ledger worker: jobs the database could not take back before are handed back now');
    }
  }
}
