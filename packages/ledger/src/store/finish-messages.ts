import type { SendResult } from '@rota/core';
import { sql, type Kysely, type Updateable } from 'kysely';
import type { LedgerDatabase, MessageRow, MessagesTable } from '../database.js';
import { UNFINISHED_STATES } from '../message-record.js';
import { MAX_BOUND_PARAMETERS } from '../sql-dialect.js';
import { completeBulks } from './bulk-completion.js';
import { chunksOf } from './insert-chunks.js';
import type { Transact } from './transact.js';
import { writeEvents, type EventSubject, type NewEvent, type WebhookEventType } from './message-events.js';

/** What finishing a record does besides writing its result. */
export interface FinishOptions {
  /** Where the result came from, for the timeline: `dispatch` (a send's answer) or `recovery` (a crash's). */
  source?: string;
  /** An accepted message's status is first read this long after acceptance. */
  firstReportAfterMs: number;
  /** The dispatch unit writing: only records it still holds take its answers (many workers). */
  token?: string;
  /** Told, inside the transaction, of finished records a caller waits for (PostgreSQL announces them). */
  announce?: (trx: Kysely<LedgerDatabase>, ids: readonly string[]) => Promise<void>;
}

const WEBHOOK_OF_STATE: Record<SendResult['status'], WebhookEventType> = {
  accepted: 'message.accepted',
  rejected: 'message.rejected',
  failed: 'message.failed',
  unknown: 'message.unknown',
};

/** The columns of a finished record its events are written from, and what a caller may want besides. */
const SUBJECT_COLUMNS = ['id', 'owner', 'callback_url', 'reference', 'bulk_id', 'to_number', 'provider_id', 'account_id', 'provider_message_id', 'awaited'] as const;
type FinishedSubject = EventSubject & { awaited: number };

/** Most records one UPDATE … FROM (VALUES …) carries: three bound values each, under the limit. */
const FINISH_CHUNK = Math.floor((MAX_BOUND_PARAMETERS - 64) / 3);

/**
 * The router's answers written to their records, in one transaction, each
 * with its timeline step and — where the message has a callback URL — its
 * webhook. Only an unfinished record (`queued` or `dispatching`) takes an
 * answer: a finished one keeps the first, so a late or repeated call cannot
 * rewrite history (within one call, too: the first answer for an id counts).
 * A bulk whose last record this finished is completed. Returns how many
 * records were finished, and with `returnRecords` their rows as written.
 *
 * Set-based: answers that set the same columns to the same values (a bulk
 * unit's 800 acceptances differ only in their provider message ids and
 * attempt trails) are written by one `UPDATE … FROM (VALUES …)` that
 * returns what the events need, where a statement per record and a read of
 * each record before cost ~100 µs a record.
 */
export async function finishMessages(
  transact: Transact,
  entries: readonly { id: string; result: SendResult }[],
  now: number,
  options: FinishOptions & { returnRecords?: boolean },
): Promise<{ finished: number; records?: Map<string, MessageRow> }> {
  if (entries.length === 0) return { finished: 0, ...(options.returnRecords ? { records: new Map() } : {}) };
  const groups = new Map<string, { columns: Updateable<MessagesTable>; withMessageId: boolean; rows: [id: string, attempts: string, providerMessageId: string | null][] }>();
  const resultOf = new Map<string, SendResult>();
  const attemptsJson = new Map<unknown, string>();
  for (const { id, result } of entries) {
    if (resultOf.has(id)) continue;
    resultOf.set(id, result);
    const { provider_message_id, ...columns } = finishColumns(result, now, options);
    const withMessageId = provider_message_id !== undefined;
    const key = `${withMessageId ? 1 : 0}${JSON.stringify(columns)}`;
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { columns, withMessageId, rows: [] }));
    // The records of one request share their attempt trail: written once as JSON.
    let json = attemptsJson.get(result.attempts);
    if (json === undefined) attemptsJson.set(result.attempts, (json = JSON.stringify(result.attempts)));
    group.rows.push([id, json, (provider_message_id as string | null | undefined) ?? null]);
  }
  return transact(async (trx) => {
    const finishedRows = new Map<string, FinishedSubject | MessageRow>();
    for (const group of groups.values()) {
      for (const chunk of chunksOf(group.rows, FINISH_CHUNK)) {
        for (const row of await updateGroup(trx, group.columns, group.withMessageId, chunk, options)) finishedRows.set(row.id, row);
      }
    }
    const events: NewEvent[] = [];
    const bulks = new Set<string>();
    const awaited: string[] = [];
    // In the callers' order, as a statement per record wrote them.
    for (const id of resultOf.keys()) {
      const row = finishedRows.get(id);
      if (!row) continue;
      const result = resultOf.get(id)!;
      if (row.awaited === 1) awaited.push(id);
      if (row.bulk_id !== null) bulks.add(row.bulk_id);
      events.push({
        subject: row,
        kind: 'state',
        state: result.status,
        reason: result.status === 'accepted' ? undefined : result.reason,
        source: options.source ?? 'dispatch',
        at: now,
        webhook: WEBHOOK_OF_STATE[result.status],
        status: result.status,
      });
    }
    await writeEvents(trx, events, now);
    await completeBulks(trx, [...bulks], now);
    if (awaited.length > 0) await options.announce?.(trx, awaited);
    return { finished: finishedRows.size, ...(options.returnRecords ? { records: finishedRows as Map<string, MessageRow> } : {}) };
  });
}

/**
 * One statement for records that take the same columns: per record only its
 * id, attempt trail and (accepted) provider message id differ, bound as a
 * VALUES list (whose columns both databases name column1, column2, …).
 * Only unfinished records, and with a unit's token only those it holds.
 */
async function updateGroup(
  trx: Kysely<LedgerDatabase>,
  columns: Updateable<MessagesTable>,
  withMessageId: boolean,
  rows: readonly [string, string, string | null][],
  options: FinishOptions & { returnRecords?: boolean },
): Promise<(FinishedSubject | MessageRow)[]> {
  const set = Object.entries(columns).map(([column, value]) => sql`${sql.ref(column)} = ${value}`);
  set.push(sql`attempts = v.column2`);
  if (withMessageId) set.push(sql`provider_message_id = v.column3`);
  const values = sql.join(rows.map(([id, attempts, messageId]) => (withMessageId ? sql`(${id}, ${attempts}, ${messageId})` : sql`(${id}, ${attempts})`)));
  const held = options.token === undefined ? sql`` : sql` and messages.claim_token = ${options.token}`;
  // `*` (SQLite refuses `messages.*` here): on PostgreSQL it carries the VALUES columns too, which nothing reads.
  const returning = options.returnRecords ? sql`*` : sql.join(SUBJECT_COLUMNS.map((column) => sql.ref(`messages.${column}`)));
  const { rows: finished } = await sql<FinishedSubject | MessageRow>`update messages set ${sql.join(set)} from (values ${values}) as v where messages.id = v.column1 and messages.state in (${sql.join(UNFINISHED_STATES)})${held} returning ${returning}`.execute(trx);
  return finished;
}

/**
 * The columns one result sets, but its attempt trail (written as JSON beside
 * them). A field the result does not carry is left as it was (a `failed`
 * result names no provider; the one markDispatching wrote stays).
 */
function finishColumns(result: SendResult, now: number, options: FinishOptions): Updateable<MessagesTable> {
  const common = { state: result.status, updated_at: now, finished_at: now };
  switch (result.status) {
    case 'accepted':
      return {
        ...common,
        reason: null,
        provider_id: result.providerId,
        account_id: result.accountId,
        provider_message_id: result.providerMessageId,
        encoding: result.encoding,
        shift: result.shift ?? null,
        segments: result.segments,
        simulated: result.simulated ? 1 : 0,
        accepted_at: now,
        // A simulated acceptance has no delivery to follow.
        report_due_at: result.simulated ? null : now + options.firstReportAfterMs,
      };
    case 'rejected':
      return { ...common, reason: result.reason, issues: JSON.stringify(result.issues), ...(result.providerId !== undefined ? { provider_id: result.providerId } : {}) };
    case 'failed':
      return { ...common, reason: result.reason };
    case 'unknown':
      return {
        ...common,
        reason: result.reason,
        provider_id: result.providerId,
        account_id: result.accountId,
        // What that provider would have sent and billed, where it encodes otherwise than recorded (UCS-2 at Twilio).
        ...(result.encoding === undefined ? {} : { encoding: result.encoding, shift: result.shift ?? null, segments: result.segments }),
        // Named by Rota in the request (Infobip): its status is read as an accepted message's, and a report settles it.
        ...(result.providerMessageId === undefined ? {} : { provider_message_id: result.providerMessageId, report_due_at: now + options.firstReportAfterMs }),
      };
  }
}
