import { unstorableReason } from '@rota/provider';
import { z } from 'zod';

/**
 * A string the ledger writes or looks up, refused here, naming the field, on
 * every store alike, when a store cannot give it back as it was given (a NUL,
 * a lone surrogate: see @rota/provider's unstorableReason) — rather than by
 * one database as an error, or by a lookup that finds nothing.
 */
export const storable = (schema: z.ZodString) =>
  schema.superRefine((value, context) => {
    const reason = unstorableReason(value);
    if (reason !== undefined) context.addIssue({ code: 'custom', message: reason });
  });
