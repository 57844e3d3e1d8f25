import type { Kysely } from 'kysely';
import type { z } from 'zod';
import type { LedgerDatabase } from '../database.js';
import type { ListPage, ListQuerySchema } from '../list-query.js';
import { toMessageRecord } from '../message-row.js';

/** The parsed query, its cursor opened to the `seq` it stands for. */
type ParsedListQuery = Omit<z.output<typeof ListQuerySchema>, 'cursor'> & { cursor?: number };

/**
 * One page, newest first (by `seq`, which only grows). One record more than
 * asked for is read to know whether another page follows, so the last page
 * never ends with a cursor to an empty page.
 */
export async function listMessages(db: Kysely<LedgerDatabase>, query: ParsedListQuery, sealCursor: (seq: number) => string): Promise<ListPage> {
  const { owner, state, bulkId, to, createdFrom, createdUntil, limit, cursor } = query;
  let select = db.selectFrom('messages').selectAll();
  if (owner !== undefined) select = select.where('owner', '=', owner);
  if (state !== undefined) select = select.where('state', '=', state);
  if (bulkId !== undefined) select = select.where('bulk_id', '=', bulkId);
  if (to !== undefined) select = select.where('to_number', '=', to);
  if (createdFrom !== undefined) select = select.where('created_at', '>=', createdFrom.getTime());
  if (createdUntil !== undefined) select = select.where('created_at', '<', createdUntil.getTime());
  if (cursor !== undefined) select = select.where('seq', '<', cursor);
  const rows = await select.orderBy('seq', 'desc').limit(limit + 1).execute();

  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { items: page.map(toMessageRecord), ...(rows.length > limit && last ? { nextCursor: sealCursor(last.seq) } : {}) };
}
