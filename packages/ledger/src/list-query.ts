import { inSupportedYears, MISSING_DAY_REASON, PhoneNumberSchema, storable, SUPPORTED_YEARS_REASON, writtenDayExists } from '@rota/provider';
import { z } from 'zod';
import { MessageRecordSchema, MessageStateSchema } from './message-record.js';
import { pageLimit } from './page-limit.js';

/** A cursor is opaque (see ListCursors): the store opens it, and refuses one it did not give out. */
export const CURSOR_REFUSED = 'is not a cursor this list gave out';
const CursorSchema = z.string().max(64, CURSOR_REFUSED);

export const MAX_LIST_LIMIT = 500;

/** `?owner=` is not "every client": that is owner left out. */
export const OWNER_EMPTY = 'must not be empty (leave owner out for every client\'s)';

// A query string's values arrive as text: zod's own words would describe its union, not the input.
const INSTANT_REASON = 'must be an ISO 8601 date and time with its offset (e.g. 2030-01-01T10:00:00Z), or a date (2030-01-01: from midnight UTC)';

/**
 * A bound of the creation-time range: a Date, an ISO 8601 date and time with
 * its offset, or a date alone (midnight UTC, as JavaScript reads one). Not
 * anything JavaScript's Date reads: it took "1" for 2001, "12/7/2026" for
 * 7 December (US order), and a time without an offset in the server's zone.
 * A written calendar date must exist (JavaScript reads 30 February as
 * 2 March), and the year is 2000 to 9999, as a message's dates.
 */
const InstantSchema = z
  .union([z.date(), z.iso.datetime({ offset: true }), z.iso.date()], { error: INSTANT_REASON })
  .transform((value) => (value instanceof Date ? value : new Date(value)))
  .refine(inSupportedYears, SUPPORTED_YEARS_REASON);

const instant = z.preprocess((value, ctx) => {
  if (writtenDayExists(value)) return value;
  ctx.addIssue({ code: 'custom', message: MISSING_DAY_REASON });
  return z.NEVER;
}, InstantSchema);

/**
 * Which records to list, newest first. Without `owner` every client's records
 * are listed (an admin's view). Dates and the limit may be given as strings,
 * as a query string has them; `to` is normalised like a message's `to`.
 */
export const ListQuerySchema = z.strictObject({
  owner: storable(z.string().min(1, OWNER_EMPTY)).optional(),
  state: MessageStateSchema.optional(),
  bulkId: storable(z.string().min(1, "must not be empty (leave bulkId out for every record's)")).optional(),
  to: PhoneNumberSchema.optional(),
  /** Created at or after. */
  createdFrom: instant.optional(),
  /** Created before. */
  createdUntil: instant.optional(),
  limit: pageLimit(MAX_LIST_LIMIT, 50),
  cursor: CursorSchema.optional(),
})
  // An empty range answered as an empty page reads as "no messages then".
  .refine((query) => query.createdFrom === undefined || query.createdUntil === undefined || query.createdUntil > query.createdFrom, {
    path: ['createdUntil'],
    error: 'must be after createdFrom: the range is empty',
  });
export type ListQuery = z.input<typeof ListQuerySchema>;

export const ListPageSchema = z.object({
  items: z.array(MessageRecordSchema),
  /** Present when there may be more: pass it as `cursor` for the next page. */
  nextCursor: z.string().optional(),
});
export type ListPage = z.infer<typeof ListPageSchema>;
