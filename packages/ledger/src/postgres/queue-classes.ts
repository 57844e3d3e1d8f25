import { PRIORITY } from '../message-record.js';
import type { QueuedWork } from '../queue/dispatch-queue.js';

/**
 * The ledger's pg-boss queues. A queue holds jobs of one size class, so that
 * a worker knows before it fetches how many of them make a unit:
 *
 * - `rota-otp`: single OTPs, one record a job.
 * - `rota-messages`: units of several records ahead of CAMPAIGN — an OTP
 *   bulk's chunks, then NOTIFICATION units (pg-boss priorities) — and every
 *   job an earlier version queued there (any size up to UNIT_SIZE).
 * - `rota-singles`: NOTIFICATION and CAMPAIGN messages of one record a job
 *   (pg-boss priorities: NOTIFICATION first).
 * - `rota-campaign`: CAMPAIGN units of several records.
 *
 * A job of one record is as cheap to queue as a message alone is; taken one
 * a unit it costs a fetch, a claim and a completion each (bench/scale). So
 * from the one-record queues a unit takes every job waiting, up to
 * UNIT_SIZE records, as the embedded dispatcher's claim takes every due
 * record; from the others one job is one unit, as the gateway made it.
 */
export const QUEUE_NAMES = { otp: 'rota-otp', messages: 'rota-messages', singles: 'rota-singles', campaign: 'rota-campaign' } as const;
export type QueueName = (typeof QUEUE_NAMES)[keyof typeof QUEUE_NAMES];

/**
 * The order a dispatcher slot asks the queues, which keeps the priorities
 * across them: OTPs, an OTP bulk's chunks, NOTIFICATION (units, then single
 * messages), then CAMPAIGN (single messages — fetched behind every
 * NOTIFICATION one waiting — then units). The slot kept for OTPs asks only
 * the first.
 */
export const QUEUE_ORDER: readonly QueueName[] = [QUEUE_NAMES.otp, QUEUE_NAMES.messages, QUEUE_NAMES.singles, QUEUE_NAMES.campaign];

const ONE_RECORD_A_JOB: ReadonlySet<QueueName> = new Set([QUEUE_NAMES.otp, QUEUE_NAMES.singles]);

/** Whether every job of the queue is one record, so one unit takes every job waiting (see QueueSource). */
export function takesManyJobs(name: QueueName): boolean {
  return ONE_RECORD_A_JOB.has(name);
}

/** The queue a unit's job goes to: by its size class, then its priority. */
/** The queues whose jobs may carry an OTP's sealed text (an OTP, an OTP bulk's chunks): the others never do. */
export const SEALED_TEXT_QUEUES: readonly QueueName[] = [QUEUE_NAMES.otp, QUEUE_NAMES.messages];

export function queueOf(unit: Pick<QueuedWork, 'ids' | 'priority'>): QueueName {
  if (unit.ids.length === 1) return unit.priority === PRIORITY.otp ? QUEUE_NAMES.otp : QUEUE_NAMES.singles;
  return unit.priority === PRIORITY.campaign ? QUEUE_NAMES.campaign : QUEUE_NAMES.messages;
}
