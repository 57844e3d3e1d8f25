import { z } from 'zod';

/**
 * How many items a list page holds: a number, or a query string's digits.
 * Only digits: Number() would also take `1e2`, `0x10` and ` 5`, which no
 * client means as a page size. One issue however the value is wrong.
 */
export function pageLimit(max: number, fallback: number) {
  const reason = `must be a whole number from 1 to ${max}`;
  return z
    .union([z.number(), z.string().regex(/^[0-9]{1,6}$/).transform(Number)], { error: reason })
    .refine((limit) => Number.isInteger(limit) && limit >= 1 && limit <= max, reason)
    .default(fallback);
}
