import { z } from 'zod';
import { PrioritySchema } from './message-record.js';

/** A claim is one statement over the due records; a dispatcher asks for what it can send soon, not for the whole queue. */
export const ClaimOptionsSchema = z.strictObject({
  now: z.date(),
  limit: z.number().int().min(1).max(10_000),
  /** Only records of this priority or better (lower): a dispatcher keeps a slot for OTPs this way. */
  maxPriority: PrioritySchema.optional(),
});
export type ClaimOptions = z.input<typeof ClaimOptionsSchema>;
