import { sql, type ExpressionBuilder, type Kysely } from 'kysely';
import type { LedgerDatabase } from '../database.js';
import { lockForClaim, MAX_BOUND_PARAMETERS, type SqlDialect } from '../sql-dialect.js';
import { chunksOf } from './insert-chunks.js';
import type { Transact } from './transact.js';

/*
 * The webhook outbox, worked through by the webhook sender: a due event is
 * leased to one sender, then settled — delivered, tried again later, given
 * up (dead), or held because its receiver answered 410 and is off until an
 * operator turns it back on.
 */

export interface DueWebhook {
  id: string;
  owner: string;
  url: string;
  /** Its receiver, as the sender's cap on deliveries at once counts them: its client's, at its origin (see webhookReceiver). */
  receiver: string;
  type: string;
  payload: string;
  attempts: number;
  createdAt: number;
  /** Where its retry window starts: its creation, or an operator's redelivery or re-enabling since. */
  retryFrom: number;
}

/**
 * The receiver a webhook goes to, as the sender shares its deliveries out: a
 * client's, at the URL's origin (`https://hooks.example acme`; an origin holds
 * no space). A client naming a path per message still has one receiver, and
 * one cap on the deliveries it gets at once. Two clients whose receivers sit on one host (a shared relay, an
 * integration platform) are two receivers: one's backlog or hanging endpoint
 * neither takes the other's slots nor stands before its events. Kept in the
 * outbox's `receiver_host`; a row written before this kept the origin alone,
 * and is one receiver of its own (a row written before 0009 has '' and gets
 * its receiver here when claimed).
 */
export function webhookReceiver(owner: string, url: string): string {
  return `${URL.canParse(url) ? new URL(url).origin : url} ${owner}`;
}

/** What a claim asks for: up to `limit` events due by `now`, none to the `skipReceivers`. */
export interface WebhookClaim {
  now: number;
  limit: number;
  leaseMs: number;
  /** Receivers (webhookReceiver) the sender has at their cap: their events could not start, and would stand in others' way. */
  skipReceivers: readonly string[];
}

/** Up to `limit` due events, oldest due first, leased for `leaseMs` so no other sender takes them meanwhile. */
export async function claimWebhooks(transact: Transact, dialect: SqlDialect, claim: WebhookClaim): Promise<DueWebhook[]> {
  const { now, limit, leaseMs, skipReceivers } = claim;
  return transact(async (trx) => {
    // Locked until the lease is written (PostgreSQL): another worker's claim skips these events instead of sending them too.
    const rows = skipReceivers.length === 0 ? await lockForClaim(dueEventsQuery(trx, dialect, now, limit), dialect).execute() : await dueEventsPassingOver(trx, dialect, now, limit, skipReceivers);
    if (rows.length === 0) return [];
    await trx
      .updateTable('webhook_outbox')
      .set({ due_at: now + leaseMs, leased_until: now + leaseMs })
      .where(
        'id',
        'in',
        rows.map((row) => row.id),
      )
      .execute();
    return rows.map((row) => ({
      id: row.id,
      owner: row.owner,
      url: row.url,
      receiver: row.receiver_host || webhookReceiver(row.owner, row.url),
      type: row.type,
      payload: row.payload,
      attempts: row.attempts,
      createdAt: row.created_at,
      retryFrom: row.retry_from ?? row.created_at,
    }));
  });
}

/** The columns a claim reads of an event (its due time: a claim receiver by receiver merges them in due order). */
const CLAIMED_COLUMNS = ['id', 'owner', 'url', 'receiver_host', 'type', 'payload', 'attempts', 'created_at', 'retry_from', 'due_at'] as const;

/** Which due events a read takes: all, all but some receivers', or one receiver's. */
type DueFilter = { skip?: readonly string[]; receiver?: string };

/** Up to `limit` due events, oldest due first, as `filter` narrows them. */
function dueEventsQuery(trx: Kysely<LedgerDatabase>, dialect: SqlDialect, now: number, limit: number, filter: DueFilter = {}) {
  let pick = trx
    .selectFrom('webhook_outbox')
    .select(CLAIMED_COLUMNS)
    .where(filter.receiver === undefined ? sql<boolean>`state = ${'pending'}` : pendingByReceiver(dialect))
    .where('due_at', '<=', now)
    // Never to a receiver switched off after a 410: a redelivery that raced the switch on PostgreSQL (it could not
    // see the switch's uncommitted row) left its event pending; it goes once an operator turns the receiver back on.
    .where((where) => where.not(receiverSwitchedOff(where)))
    .orderBy('due_at')
    .limit(limit);
  if (filter.skip !== undefined && filter.skip.length > 0) pick = pick.where('receiver_host', 'not in', filter.skip);
  if (filter.receiver !== undefined) pick = pick.where('receiver_host', '=', filter.receiver);
  return pick;
}

/**
 * Receivers with pending events, at most this many, for a claim that passes
 * over some: above it, a read a receiver would cost more than reading past the
 * passed-over events.
 */
const MOST_RECEIVERS_ONE_BY_ONE = 64;

/**
 * Up to `limit` due events of every receiver but `skipReceivers`, oldest due
 * first, locked (PostgreSQL). Read in due order, a claim reads past every due
 * event of the receivers it passes over — a hanging receiver's backlog, a
 * million events, 290 ms on SQLite, every time. Instead, the receivers with
 * pending events are listed by skipping through the index of pending events
 * by receiver, one step a receiver (a loose index scan); each other
 * receiver's oldest due events are read from that index, in one statement,
 * and the oldest `limit` of them are then taken (and locked: only those, not
 * every receiver's candidates). The passed-over receivers' events are not
 * read at all. An event another worker took meanwhile is skipped, so such a
 * claim may come back short. Events written before migration 0009 have no
 * receiver (''), and are read as one more.
 */
async function dueEventsPassingOver(trx: Kysely<LedgerDatabase>, dialect: SqlDialect, now: number, limit: number, skipReceivers: readonly string[]) {
  const receivers = await receiversWithPendingEvents(trx, dialect, MOST_RECEIVERS_ONE_BY_ONE + 1);
  if (receivers.length > MOST_RECEIVERS_ONE_BY_ONE) return lockForClaim(dueEventsQuery(trx, dialect, now, limit, { skip: skipReceivers }), dialect).execute();
  const skipped = new Set(skipReceivers);
  const perReceiver = receivers.filter((receiver) => !skipped.has(receiver)).map((receiver, i) => trx.selectFrom(dueEventsQuery(trx, dialect, now, limit, { receiver }).as(`r${i}`)).select(['id', 'due_at']));
  if (perReceiver.length === 0) return [];
  const union = perReceiver.slice(1).reduce((all, next) => all.unionAll(next), perReceiver[0]!);
  const oldest = await trx.selectFrom(union.as('due')).select('id').orderBy('due_at').orderBy('id').limit(limit).execute();
  if (oldest.length === 0) return [];
  // Found by their key alone, and checked here: with the state and due time in the query, both planners took the
  // due-time index for 64 ids, and read every due event of the passed-over receivers in it (1.5 s on PostgreSQL at 200,000).
  const taken = await lockForClaim(
    trx
      .selectFrom('webhook_outbox')
      .select([...CLAIMED_COLUMNS, 'state'])
      .where(
        'id',
        'in',
        oldest.map((row) => row.id),
      )
      .where((where) => where.not(receiverSwitchedOff(where))),
    dialect,
  ).execute();
  // Another worker may have leased one meanwhile (PostgreSQL): its due time has moved on.
  return taken.filter((row) => row.state === 'pending' && row.due_at <= now).sort((a, b) => a.due_at - b.due_at || (a.id < b.id ? -1 : 1));
}

/** The receivers with pending events ('' among them for events without one), at most `most`: one index step each. */
async function receiversWithPendingEvents(trx: Kysely<LedgerDatabase>, dialect: SqlDialect, most: number): Promise<string[]> {
  const pending = pendingByReceiver(dialect);
  const { rows } = await sql<{ receiver: string }>`
    with recursive receivers(receiver, n) as (
      select (select receiver_host from webhook_outbox where ${pending} order by receiver_host limit 1), 1
      union all
      select (select receiver_host from webhook_outbox where ${pending} and receiver_host > receivers.receiver order by receiver_host limit 1), n + 1
      from receivers where receivers.receiver is not null and n < ${most}
    )
    select receiver from receivers where receiver is not null`.execute(trx);
  return rows.map((row) => row.receiver);
}

/**
 * "Pending", for the reads through the index of pending events by receiver: a
 * literal, since a partial index's condition is matched against the query's
 * text, not a bound value; on SQLite marked likely, or its planner, without
 * statistics, took the (state, due_at) index for it and read every pending
 * event.
 */
function pendingByReceiver(dialect: SqlDialect) {
  return dialect === 'sqlite' ? sql<boolean>`likely(state = 'pending')` : sql<boolean>`state = 'pending'`;
}

/** Whether the outbox row's receiver is switched off after a 410 (a row of webhook_endpoints with its url). */
function receiverSwitchedOff(where: ExpressionBuilder<LedgerDatabase, 'webhook_outbox'>) {
  return where.exists(
    where.selectFrom('webhook_endpoints').select('webhook_endpoints.url').whereRef('webhook_endpoints.url', '=', 'webhook_outbox.url').where('webhook_endpoints.disabled_at', 'is not', null),
  );
}

/** What became of one delivery. */
export type WebhookSettlement =
  | { kind: 'delivered'; status: number }
  | { kind: 'retry'; dueAt: number; status?: number; error: string }
  | { kind: 'dead'; status?: number; error: string }
  /** The receiver answered 410: it is switched off, and every event waiting for it is held. */
  | { kind: 'gone'; status: number; error: string }
  /** Not tried (its receiver's circuit is open, or its client has no signing secret: `error` says so): due again later, no attempt counted. */
  | { kind: 'postpone'; dueAt: number; error?: string };

/**
 * Writes what became of deliveries in one transaction: a transaction per
 * delivery cost more than the delivery itself (bench/reports). Deliveries
 * that succeeded with one status — nearly all of them — are one statement;
 * each other outcome is written in the order given.
 */
export async function settleWebhooks(transact: Transact, settled: readonly { id: string; settlement: WebhookSettlement }[], now: number): Promise<void> {
  if (settled.length === 0) return;
  const delivered = new Map<number, string[]>();
  const others: { id: string; settlement: WebhookSettlement }[] = [];
  for (const item of settled) {
    if (item.settlement.kind !== 'delivered') others.push(item);
    else if (delivered.has(item.settlement.status)) delivered.get(item.settlement.status)!.push(item.id);
    else delivered.set(item.settlement.status, [item.id]);
  }
  await transact(async (trx) => {
    for (const [status, ids] of delivered) {
      for (const chunk of chunksOf(ids, MAX_BOUND_PARAMETERS - 8)) {
        await trx
          .updateTable('webhook_outbox')
          .set({ state: 'delivered', attempts: sql<number>`attempts + 1`, last_status: status, last_error: null, delivered_at: now, updated_at: now, leased_until: null })
          .where('id', 'in', chunk)
          .execute();
      }
    }
    for (const { id, settlement } of others) await settleOne(trx, id, settlement, now);
  });
}

async function settleOne(trx: Kysely<LedgerDatabase>, id: string, settlement: WebhookSettlement, now: number): Promise<void> {
  const attempts = sql<number>`attempts + 1`;
  switch (settlement.kind) {
    case 'postpone':
      await trx
        .updateTable('webhook_outbox')
        .set({ due_at: settlement.dueAt, updated_at: now, leased_until: null, ...(settlement.error === undefined ? {} : { last_error: settlement.error }) })
        .where('id', '=', id)
        .where('state', '=', 'pending')
        .execute();
      return;
    case 'delivered':
      return; // written together, in settleWebhooks
    case 'retry':
      await trx
        .updateTable('webhook_outbox')
        .set({ attempts, due_at: settlement.dueAt, last_status: settlement.status ?? null, last_error: settlement.error, updated_at: now, leased_until: null })
        .where('id', '=', id)
        .where('state', '=', 'pending')
        .execute();
      return;
    case 'dead':
      await trx.updateTable('webhook_outbox').set({ state: 'dead', attempts, last_status: settlement.status ?? null, last_error: settlement.error, updated_at: now, leased_until: null }).where('id', '=', id).execute();
      return;
    case 'gone': {
      const row = await trx.selectFrom('webhook_outbox').select('url').where('id', '=', id).executeTakeFirst();
      if (!row) return;
      await trx.updateTable('webhook_outbox').set({ state: 'held', attempts, last_status: settlement.status, last_error: settlement.error, updated_at: now, leased_until: null }).where('id', '=', id).execute();
      await trx
        .insertInto('webhook_endpoints')
        .values({ url: row.url, disabled_at: now, disabled_reason: settlement.error })
        .onConflict((conflict) => conflict.column('url').doUpdateSet({ disabled_at: now, disabled_reason: settlement.error }))
        .execute();
      await trx.updateTable('webhook_outbox').set({ state: 'held', updated_at: now }).where('url', '=', row.url).where('state', '=', 'pending').execute();
    }
  }
}

/** Receivers switched off after a 410, with how many events wait for each. */
export async function disabledEndpoints(db: Kysely<LedgerDatabase>): Promise<{ url: string; disabledAt: number; reason: string | null; held: number }[]> {
  const rows = await db
    .selectFrom('webhook_endpoints')
    .leftJoin('webhook_outbox', (join) => join.onRef('webhook_outbox.url', '=', 'webhook_endpoints.url').on('webhook_outbox.state', '=', 'held'))
    .select(['webhook_endpoints.url', 'webhook_endpoints.disabled_at', 'webhook_endpoints.disabled_reason', ({ fn }) => fn.count<number>('webhook_outbox.id').as('held')])
    .where('webhook_endpoints.disabled_at', 'is not', null)
    .groupBy(['webhook_endpoints.url', 'webhook_endpoints.disabled_at', 'webhook_endpoints.disabled_reason'])
    .execute();
  return rows.map((row) => ({ url: row.url, disabledAt: row.disabled_at!, reason: row.disabled_reason, held: Number(row.held) }));
}

/**
 * An operator turns a receiver back on: its held events are due now, with
 * tries and 24 h of retries afresh. Returns how many were released, or
 * undefined when the URL is not switched off (a typo changes nothing).
 */
export async function enableEndpoint(db: Kysely<LedgerDatabase>, url: string, now: number): Promise<number | undefined> {
  return db.transaction().execute(async (trx) => {
    const removed = await trx.deleteFrom('webhook_endpoints').where('url', '=', url).where('disabled_at', 'is not', null).executeTakeFirst();
    if (Number(removed.numDeletedRows) === 0) return undefined;
    const released = await trx.updateTable('webhook_outbox').set(afresh(now)).where('url', '=', url).where('state', '=', 'held').executeTakeFirst();
    return Number(released.numUpdatedRows);
  });
}

/** What an operator's redelivery came to. */
export type Redelivery = 'redelivered' | 'not-found' | 'held' | 'in-flight';

/**
 * Sends an event again (an operator's redelivery): due now, same id and body,
 * its tries and 24 h of retries afresh, whatever became of it — unless its
 * receiver is switched off (it answered 410 and stays off until an operator
 * turns it back on; a redelivery would go around that switch, whether the
 * event is held behind it or was delivered before it) or a sender has it on
 * its way now (it would go twice). Scoped to its owner unless `owner` is
 * undefined (the admin).
 */
export async function redeliverWebhook(db: Kysely<LedgerDatabase>, id: string, owner: string | undefined, now: number): Promise<Redelivery> {
  return db.transaction().execute(async (trx) => {
    let find = trx.selectFrom('webhook_outbox').select(['state', 'url']).where('id', '=', id);
    if (owner !== undefined) find = find.where('owner', '=', owner);
    const row = await find.executeTakeFirst();
    if (!row) return 'not-found';
    if (row.state === 'held') return 'held';
    // The switch is checked by the UPDATE itself: a 410 committed by another sender since the read above still holds it back.
    const sent = await trx
      .updateTable('webhook_outbox')
      .set(afresh(now))
      .where('id', '=', id)
      .where('state', '!=', 'held')
      .where((where) => where.or([where('leased_until', 'is', null), where('leased_until', '<=', now)]))
      .where((where) => where.not(receiverSwitchedOff(where)))
      .executeTakeFirst();
    if (Number(sent.numUpdatedRows) === 1) return 'redelivered';
    const off = await trx.selectFrom('webhook_endpoints').select('url').where('url', '=', row.url).where('disabled_at', 'is not', null).executeTakeFirst();
    return off ? 'held' : 'in-flight';
  });
}

/** An event an operator sends again: due now, as if new but for its id and body. */
function afresh(now: number) {
  return { state: 'pending' as const, due_at: now, attempts: 0, retry_from: now, leased_until: null, updated_at: now };
}

/** The outbox at a glance, per receiver: events waiting (pending or held) and given up. */
export async function webhookBacklog(db: Kysely<LedgerDatabase>): Promise<{ url: string; state: string; count: number }[]> {
  const rows = await db
    .selectFrom('webhook_outbox')
    .select(['url', 'state', ({ fn }) => fn.countAll<number>().as('count')])
    .where('state', 'in', ['pending', 'held', 'dead'])
    .groupBy(['url', 'state'])
    .execute();
  return rows.map((row) => ({ url: row.url, state: row.state, count: Number(row.count) }));
}

/** A message's webhook events, newest first (for its owner's or an operator's view). */
export async function webhooksOfMessage(db: Kysely<LedgerDatabase>, messageId: string) {
  return db
    .selectFrom('webhook_outbox')
    .select(['id', 'type', 'state', 'attempts', 'last_status', 'last_error', 'created_at', 'delivered_at'])
    .where('message_id', '=', messageId)
    .orderBy('created_at', 'desc')
    .execute();
}
