import { sql, type Kysely } from 'kysely';
import type { LedgerDatabase } from '../database.js';
import type { AccountDeliveries, BulkProgress, LedgerStats } from '../ledger-reports.js';
import { MESSAGE_STATES, PRIORITY, type MessageState } from '../message-record.js';

/*
 * Counts come back as numbers from SQLite and as strings from PostgreSQL
 * (count is bigint there), hence Number() on each.
 */

/** Counts per state, every state present (0 when none). */
export function countsByState(rows: readonly { state: string; count: number | string | bigint }[]): Record<MessageState, number> {
  const counts = Object.fromEntries(MESSAGE_STATES.map((state) => [state, 0])) as Record<MessageState, number>;
  for (const { state, count } of rows) if (state in counts) counts[state as MessageState] = Number(count);
  return counts;
}

/**
 * A bulk's records erased since it was created (a number's erasure deletes its
 * records; the bulk keeps its count): what its counts by state no longer
 * hold, so that they and `erased` add up to `count`.
 */
export function erasedOf(count: number, byState: Record<MessageState, number>): number {
  const left = MESSAGE_STATES.reduce((sum, state) => sum + byState[state], 0);
  return Math.max(0, count - left);
}

export async function bulkProgress(db: Kysely<LedgerDatabase>, bulkId: string, owner: string | undefined): Promise<BulkProgress | undefined> {
  // A bulk still being recorded (in slices) does not exist yet for anyone: no call has answered 202 for it.
  let select = db.selectFrom('bulks').select(['id', 'count', 'created_at']).where('id', '=', bulkId).where('recording', '=', 0);
  if (owner !== undefined) select = select.where('owner', '=', owner);
  const bulk = await select.executeTakeFirst();
  if (!bulk) return undefined;
  const rows = await db
    .selectFrom('messages')
    .select(({ fn }) => ['state', fn.countAll<number>().as('count')])
    .where('bulk_id', '=', bulkId)
    .groupBy('state')
    .execute();
  const byState = countsByState(rows);
  return { bulkId: bulk.id, count: bulk.count, byState, erased: erasedOf(bulk.count, byState), createdAt: new Date(bulk.created_at) };
}

/** Whether any record of the bulk still waits for a send, or is on its way: two seeks of the (bulk_id, state) index. */
export async function bulkHasUnsent(db: Kysely<LedgerDatabase>, bulkId: string): Promise<boolean> {
  const row = await db.selectFrom('messages').select('id').where('bulk_id', '=', bulkId).where('state', 'in', ['queued', 'dispatching']).limit(1).executeTakeFirst();
  return row !== undefined;
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
  // A held record's due_at is its next try: how long it has waited is its first hold's age. Literals, not parameters,
  // so that the planners see the partial index `messages_held_since` applies.
  const held = await db
    .selectFrom('messages')
    .select(({ fn }) => [fn.countAll<number>().as('count'), fn.min('held_since').as('since')])
    .where(sql<boolean>`state = 'queued' and held_since is not null`)
    .executeTakeFirst();
  const byState = await db
    .selectFrom('messages')
    .select(({ fn }) => ['state', fn.countAll<number>().as('count')])
    .groupBy('state')
    .execute();
  const oldestDue = oldest?.due_at === null || oldest?.due_at === undefined ? undefined : Number(oldest.due_at);
  const heldSince = held?.since === null || held?.since === undefined ? undefined : Number(held.since);
  const longest = Math.min(oldestDue ?? now, heldSince ?? now);
  return {
    queueDepth: { otp: depthOf(PRIORITY.otp), notification: depthOf(PRIORITY.notification), campaign: depthOf(PRIORITY.campaign) },
    oldestQueuedAgeMs: Math.max(0, now - longest),
    held: Number(held?.count ?? 0),
    byState: countsByState(byState),
  };
}

/** Final delivery reports dated `since` or later, per provider account (the partial index `messages_final_delivery_at`). */
export async function accountDeliveries(db: Kysely<LedgerDatabase>, since: number): Promise<AccountDeliveries[]> {
  const rows = await db
    .selectFrom('messages')
    .select(({ fn }) => ['provider_id', 'account_id', 'delivery_state', fn.countAll<number>().as('count')])
    // A literal, not a parameter: the planners use a partial index only for a condition they can see implies it.
    .where(sql<boolean>`delivery_final = 1`)
    .where('delivery_at', '>=', since)
    .groupBy(['provider_id', 'account_id', 'delivery_state'])
    .execute();
  const byAccount = new Map<string, AccountDeliveries>();
  for (const row of rows) {
    if (row.provider_id === null || row.account_id === null) continue;
    const key = `${row.provider_id}\u0000${row.account_id}`;
    const entry = byAccount.get(key) ?? { providerId: row.provider_id, accountId: row.account_id, delivered: 0, final: 0 };
    entry.final += Number(row.count);
    if (row.delivery_state === 'delivered') entry.delivered += Number(row.count);
    byAccount.set(key, entry);
  }
  return [...byAccount.values()];
}
