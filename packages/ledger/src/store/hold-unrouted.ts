import { sql, type Kysely } from 'kysely';
import type { LedgerDatabase } from '../database.js';
import { MAX_BOUND_PARAMETERS } from '../sql-dialect.js';
import { BACK_TO_QUEUED } from './dispatch-transitions.js';
import { chunksOf } from './insert-chunks.js';
import { readSubjects, writeEvents, type NewEvent } from './message-events.js';

/*
 * A queued message no route was open to — every provider that could carry it
 * behind an open breaker, or switched off — is held rather than failed: back
 * to `queued`, due again a little later, until a route opens or its hold ends
 * (the dispatcher decides which). A breaker opened by a provider's outage
 * closes again within a minute or two; failing a campaign for it made its
 * client resend every message by hand.
 */

/** A held record's reason begins so (the record stays `queued`: its reason is what says why). */
export const HELD_REASON_PREFIX = 'held until a route opens';

/** Why a held record failed once its hold ended without a route: `ended` says when (and why then), `closedBy` what closed the routes. */
export function holdEndedReason(ended: string, closedBy?: string): string {
  return `not sent: no route opened before its hold ended (${ended})${closedBy === undefined ? '' : ` — ${closedBy}`}`;
}

/** One record to hold: why (its reason while queued), the router's trail, and when it is tried again (ms). */
export interface Hold {
  id: string;
  reason: string;
  /** JSON of the router's attempt trail (every step a skip). */
  attempts: string;
  dueAt: number;
  /** When its first hold began (ms): written on the first, kept on the holds after it. */
  heldSince: number;
  /** Its first hold (the record has no held_since yet): its timeline gets a `held` step (the holds after it change the record only). */
  first: boolean;
}

/**
 * Puts claimed records back in the queue as held; returns how many changed.
 * Only `dispatching` records, and with a unit's `token` only those it holds.
 * Records sharing a reason, trail and due time go in one statement.
 */
export async function holdUnrouted(db: Kysely<LedgerDatabase>, holds: readonly Hold[], now: number, token?: string): Promise<number> {
  const groups = new Map<string, { hold: Hold; ids: string[] }>();
  for (const hold of holds) {
    const key = JSON.stringify([hold.reason, hold.attempts, hold.dueAt, hold.heldSince]);
    const group = groups.get(key);
    if (group) group.ids.push(hold.id);
    else groups.set(key, { hold, ids: [hold.id] });
  }
  let changed = 0;
  await db.transaction().execute(async (trx) => {
    const held = new Set<string>();
    for (const { hold, ids } of groups.values()) {
      for (const chunk of chunksOf(ids, MAX_BOUND_PARAMETERS - 16)) {
        let update = trx
          .updateTable('messages')
          .set({
            ...BACK_TO_QUEUED,
            reason: hold.reason,
            attempts: hold.attempts,
            due_at: hold.dueAt,
            // The first hold's time stays: the hold counts from it.
            held_since: sql<number>`coalesce(held_since, ${hold.heldSince})`,
            updated_at: now,
          })
          .where('state', '=', 'dispatching')
          .where('id', 'in', chunk);
        if (token !== undefined) update = update.where('claim_token', '=', token);
        const rows = await update.returning('id').execute();
        for (const row of rows) held.add(row.id);
      }
    }
    changed = held.size;
    const first = holds.filter((hold) => hold.first && held.has(hold.id));
    if (first.length === 0) return;
    const subjects = await readSubjects(trx, first.map((hold) => hold.id));
    const events = first.flatMap((hold): NewEvent[] => {
      const subject = subjects.get(hold.id);
      return subject ? [{ subject, kind: 'state', state: 'held', reason: hold.reason, source: 'dispatch', at: now, status: 'queued' }] : [];
    });
    await writeEvents(trx, events, now);
  });
  return changed;
}

/**
 * A route may have opened (a breaker half-opened or closed, a provider was
 * switched on): every held record is due now rather than at its next timed
 * try. Returns how many were released.
 */
export async function releaseHeld(db: Kysely<LedgerDatabase>, now: number): Promise<number> {
  const released = await db
    .updateTable('messages')
    .set({ due_at: now })
    // As the partial index messages_held_since says it, so that the planners use it.
    .where(sql<boolean>`state = 'queued' and held_since is not null`)
    .where('due_at', '>', now)
    .executeTakeFirst();
  return Number(released.numUpdatedRows);
}
