import type { ExpressionBuilder, Kysely } from 'kysely';
import type { LedgerDatabase, MessageRow } from '../database.js';
import { completeBulks } from './bulk-completion.js';
import { writeEvents } from './message-events.js';
import type { Transact } from './transact.js';
import { chunksOf } from './insert-chunks.js';
import { lockForClaim, lockForDecision, MAX_BOUND_PARAMETERS, type SqlDialect } from '../sql-dialect.js';

/*
 * A message taken back before it is sent: `canceled`, a final state, with its
 * timeline step and — where the message has a callback URL — a
 * `message.canceled` webhook, in the transaction that cancels it; a bulk whose
 * last unfinished records these were is completed. A record is cancelable
 * until a try names the provider it goes to: `queued`, or `dispatching` with
 * no provider yet (claimed, waiting for its account's rate limit or its turn
 * in the unit — minutes, for a campaign on a slow account). The UPDATE checks
 * that itself, and markDispatching checks for it in the transaction that names
 * the provider, so a try racing a cancel either names its provider first, and
 * the record is sent, or finds it canceled and is not made: never both.
 */

/** Who asked, for the record's reason and its timeline. */
export type CancelledBy = 'client' | 'operator';

const REASON: Record<CancelledBy, string> = {
  client: 'canceled by its client before it was sent',
  operator: 'canceled by an operator before it was sent',
};

/** The one record, canceled, as written; undefined when it is not cancelable (or not the owner's, or not there). */
export async function cancelMessage(transact: Transact, id: string, owner: string | undefined, by: CancelledBy, now: number): Promise<MessageRow | undefined> {
  return transact(async (trx) => {
    let update = cancelUpdate(trx, by, now).where('id', '=', id);
    if (owner !== undefined) update = update.where('owner', '=', owner);
    const rows = await update.returningAll().execute();
    await announce(trx, rows, by, now);
    return rows[0];
  });
}

/**
 * Up to `limit` of a bulk's cancelable records canceled in one transaction:
 * how many it picked, and how many of those it canceled (fewer where a try
 * named their provider first). On PostgreSQL the pick locks its rows in id
 * order and skips rows another transaction holds (a worker's claim, or a try
 * naming its provider), as claimDue does: a cancel never waits on a
 * dispatcher, nor a dispatcher on it. The caller goes on
 * until a slice picks nothing: a slice that cancels fewer than it asked for
 * says nothing of what is left. Then, `waiting`, it goes over what is left
 * once more, waiting for the rows others hold: a row skipped because a
 * claim held it is cancelable once claimed, and one whose try found a
 * canceled record beside it (and so named no provider) is still cancelable
 * when that try gives up — and would otherwise be queued again and sent.
 */
export async function cancelBulkSlice(
  transact: Transact,
  dialect: SqlDialect,
  bulkId: string,
  by: CancelledBy,
  limit: number,
  now: number,
  waiting = false,
): Promise<{ picked: number; canceled: number }> {
  return transact(async (trx) => {
    const pick = trx.selectFrom('messages').select('id').where('bulk_id', '=', bulkId).where(cancelable).orderBy('id').limit(limit);
    // In id order either way, as readSubjects and markDispatching's updates lock theirs.
    const ids = (await (waiting ? lockForDecision(pick, dialect) : lockForClaim(pick, dialect)).execute()).map((row) => row.id);
    if (ids.length === 0) return { picked: 0, canceled: 0 };
    const rows: MessageRow[] = [];
    for (const chunk of chunksOf(ids, MAX_BOUND_PARAMETERS - 16)) rows.push(...(await cancelUpdate(trx, by, now).where('id', 'in', chunk).returningAll().execute()));
    await announce(trx, rows, by, now);
    return { picked: ids.length, canceled: rows.length };
  });
}

function cancelUpdate(trx: Kysely<LedgerDatabase>, by: CancelledBy, now: number) {
  return trx
    .updateTable('messages')
    .set({ state: 'canceled', reason: REASON[by], claim_token: null, updated_at: now, finished_at: now })
    .where(cancelable);
}

/** Queued, or claimed with no try that names its provider yet. */
function cancelable(eb: ExpressionBuilder<LedgerDatabase, 'messages'>) {
  return eb.or([eb('state', '=', 'queued'), eb.and([eb('state', '=', 'dispatching'), eb('provider_id', 'is', null)])]);
}

/**
 * Of these records, those withdrawn since their claim: canceled, or gone (a
 * number's erasure deletes its records, claimed ones too). Either way no try
 * may send them, and neither says anything of the records beside them.
 */
export async function withdrawnAmong(db: Kysely<LedgerDatabase>, ids: readonly string[]): Promise<string[]> {
  const withdrawn: string[] = [];
  for (const chunk of chunksOf(ids, MAX_BOUND_PARAMETERS - 8)) {
    // The common look (a try waiting on its throttle asks once a second) finds each record there and none canceled: a
    // count says so without reading the rows.
    const { present } = await db.selectFrom('messages').select((eb) => eb.fn.countAll().as('present')).where('id', 'in', chunk).where('state', '!=', 'canceled').executeTakeFirstOrThrow();
    if (Number(present) === chunk.length) continue;
    const states = new Map((await db.selectFrom('messages').select(['id', 'state']).where('id', 'in', chunk).execute()).map((row) => [row.id, row.state]));
    for (const id of chunk) if (states.get(id) === undefined || states.get(id) === 'canceled') withdrawn.push(id);
  }
  return withdrawn;
}

/** A try refused because records of it were canceled or erased after their claim: none of it is sent, the rest goes back to the queue. */
export class WithdrawnBeforeTry extends Error {
  override readonly name = 'WithdrawnBeforeTry';
  constructor(readonly withdrawn: readonly string[]) {
    super(`not sent: ${withdrawn.length} of its message(s) were canceled or erased while they waited for their try`);
  }
}

/** The timeline steps and webhooks of the canceled rows, and their bulks completed where these were the last. */
async function announce(trx: Kysely<LedgerDatabase>, rows: readonly MessageRow[], by: CancelledBy, now: number): Promise<void> {
  if (rows.length === 0) return;
  await writeEvents(
    trx,
    rows.map((row) => ({ subject: row, kind: 'state', state: 'canceled', reason: REASON[by], source: 'cancel', at: now, webhook: 'message.canceled', status: 'canceled' })),
    now,
  );
  await completeBulks(trx, [...new Set(rows.flatMap((row) => (row.bulk_id === null ? [] : [row.bulk_id])))], now);
}
