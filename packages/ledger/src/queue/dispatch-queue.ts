import type { Kysely } from 'kysely';
import type { LedgerDatabase, NewMessageRow } from '../database.js';
import { PRIORITY, type Priority } from '../message-record.js';
import { chunksOf } from '../store/insert-chunks.js';

/**
 * One unit of dispatch: records sent together (a bulk's recipients as one
 * bulk, the rest as one batch), at one priority, due at one time.
 */
export interface QueuedWork {
  ids: string[];
  priority: Priority;
  /** When it may go, in ms since the epoch (a `sendAt`, or when recorded). */
  dueAt: number;
  /** An OTP's text, which the ledger never stores: a queue that leaves the process carries it sealed. */
  otpText?: string;
}

/**
 * Where queued records wait for a dispatcher when the records table is not
 * the queue itself: on PostgreSQL, pg-boss. `enqueue` runs inside the
 * transaction that records the messages, so a message is recorded and
 * queued together or not at all.
 */
export interface DispatchQueue {
  enqueue(trx: Kysely<LedgerDatabase>, work: readonly QueuedWork[]): Promise<void>;
  /** KVKK erasure, in its transaction: the OTP texts of units left with no record (those of `erasedIds` deleted in it). */
  forgetErasedTexts(trx: Kysely<LedgerDatabase>, erasedIds: readonly string[]): Promise<void>;
}

/** Records one unit holds: FigenSoft's request carries 800 numbers. */
export const UNIT_SIZE = 800;

/**
 * The units of newly recorded `queued` rows. An OTP is a unit of its own
 * (its text travels with it); other messages are grouped by priority and due
 * time, a bulk's recipients by bulk, in order, at most UNIT_SIZE each.
 * `otpTextOf` gives an OTP row's text (by record id, or bulk id for a bulk).
 */
export function workOf(rows: readonly Pick<NewMessageRow, 'id' | 'state' | 'priority' | 'due_at' | 'bulk_id'>[], otpTextOf: (key: string) => string | undefined): QueuedWork[] {
  const groups = new Map<string, { ids: string[]; priority: Priority; dueAt: number; otpText?: string }>();
  const work: QueuedWork[] = [];
  for (const row of rows) {
    if (row.state !== 'queued') continue;
    const priority = row.priority as Priority;
    if (priority === PRIORITY.otp && row.bulk_id === null) {
      work.push(withText({ ids: [row.id], priority, dueAt: row.due_at }, otpTextOf(row.id)));
      continue;
    }
    const name = `${row.bulk_id ?? ''}|${priority}|${row.due_at}`;
    let group = groups.get(name);
    if (!group) groups.set(name, (group = withText({ ids: [], priority, dueAt: row.due_at }, row.bulk_id !== null && priority === PRIORITY.otp ? otpTextOf(row.bulk_id) : undefined)));
    group.ids.push(row.id);
  }
  for (const group of groups.values()) {
    for (const ids of chunksOf(group.ids, UNIT_SIZE)) work.push({ ...group, ids });
  }
  return work;
}

function withText(work: QueuedWork, text: string | undefined): QueuedWork {
  if (text !== undefined) work.otpText = text;
  return work;
}
