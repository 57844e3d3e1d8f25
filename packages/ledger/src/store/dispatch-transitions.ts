import { sql, type Kysely } from 'kysely';
import type { LedgerDatabase } from '../database.js';
import { toMessageRecord } from '../message-row.js';
import type { MessageRecord } from '../message-record.js';
import { lockForClaim, MAX_BOUND_PARAMETERS, recheckClaimed, type SqlDialect } from '../sql-dialect.js';
import { withdrawnAmong, WithdrawnBeforeTry } from './cancel-messages.js';
import { chunksOf } from './insert-chunks.js';
import type { Transact } from './transact.js';

/*
 * The moves of a record on its way to a provider: claimed by a dispatcher,
 * told where it goes, and, after a crash, given up as unknown.
 */

/**
 * The due queued records, best priority first, then oldest due, then oldest
 * recorded, switched to `dispatching` in one statement so that no two claims
 * get the same record. The pick is a materialized CTE the dialect may lock
 * (lockForClaim: FOR UPDATE SKIP LOCKED on PostgreSQL): as a subquery of
 * `id IN (…)`, PostgreSQL may run it again for each row it updates, and with
 * SKIP LOCKED each run finds other rows, so one claim took far more than its
 * limit. On PostgreSQL the outer `state = 'queued'` makes a row another
 * claimer took in between drop out rather than be taken twice (see
 * recheckClaimed for why SQLite leaves it out). RETURNING has no order, so the
 * order is restored here.
 */
export async function claimDue(transact: Transact, dialect: SqlDialect, now: number, limit: number, maxPriority = 2): Promise<MessageRecord[]> {
  const rows = await transact((db) => {
    const update = db
      .with(
        (cte) => cte('picked').materialized(),
        (qb) =>
          lockForClaim(
            qb
              .selectFrom('messages')
              .select('id')
              .where('state', '=', 'queued')
              .where('priority', '<=', maxPriority)
              .where('due_at', '<=', now)
              // Not the records of a bulk still being recorded (in slices: see recordBulk). A literal
              // condition, so that SQLite reads the few such bulks from their partial index.
              .where((eb) => eb.or([eb('bulk_id', 'is', null), eb('bulk_id', 'not in', eb.selectFrom('bulks').select('bulks.id').where(sql<boolean>`recording = 1`))]))
              .orderBy('priority')
              .orderBy('due_at')
              .orderBy('seq')
              .limit(limit),
            dialect,
          ),
      )
      .updateTable('messages')
      .set({ state: 'dispatching', updated_at: now, dispatched_at: now })
      .where('id', 'in', (qb) => qb.selectFrom('picked').select('picked.id'));
    return recheckClaimed(update, dialect).returningAll().execute();
  });
  rows.sort((a, b) => a.priority - b.priority || a.due_at - b.due_at || a.seq - b.seq);
  return rows.map(toMessageRecord);
}

/**
 * Before a request is written to a provider, the records say where it goes,
 * so a record left `unknown` by a crash still names the provider to ask.
 * Only records in `dispatching` change — and, given a unit's `token`, only
 * those that unit still holds; returns how many changed. A record canceled
 * since its claim (it was waiting for its turn: cancelMessage takes a claimed
 * record no try has named a provider for), or erased (its number's erasure
 * deleted it), refuses the whole try: the marks are rolled back and
 * WithdrawnBeforeTry names those records, so that nothing canceled or erased
 * is sent and the rest of the try goes back to the queue. (An erased record
 * was taken for a sign of another worker's takeover: the rest of its request,
 * other clients' messages too, failed unsent.)
 */
export async function markDispatching(
  transact: Transact,
  ids: readonly string[],
  target: { providerId: string; accountId: string },
  now: number,
  token?: string,
): Promise<number> {
  let changed = 0;
  await transact(async (trx) => {
    changed = 0; // a transaction tried again starts over
    for (const chunk of chunksOf(ids, MAX_BOUND_PARAMETERS - 8)) {
      let update = trx
        .updateTable('messages')
        .set({ provider_id: target.providerId, account_id: target.accountId, updated_at: now })
        .where('state', '=', 'dispatching')
        .where('id', 'in', chunk);
      if (token !== undefined) update = update.where('claim_token', '=', token);
      changed += Number((await update.executeTakeFirst()).numUpdatedRows);
    }
    // Only when some did not change: the common try pays nothing for it.
    if (changed < ids.length) {
      const withdrawn = await withdrawnAmong(trx, ids);
      if (withdrawn.length > 0) throw new WithdrawnBeforeTry(withdrawn);
    }
  });
  return changed;
}

/** A claimed record put back in the queue unsent: queued, its claim and the provider a skipped try named forgotten. */
export const BACK_TO_QUEUED = { state: 'queued', provider_id: null, account_id: null, claim_token: null, dispatched_at: null } as const;

/**
 * Claimed records that no provider was asked for (the dispatcher stopped, or
 * the router closed, before their try): back to `queued`, as if never
 * claimed, for the next dispatcher — never `failed`, since nothing was tried.
 * The provider a skipped try named is forgotten with the claim. Only records
 * still `dispatching` (and, given a unit's `token`, still that unit's) change;
 * with `dueAt`, they are due again then, not at once. Returns how many changed.
 */
export async function requeueUnsent(db: Kysely<LedgerDatabase>, ids: readonly string[], now: number, token?: string, dueAt?: number): Promise<number> {
  let changed = 0;
  await db.transaction().execute(async (trx) => {
    for (const chunk of chunksOf(ids, MAX_BOUND_PARAMETERS - 8)) {
      let update = trx
        .updateTable('messages')
        .set({ ...BACK_TO_QUEUED, updated_at: now, ...(dueAt === undefined ? {} : { due_at: dueAt }) })
        .where('state', '=', 'dispatching')
        .where('id', 'in', chunk);
      if (token !== undefined) update = update.where('claim_token', '=', token);
      changed += Number((await update.executeTakeFirst()).numUpdatedRows);
    }
  });
  return changed;
}

/** What claiming a queued unit found: records to send now, and records an earlier holder of the unit may have sent. */
export interface ClaimedUnit {
  records: MessageRecord[];
  interrupted: { id: string; to: string; providerId: string; accountId: string }[];
}

/**
 * A dispatch unit from a shared queue (pg-boss), claimed by one worker under
 * `token`. Its queued records become `dispatching`. A unit handed out again
 * (its first holder's job expired: that worker died or hung) may hold
 * records in `dispatching` already: one that names no provider never
 * reached one, and is taken over (the old holder's writes name the old token
 * and now change nothing); one that names a provider may have been sent, so
 * the caller finishes it as unknown. Finished records are left alone.
 */
export async function claimUnit(transact: Transact, ids: readonly string[], token: string, now: number): Promise<ClaimedUnit> {
  return transact(async (trx) => {
    const queued = await trx
      .updateTable('messages')
      .set({ state: 'dispatching', claim_token: token, updated_at: now, dispatched_at: now })
      .where('state', '=', 'queued')
      .where('id', 'in', ids)
      .returningAll()
      .execute();
    // Every record was queued: none is left for an earlier holder (the usual case; the two look-ups cost a worker's unit a sixth of its statement time, bench/scale).
    if (queued.length === new Set(ids).size) return { records: queued.sort((a, b) => a.seq - b.seq).map(toMessageRecord), interrupted: [] };
    const takenOver = await trx
      .updateTable('messages')
      .set({ claim_token: token, updated_at: now })
      .where('state', '=', 'dispatching')
      .where('provider_id', 'is', null)
      .where('id', 'in', ids)
      .where((eb) => eb.or([eb('claim_token', 'is', null), eb('claim_token', '!=', token)]))
      .returningAll()
      .execute();
    const interrupted = await trx
      .selectFrom('messages')
      .select(['id', 'to_number', 'provider_id', 'account_id'])
      .where('state', '=', 'dispatching')
      .where('provider_id', 'is not', null)
      .where('id', 'in', ids)
      .where((eb) => eb.or([eb('claim_token', 'is', null), eb('claim_token', '!=', token)]))
      .execute();
    const rows = [...queued, ...takenOver].sort((a, b) => a.seq - b.seq);
    return {
      records: rows.map(toMessageRecord),
      interrupted: interrupted.map((row) => ({ id: row.id, to: row.to_number, providerId: row.provider_id!, accountId: row.account_id ?? 'none' })),
    };
  });
}

/**
 * At start, no send is in flight, so every `dispatching` record was
 * interrupted. One that names a provider (markDispatching runs before a
 * request is written) may have been taken by it: it becomes `unknown`, never
 * `queued` again, because a duplicate SMS is worse than an honest "unknown".
 * One that names none never reached a provider (claimed, then waiting its
 * turn): it goes back to the queue. Returns how many of each. With `ids`,
 * only those records: a send this process gave up on while it runs on.
 */
export async function recoverInterrupted(
  db: Kysely<LedgerDatabase>,
  now: number,
  ids?: readonly string[],
): Promise<{ requeued: number; interrupted: { id: string; to: string; providerId: string; accountId: string }[] }> {
  return db.transaction().execute(async (trx) => {
    let requeued = 0;
    const interrupted: { id: string; to: string; providerId: string; accountId: string }[] = [];
    for (const chunk of ids ? chunksOf(ids, MAX_BOUND_PARAMETERS - 8) : [undefined]) {
      const unsent = trx.updateTable('messages').set({ state: 'queued', updated_at: now, dispatched_at: null }).where('state', '=', 'dispatching').where('provider_id', 'is', null);
      requeued += Number((await (chunk ? unsent.where('id', 'in', chunk) : unsent).executeTakeFirst()).numUpdatedRows);
      // The caller finishes these as unknown, so they get their timeline steps and webhooks like any other finish.
      const named = trx.selectFrom('messages').select(['id', 'to_number', 'provider_id', 'account_id']).where('state', '=', 'dispatching');
      for (const row of await (chunk ? named.where('id', 'in', chunk) : named).execute()) {
        interrupted.push({ id: row.id, to: row.to_number, providerId: row.provider_id ?? 'none', accountId: row.account_id ?? 'none' });
      }
    }
    return { requeued, interrupted };
  });
}
