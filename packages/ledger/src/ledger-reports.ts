import { z } from 'zod';
import { MessageStateSchema } from './message-record.js';

const CountByStateSchema = z.record(MessageStateSchema, z.number().int());

export const BulkProgressSchema = z.object({
  bulkId: z.string(),
  /** Recipients the bulk was created with: `byState` and `erased` add up to it. */
  count: z.number().int(),
  byState: CountByStateSchema,
  /** Records erased since (a number's erasure deletes its records): counted here, in no state. */
  erased: z.number().int(),
  createdAt: z.date(),
});
export type BulkProgress = z.infer<typeof BulkProgressSchema>;

/** The ledger's numbers for metrics. */
export const LedgerStatsSchema = z.object({
  /** Queued records per priority, scheduled ones (sendAt in the future) included. */
  queueDepth: z.object({ otp: z.number().int(), notification: z.number().int(), campaign: z.number().int() }),
  /** How long the longest-waiting due record has been due, or held for want of a route (0 when none is): the dispatcher's lag. */
  oldestQueuedAgeMs: z.number().int(),
  /** Queued records held for want of an open route. */
  held: z.number().int(),
  byState: CountByStateSchema,
});
export type LedgerStats = z.infer<typeof LedgerStatsSchema>;

/**
 * One provider account's final delivery reports since a moment: how many said
 * delivered, of how many final ones (undelivered, rejected, expired and a final
 * unknown count against it). Accounts with none are absent.
 */
export const AccountDeliveriesSchema = z.object({
  providerId: z.string(),
  accountId: z.string(),
  delivered: z.number().int(),
  final: z.number().int(),
});
export type AccountDeliveries = z.infer<typeof AccountDeliveriesSchema>;
