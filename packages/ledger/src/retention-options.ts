import { z } from 'zod';

const DAY_MS = 24 * 60 * 60 * 1_000;
export const DEFAULT_RETENTION_MS = 30 * DAY_MS;
export const DEFAULT_IDEMPOTENCY_RETENTION_MS = 2 * DAY_MS;

export const PruneOptionsSchema = z.strictObject({
  now: z.date(),
  /** Records created longer ago than this are deleted (KVKK: kept no longer than needed). */
  retentionMs: z.number().int().min(0).default(DEFAULT_RETENTION_MS),
  /** Idempotency keys older than this are cleared, so a client may use the key again. */
  idempotencyRetentionMs: z.number().int().min(0).default(DEFAULT_IDEMPOTENCY_RETENTION_MS),
});
export type PruneOptions = z.input<typeof PruneOptionsSchema>;

export const PruneResultSchema = z.object({
  deletedMessages: z.number().int(),
  deletedBulks: z.number().int(),
  clearedIdempotencyKeys: z.number().int(),
});
export type PruneResult = z.infer<typeof PruneResultSchema>;
