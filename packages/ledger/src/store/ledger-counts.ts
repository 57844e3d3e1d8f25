import type { Kysely } from 'kysely';
import type { LedgerDatabase } from '../database.js';
import type { BulkProgress, LedgerStats } from '../ledger-reports.js';
import { MESSAGE_STATES, PRIORITY, type MessageState } from '../message-record.js';

/*
 * Counts come back as numbers from SQLite and as strings from PostgreSQL
 * (count is bigint there), hence Number() on each.
 */

function countsByState(rows: readonly { state: string; count: number | string | bigint }[]): Record<MessageState, number> {
  const counts = Object.fromEntries(MESSAGE_STATES.map((state) => [state, 0])) as Record<MessageState, number>;
  for (const { state, count } of rows) if (state in counts) counts[state as MessageState] = Number(count);
  return counts;
}

export async function bulkProgress(db: Kysely<LedgerDatabase>, bulkId: string, owner: string | undefined): Promise<BulkProgress | undefined> {
  let select = db.selectFrom('bulks').select(['id', 'count', 'created_at']).where('id', '=', bulkId);
  if (owner !== undefined) select = select.where('owner', '=', owner);
  const bulk = await select.executeTakeFirst();
  if (!bulk) return undefined;
  const rows = await db
    .selectFrom('messages')
    .select(({ fn }) => ['state', fn.countAll<number>().as('count')])
    .where('bulk_id', '=', bulkId)
    .groupBy('state')
    .execute();
  return { bulkId: bulk.id, count: bulk.count, byState: countsByState(rows), createdAt: new Date(bulk.created_at) };
}

export async function ledgerStats(db: Kysely<LedgerDatabase>, now: number): Promise<LedgerStats> {
  const queued = await db
    .selectFrom('messages')
    .select(({ fn }) => ['priority', fn.countAll<number>().as('count')])
    .where('state', '=', 'queued')
    .groupBy('priority')
    .execute();
  const depthOf = (priority: number) => Number(queued.find((row) => row.priority === priority)?.count ?? 0);
  const oldest = await db
    .selectFrom('messages')
    .select(({ fn }) => fn.min('due_at').as('due_at'))
    .where('state', '=', 'queued')
    .where('due_at', '<=', now)
    .executeTakeFirst();
  const byState = await db
    .selectFrom('messages')
    .select(({ fn }) => ['state', fn.countAll<number>().as('count')])
    .groupBy('state')
    .execute();
  const oldestDue = oldest?.due_at === null || oldest?.due_at === undefined ? undefined : Number(oldest.due_at);
  return {
    queueDepth: { otp: depthOf(PRIORITY.otp), notification: depthOf(PRIORITY.notification), campaign: depthOf(PRIORITY.campaign) },
    oldestQueuedAgeMs: oldestDue === undefined ? 0 : now - oldestDue,
    byState: countsByState(byState),
  };
}
