import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { LedgerDatabase } from '../database.js';
import type { MessageState } from '../message-record.js';
import { OWNER_EMPTY } from '../list-query.js';
import { pageLimit } from '../page-limit.js';
import { countsByState, erasedOf } from './ledger-counts.js';

/*
 * The bulks, newest first, each with its recipients counted by state: the
 * operations console's bulk list. Two statements, both portable: a keyset page
 * of `bulks` (created_at, then id, descending), then one grouped count of
 * those bulks' messages. The cursor is the last listed bulk's created_at and
 * id, opaque to callers and checked on the way back in.
 */

export const MAX_BULK_LIST_LIMIT = 100;

const BulkCursorSchema = z.string().transform((cursor, ctx) => {
  const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
  const match = /^([0-9]{1,15}):([A-Za-z0-9_-]{1,100})$/.exec(decoded);
  if (!match || Buffer.from(decoded, 'utf8').toString('base64url') !== cursor) {
    ctx.addIssue({ code: 'custom', message: 'is not a cursor this list gave out' });
    return z.NEVER;
  }
  return { createdAt: Number(match[1]), id: match[2]! };
});

export const BulkListQuerySchema = z.strictObject({
  /** Only this client's bulks; every client's without it (an admin's view). */
  owner: z.string().min(1, OWNER_EMPTY).optional(),
  limit: pageLimit(MAX_BULK_LIST_LIMIT, 20),
  cursor: BulkCursorSchema.optional(),
});
export type BulkListQuery = z.input<typeof BulkListQuerySchema>;

export interface BulkSummary {
  bulkId: string;
  owner: string;
  /** Recipients the bulk was created with. */
  count: number;
  iysType: string;
  createdAt: Date;
  byState: Record<MessageState, number>;
  /** Records erased since (see BulkProgress). */
  erased: number;
}

export interface BulkListPage {
  items: BulkSummary[];
  /** Present when there may be more: pass it as `cursor` for the next page. */
  nextCursor?: string;
}

export async function listBulks(db: Kysely<LedgerDatabase>, query: z.output<typeof BulkListQuerySchema>): Promise<BulkListPage> {
  const { owner, limit, cursor } = query;
  // Not a bulk still being recorded (in slices): it exists once a call has answered 202 for it.
  let select = db.selectFrom('bulks').select(['id', 'owner', 'count', 'iys_type', 'created_at']).where('recording', '=', 0);
  if (owner !== undefined) select = select.where('owner', '=', owner);
  if (cursor !== undefined) {
    select = select.where((eb) =>
      eb.or([eb('created_at', '<', cursor.createdAt), eb.and([eb('created_at', '=', cursor.createdAt), eb('id', '<', cursor.id)])]),
    );
  }
  const rows = await select.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit + 1).execute();
  const page = rows.slice(0, limit);

  const grouped =
    page.length === 0
      ? []
      : await db
          .selectFrom('messages')
          .select(({ fn }) => ['bulk_id', 'state', fn.countAll<number>().as('count')])
          .where('bulk_id', 'in', page.map((row) => row.id))
          .groupBy(['bulk_id', 'state'])
          .execute();
  const byStateOf = (bulkId: string) => countsByState(grouped.filter((row) => row.bulk_id === bulkId));

  const last = page[page.length - 1];
  return {
    items: page.map((row) => {
      const count = Number(row.count);
      const byState = byStateOf(row.id);
      return { bulkId: row.id, owner: row.owner, count, iysType: row.iys_type, createdAt: new Date(Number(row.created_at)), byState, erased: erasedOf(count, byState) };
    }),
    ...(rows.length > limit && last ? { nextCursor: Buffer.from(`${Number(last.created_at)}:${last.id}`, 'utf8').toString('base64url') } : {}),
  };
}
