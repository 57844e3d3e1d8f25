import { randomUUID } from 'node:crypto';
import { silentLogger, type Logger } from '@rota/provider';
import type { LedgerStore } from '../ledger-store.js';
import { QUEUE_NAMES, type FetchedUnit, type PgBossQueue, type QueueName } from '../postgres/pg-boss-queue.js';
import type { DispatchSource, DispatchUnit } from './dispatch-source.js';

/**
 * Many workers' queue: pg-boss jobs, each naming the records of one unit.
 * A fetched job is this worker's until it completes it, fails it, or its
 * time runs out (then pg-boss hands it to another worker, which claims the
 * records under a new token: see LedgerStore.claimUnit). OTPs come first;
 * the slot kept for OTPs looks at nothing else.
 */
export class QueueSource implements DispatchSource {
  constructor(
    private readonly store: LedgerStore,
    private readonly queue: PgBossQueue,
    private readonly logger: Logger = silentLogger,
  ) {}

  async next({ otpOnly }: { otpOnly: boolean }): Promise<DispatchUnit | undefined> {
    const queues: QueueName[] = otpOnly ? [QUEUE_NAMES.otp] : [QUEUE_NAMES.otp, QUEUE_NAMES.messages];
    for (const name of queues) {
      for (;;) {
        const [job] = await this.queue.fetch(name, 1);
        if (!job) break;
        const unit = await this.claim(job);
        if (unit) return unit;
      }
    }
    return undefined;
  }

  /** The job's records to send, or undefined (job completed) when none is left to send. */
  private async claim(job: FetchedUnit): Promise<DispatchUnit | undefined> {
    const token = randomUUID();
    let claimed: Awaited<ReturnType<LedgerStore['claimUnit']>>;
    try {
      claimed = await this.store.claimUnit(job.data.ids, token);
    } catch (error) {
      await this.queue.fail(job, `claiming its records failed: ${describe(error)}`).catch(() => undefined);
      throw error;
    }
    if (claimed.interrupted > 0) {
      this.logger.warn(
        { unit: job.jobId, interrupted: claimed.interrupted, retry: job.retryCount },
        'ledger worker: a unit came back from a worker that died or hung mid-send; records it had handed to a provider are now unknown (interrupted) and are not sent again by themselves',
      );
    }
    if (claimed.records.length === 0) {
      await this.queue.complete(job);
      return undefined;
    }
    const texts = new Map<string, string>();
    const text = this.queue.textOf(job);
    if (job.data.sealedText !== undefined && text === undefined) {
      this.logger.error({ unit: job.jobId }, 'ledger worker: an OTP text in the queue did not open: do all gateways and workers use the same store.hashKey?');
    }
    if (text !== undefined) for (const record of claimed.records) texts.set(record.bulkId ?? record.id, text);
    return {
      records: claimed.records,
      token,
      texts,
      settle: () => this.queue.complete(job),
      abandon: (reason) => this.queue.fail(job, reason),
    };
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
