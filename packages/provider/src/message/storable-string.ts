import type { z } from 'zod';

/*
 * Characters no field of a request has a use for, and that a store cannot
 * give back as they were given: U+0000 (PostgreSQL text cannot hold it) and
 * a lone surrogate, half of a UTF-16 pair (UTF-8 cannot encode it: both
 * stores give it back as U+FFFD, so an idempotency key holding one read back
 * as another key, and its retry found no record).
 */

const NUL_REASON = 'must not contain a NUL character (\\u0000)';
const LONE_SURROGATE_REASON = 'must not contain a lone surrogate (half of a UTF-16 pair, \\uD800–\\uDFFF: not valid Unicode)';

/** Why `value` cannot be stored as it is, or undefined. String.prototype.isWellFormed is native (ES2024; Node 20 has it). */
export function unstorableReason(value: string): string | undefined {
  if (value.includes('\u0000')) return NUL_REASON;
  return (value as string & { isWellFormed(): boolean }).isWellFormed() ? undefined : LONE_SURROGATE_REASON;
}

/** `schema`, refusing a string no store gives back as it was given (see unstorableReason), naming the field. */
export function storable<S extends z.ZodString>(schema: S) {
  return schema.superRefine((value, context) => {
    const reason = unstorableReason(value);
    if (reason !== undefined) context.addIssue({ code: 'custom', message: reason });
  });
}
