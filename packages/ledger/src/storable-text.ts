import { z } from 'zod';

/**
 * A string the ledger writes or looks up. PostgreSQL text cannot hold U+0000
 * (it answers "invalid byte sequence"): refused here, naming the field, on
 * every store alike, rather than by one database as an error.
 */
export const storable = (schema: z.ZodString) => schema.refine((value) => !value.includes('\u0000'), 'must not contain a NUL character (\\u0000)');
