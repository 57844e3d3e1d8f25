import { sql, type Kysely } from 'kysely';
import type { LedgerDatabase, MessageRow, NewMessageRow } from '../database.js';
import type { LedgerHasher } from '../ledger-hashing.js';
import { newMessageId } from '../ledger-ids.js';
import { messageRowBase, newMessageRow, toMessageRecord } from '../message-row.js';
import type { ParsedNewMessage, RecordOutcome } from '../new-records.js';
import { lockIdempotencyKeys, MAX_BOUND_PARAMETERS, type SqlDialect } from '../sql-dialect.js';
import { chunksOf, insertMessageRows } from './insert-chunks.js';
import { workOf, type DispatchQueue } from '../queue/dispatch-queue.js';
import { WholeCallConflictError } from '../whole-call-conflict.js';
import type { Transact } from './transact.js';
import { originalIsThere } from './resent-original.js';
import { groupBy } from '../group-by.js';

/** What holds an (owner, key) once the call is over: the first entry that named it, or a record already there. */
interface KeyGroup {
  owner: string;
  key: string;
  /** Index of the entry that names the key first: the one tried for insertion. */
  first: number;
  holder?: NewMessageRow;
  /** The key was a message's that was erased at its recipient's request: no entry under it is recorded. */
  erased?: boolean;
  /** The key is the owner's bulk's (one key stands for one send, whichever route made it): no entry under it is recorded. */
  bulkId?: string;
}

const groupName = (owner: string, key: string) => JSON.stringify([owner, key]);

/** How recordMessages records. */
export interface RecordOptions {
  /** The store's database: PostgreSQL's transactions lock the keys they record under (lockIdempotencyKeys). */
  dialect: SqlDialect;
  queue?: DispatchQueue | undefined;
  /** PostgreSQL: how long the insert may wait for a key another transaction is inserting (then it fails with lock_not_available); the rest of the transaction waits as usual. */
  insertLockTimeout?: string | undefined;
  /** One call, recorded whole or not at all: a key that stands for another message rolls it back (WholeCallConflictError). */
  whole?: boolean | undefined;
  /**
   * One entry, an operator's resend's copy of its `resendOf`: recorded only
   * while the original is still there (see originalIsThere), else `erased`
   * and nothing written.
   */
  resend?: boolean | undefined;
}

/**
 * Records every entry of `calls` in one transaction, answering each call's
 * outcomes. Each entry behaves as if sent after the ones before it, the calls
 * taken in order: the first entry with an (owner, key) is inserted unless
 * the database already has that key; every other entry with the key is
 * compared with whichever record holds it (same fingerprint: `existing`,
 * another: `conflict`). The insert itself skips a taken key (ON CONFLICT DO
 * NOTHING on the unique constraint) rather than looking first, so two stores
 * racing on one key make one record, the loser reading the winner's. A key
 * of an erased record (erased_keys) is `erased`, and one of the owner's
 * bulks' a `conflict` naming the bulk (a key stands for one send, whichever
 * route made it): what was inserted under such a key is deleted again before
 * anything is queued. On PostgreSQL the keys are locked before the insert
 * (lockIdempotencyKeys), as recordBulk locks its key before it looks at the
 * messages: neither table's unique constraint reaches the other's rows.
 *
 * The transaction starts with its write: a SQLite transaction that read first
 * could not then wait for another process's write lock (SQLITE_BUSY_SNAPSHOT).
 * With a `queue`, the new queued records are enqueued in the same
 * transaction, each call's as if it had been recorded alone (a single message
 * is a one-record job, whatever else it is recorded with).
 */
export async function recordMessages(
  transact: Transact,
  calls: readonly (readonly ParsedNewMessage[])[],
  hasher: LedgerHasher,
  now: number,
  options: RecordOptions,
): Promise<RecordOutcome[][]> {
  const { dialect, queue, insertLockTimeout, whole = false, resend = false } = options;
  if (whole && calls.length !== 1) throw new Error('a whole call is recorded alone');
  if (resend && calls.flat().length !== 1) throw new Error('a resend\'s copy is recorded alone');
  const entries = calls.flat();
  const rows = entries.map((entry) => newRow(entry, hasher, now));
  const groups = new Map<string, KeyGroup>();
  const groupOf: (KeyGroup | undefined)[] = rows.map((row, index) => {
    if (row.idempotency_key === null) return undefined;
    const name = groupName(row.owner, row.idempotency_key);
    let group = groups.get(name);
    if (!group) groups.set(name, (group = { owner: row.owner, key: row.idempotency_key, first: index }));
    return group;
  });
  const candidates = rows.filter((_, index) => groupOf[index] === undefined || groupOf[index]!.first === index);

  return transact(async (trx) => {
    // A read before the write: safe on SQLite too, where a resend's transaction is the group commit's BEGIN IMMEDIATE.
    if (resend && !(await originalIsThere(trx, dialect, rows[0]!))) return [[{ kind: 'erased' }]];
    if (insertLockTimeout !== undefined) await sql`set local lock_timeout = ${sql.lit(insertLockTimeout)}`.execute(trx);
    // Before the insert: a bulk's transaction recording under one of these keys now is waited for, and seen by bulksHolding.
    await lockIdempotencyKeys(trx, [...groups.values()], dialect);
    const inserted = await insertMessageRows(trx, candidates);
    // Not the job insert or the NOTIFY (its commit takes a server-wide lock that is busy under load, not held by a rival).
    if (insertLockTimeout !== undefined) await sql`set local lock_timeout to default`.execute(trx);
    const newKeys = [...groups.values()].filter((group) => inserted.has(rows[group.first]!.id));
    const erased = await erasedAmong(trx, hasher, newKeys);
    for (const group of erased) group.erased = true;
    for (const { group, bulkId } of await bulksHolding(trx, newKeys.filter((group) => !group.erased))) group.bulkId = bulkId;
    const refused = newKeys.filter((group) => group.erased || group.bulkId !== undefined);
    if (refused.length > 0) {
      const ids = refused.map((group) => rows[group.first]!.id);
      for (const chunk of chunksOf(ids, MAX_BOUND_PARAMETERS)) await trx.deleteFrom('messages').where('id', 'in', chunk).execute();
      for (const id of ids) inserted.delete(id);
    }
    if (queue) {
      const textOf = new Map(rows.map((row, index) => [row.id, entries[index]!.message.text]));
      const work = callsOf(rows).flatMap((callRows) => workOf(callRows.filter((row) => inserted.has(row.id)), (id) => textOf.get(id)));
      await queue.enqueue(trx, work);
    }
    const taken: KeyGroup[] = [];
    for (const group of groups.values()) {
      const first = rows[group.first]!;
      if (inserted.has(first.id)) group.holder = first;
      else if (!group.erased && group.bulkId === undefined) taken.push(group);
    }
    for (const holder of await readHolders(trx, taken)) groups.get(groupName(holder.owner, holder.idempotency_key!))!.holder = holder;
    // A key taken at the insert whose record is gone now: an erasure committed in between (PostgreSQL, another transaction).
    for (const group of await erasedAmong(trx, hasher, taken.filter((group) => !group.holder))) group.erased = true;

    const outcomes = rows.map((row, index): RecordOutcome => {
      const group = groupOf[index];
      if (!group) return { kind: 'created', record: toMessageRecord(row) };
      if (group.erased) return { kind: 'erased' };
      if (group.bulkId !== undefined) return { kind: 'conflict', existingId: group.bulkId };
      const holder = group.holder;
      if (!holder) throw new Error(`idempotency key taken but its record not found (owner ${group.owner})`);
      if (holder.id === row.id) return { kind: 'created', record: toMessageRecord(row) };
      return holder.fingerprint === row.fingerprint ? { kind: 'existing', record: toMessageRecord(holder) } : { kind: 'conflict', existingId: holder.id };
    });
    if (whole) {
      const conflicts = outcomes.flatMap((outcome, index) => (outcome.kind === 'conflict' ? [{ index, existingId: outcome.existingId }] : []));
      const erasedEntries = outcomes.flatMap((outcome, index) => (outcome.kind === 'erased' ? [index] : []));
      // Thrown inside the transaction: the records and jobs of this call are rolled back with it.
      if (conflicts.length > 0 || erasedEntries.length > 0) throw new WholeCallConflictError(conflicts, erasedEntries);
    }
    return callsOf(outcomes);
  });

  /** A list with one item per entry, cut back into the calls the entries came in. */
  function callsOf<T>(items: readonly T[]): T[][] {
    let start = 0;
    return calls.map((call) => items.slice(start, (start += call.length)));
  }
}

function newRow(entry: ParsedNewMessage, hasher: LedgerHasher, now: number): NewMessageRow {
  const { message } = entry;
  return newMessageRow(messageRowBase(message, { ...entry, now }, hasher), {
    id: newMessageId(),
    to_number: message.to,
    idempotency_key: message.idempotencyKey ?? null,
    fingerprint: hasher.messageFingerprint({ ...message, reference: entry.reference }),
  });
}

/** The groups whose key is an erased record's. */
async function erasedAmong(db: Kysely<LedgerDatabase>, hasher: LedgerHasher, groups: readonly KeyGroup[]): Promise<KeyGroup[]> {
  const hashed = groups.map((group) => ({ owner: group.owner, key: hasher.erasedKey(group.key), group }));
  const groupOf = new Map(hashed.map(({ owner, key, group }) => [groupName(owner, key), group]));
  const found = await selectPerOwner(hashed, (owner, hashes) => db.selectFrom('erased_keys').select(['owner', 'key_hash']).where('owner', '=', owner).where('key_hash', 'in', hashes).execute());
  return found.map((row) => groupOf.get(groupName(row.owner, row.key_hash))!);
}

/** The groups whose key one of the owner's bulks holds, with that bulk's id. */
async function bulksHolding(db: Kysely<LedgerDatabase>, groups: readonly KeyGroup[]): Promise<{ group: KeyGroup; bulkId: string }[]> {
  const groupOf = new Map(groups.map((group) => [groupName(group.owner, group.key), group]));
  const found = await selectPerOwner(groups, (owner, keys) => db.selectFrom('bulks').select(['owner', 'idempotency_key', 'id']).where('owner', '=', owner).where('idempotency_key', 'in', keys).execute());
  return found.map((row) => ({ group: groupOf.get(groupName(row.owner, row.idempotency_key!))!, bulkId: row.id }));
}

/** The records holding the keys whose insertion was skipped. */
function readHolders(db: Kysely<LedgerDatabase>, groups: readonly KeyGroup[]): Promise<MessageRow[]> {
  return selectPerOwner(groups, (owner, keys) => db.selectFrom('messages').selectAll().where('owner', '=', owner).where('idempotency_key', 'in', keys).execute());
}

/** The rows `select` gives for each owner's keys, asked per owner and in chunks a statement's bound parameters take. */
async function selectPerOwner<Row>(items: readonly { owner: string; key: string }[], select: (owner: string, keys: string[]) => Promise<Row[]>): Promise<Row[]> {
  const rows: Row[] = [];
  for (const [owner, keys] of groupBy(items, (item) => item.owner, (item) => item.key)) {
    for (const chunk of chunksOf(keys, MAX_BOUND_PARAMETERS - 1)) rows.push(...(await select(owner, chunk)));
  }
  return rows;
}
