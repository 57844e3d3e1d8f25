import type { DeliveryReport, DeliveryState } from '@rota/provider';
import { sql, type Kysely, type Updateable } from 'kysely';
import type { LedgerDatabase, MessagesTable } from '../database.js';
import { lockForClaim, MAX_BOUND_PARAMETERS, type SqlDialect } from '../sql-dialect.js';
import { chunksOf } from './insert-chunks.js';
import type { Transact } from './transact.js';
import { readSubjects, writeEvents, type NewEvent, type Subject, type WebhookEventType } from './message-events.js';

/*
 * A message's delivery, after a provider accepted it: its status is read
 * (or pushed) until it is final. The row keeps the last report; every change
 * is a step of the timeline; a final report is announced by webhook.
 */

/** A message whose status is due to be read. */
export interface ReportDue {
  id: string;
  providerId: string;
  accountId: string;
  providerMessageId: string;
  acceptedAt: number;
  checks: number;
}

/**
 * Up to `limit` messages whose status is due, oldest due first, each leased
 * for `leaseMs` (its next read moved past the lease) so that no other
 * collector reads it meanwhile; the collector sets the real next read when it
 * has the answer.
 */
export async function claimReportsDue(transact: Transact, dialect: SqlDialect, now: number, limit: number, leaseMs: number): Promise<{ due: ReportDue[]; taken: number }> {
  return transact(async (trx) => {
    // Locked until the lease is written: another worker's claim skips these rows instead of reading them too.
    const pick = trx
      .selectFrom('messages')
      .select(['id', 'provider_id', 'account_id', 'provider_message_id', 'accepted_at', 'finished_at', 'report_checks'])
      .where('report_due_at', '<=', now)
      .orderBy('report_due_at')
      .limit(limit);
    const rows = await lockForClaim(pick, dialect).execute();
    for (const chunk of chunksOf(
      rows.map((row) => row.id),
      MAX_BOUND_PARAMETERS - 8,
    )) {
      await trx.updateTable('messages').set({ report_due_at: now + leaseMs }).where('id', 'in', chunk).execute();
    }
    const due = rows
      .filter((row) => row.provider_id !== null && row.account_id !== null && row.provider_message_id !== null)
      .map((row) => ({
        id: row.id,
        providerId: row.provider_id!,
        accountId: row.account_id!,
        providerMessageId: row.provider_message_id!,
        // An unknown outcome's reads (its provider took Rota's id) count from the send.
        acceptedAt: row.accepted_at ?? row.finished_at ?? now,
        checks: row.report_checks,
      }));
    // Leased rows without a provider message id are not read; `taken` counts them, so a caller knows the claim was full.
    return { due, taken: rows.length };
  });
}

/** A final report written to its message (one another writer had made final first is not): what metrics count. */
export interface FinalReportWritten {
  providerId: string;
  accountId: string;
  state: DeliveryState;
  acceptedAt: number;
}

/** What applyReports wrote: timeline steps, and the final reports among them. */
export interface AppliedReports {
  steps: number;
  finals: FinalReportWritten[];
}

/** One report to write: the message, the report, and when to read again if it is not final (null: never). */
export interface ReportEntry {
  id: string;
  report: Pick<DeliveryReport, 'state' | 'reason' | 'final' | 'providerCode' | 'at'>;
  /** `poll`, `push`, `refresh` or `expiry`. */
  source: string;
  nextDueAt: number | null;
}

/**
 * One report an id, from reports that may name an id twice: the first final
 * one, else the last given. A push or a read may list a message's statuses in
 * any order, and once final a message stays so, as it does across calls (a
 * later final report changes nothing then either).
 */
export function firstFinalElseLast<T>(items: readonly T[], idOf: (item: T) => string, isFinal: (item: T) => boolean): Map<string, T> {
  const chosen = new Map<string, T>();
  for (const item of items) {
    const held = chosen.get(idOf(item));
    if (held === undefined || !isFinal(held)) chosen.set(idOf(item), item);
  }
  return chosen;
}

/**
 * A final report's event. `sent` final is a provider's last word that the
 * message went to the operator, with no handset report to come (Infobip's
 * DELIVERED_TO_OPERATOR); without an event of its own a client waited for one
 * that never came.
 */
const WEBHOOK_OF_DELIVERY: Partial<Record<DeliveryState, WebhookEventType>> = {
  sent: 'message.sent',
  delivered: 'message.delivered',
  undelivered: 'message.undelivered',
  rejected: 'message.rejected',
  expired: 'message.expired',
  unknown: 'message.unknown',
};

/** Most reports one UPDATE … FROM (VALUES …) carries: two bound values each, under the limit. */
const REPORT_CHUNK = Math.floor((MAX_BOUND_PARAMETERS - 64) / 2);

/**
 * Writes reports, one transaction, at most one a message (LedgerStore keeps
 * one of an id given twice, `firstFinalElseLast`, before it cuts a call into slices). A
 * message already final keeps its report (a late or repeated push changes
 * nothing); a change of state or code is a timeline step; a final one is
 * announced by webhook. Returns how many messages changed.
 *
 * Set-based: reports that set the same columns to the same values (a Status
 * batch's deliveries differ only in their time) are written by one
 * `UPDATE … FROM (VALUES …)`, where a statement per report cost more than the
 * rest of the collection (bench/reports).
 */
export async function applyReports(transact: Transact, entries: readonly ReportEntry[], now: number): Promise<AppliedReports> {
  if (entries.length === 0) return { steps: 0, finals: [] };
  return transact(async (trx) => {
    const subjects = await readSubjects(trx, entries.map((entry) => entry.id));
    const groups = new Map<string, { columns: Updateable<MessagesTable>; rows: [id: string, at: number][] }>();
    const events = new Map<string, NewEvent>();
    const finalOf = new Map<string, FinalReportWritten>();
    const settled: Settled[] = [];
    const unsettled: [id: string, nextDueAt: number | null][] = [];
    for (const { id, report, source, nextDueAt } of entries) {
      const subject = subjects.get(id);
      if (!subject || subject.delivery_final === 1) continue;
      if (subject.state === 'unknown' && subject.provider_message_id !== null) {
        // A report shows the provider has the message: it was accepted. One of state `unknown` (a provider's "no
        // such message") shows nothing, and reads that found none by their end leave it unknown, and stop.
        if (source !== 'expiry' && report.state !== 'unknown') settled.push({ subject, report, source, nextDueAt });
        else unsettled.push([id, source === 'expiry' || report.final ? null : nextDueAt]);
        continue;
      }
      if (subject.state !== 'accepted') continue;
      if (report.final && subject.provider_id !== null && subject.account_id !== null) {
        finalOf.set(id, { providerId: subject.provider_id, accountId: subject.account_id, state: report.state, acceptedAt: subject.accepted_at ?? now });
      }
      const columns: Updateable<MessagesTable> = {
        delivery_state: report.state,
        delivery_reason: report.reason ?? null,
        delivery_code: report.providerCode ?? null,
        delivery_final: report.final ? 1 : 0,
        report_due_at: report.final ? null : nextDueAt,
        updated_at: now,
      };
      const key = JSON.stringify(columns);
      let group = groups.get(key);
      if (!group) groups.set(key, (group = { columns, rows: [] }));
      // A report's time is the provider's, to its precision: FigenSoft gives minutes, so a report could read as earlier
      // than the acceptance it follows (and a receiver ordering by it would take acceptance for the last state). Nor
      // later than now: a report from 2099 (a provider's clock, a forged push) would outlast every later one.
      // The acceptance bound last: another process's clock may have dated the acceptance a moment after our now.
      const at = Math.max(Math.min(report.at?.getTime() ?? now, now), subject.accepted_at ?? 0);
      group.rows.push([id, at]);
      const changed = subject.delivery_state !== report.state || subject.delivery_code !== (report.providerCode ?? null);
      if (!changed && !report.final) continue;
      events.set(id, {
        subject,
        kind: 'delivery',
        state: report.state,
        reason: report.reason,
        providerCode: report.providerCode,
        source,
        at,
        webhook: report.final ? WEBHOOK_OF_DELIVERY[report.state] : undefined,
        status: subject.state,
        delivery: { state: report.state, reason: report.reason, providerCode: report.providerCode, final: report.final, at },
      });
    }
    const written = new Set<string>();
    for (const { columns, rows } of groups.values()) {
      for (const chunk of chunksOf(rows, REPORT_CHUNK)) for (const id of await updateReports(trx, columns, chunk)) written.add(id);
    }
    // A step only for a report written: one another writer made final since the read above keeps its own.
    const steps = [...events].filter(([id]) => written.has(id)).map(([, event]) => event);
    const finals = [...finalOf].filter(([id]) => written.has(id)).map(([, final]) => final);
    for (const entry of settled) {
      const outcome = await settleUnknown(trx, entry, now);
      if (!outcome) continue;
      steps.push(...outcome.steps);
      if (outcome.final) finals.push(outcome.final);
    }
    for (const [id, dueAt] of unsettled) {
      await trx.updateTable('messages').set({ report_due_at: dueAt, report_checks: sql<number>`report_checks + 1`, updated_at: now }).where('id', '=', id).where('state', '=', 'unknown').execute();
    }
    await writeEvents(trx, steps, now);
    return { steps: steps.length, finals };
  });
}

/** A report for a message whose send's outcome was unknown. */
interface Settled {
  subject: Subject;
  report: ReportEntry['report'];
  source: string;
  nextDueAt: number | null;
}

/**
 * An unknown outcome settled by the provider's own report: a provider reports
 * only on messages it took, so the message is `accepted` (as of its send, the
 * time it left), with the report as its delivery. Two steps, each announced:
 * the acceptance (`message.accepted`, after the `message.unknown` its
 * receiver had), and the report if final. Rare (a timeout on a provider that
 * takes Rota's ids): a statement each.
 */
async function settleUnknown(trx: Kysely<LedgerDatabase>, { subject, report, source, nextDueAt }: Settled, now: number) {
  const sentAt = subject.finished_at ?? now;
  const at = Math.max(Math.min(report.at?.getTime() ?? now, now), sentAt);
  const written = await trx
    .updateTable('messages')
    .set({
      state: 'accepted',
      reason: null,
      accepted_at: sentAt,
      delivery_state: report.state,
      delivery_reason: report.reason ?? null,
      delivery_code: report.providerCode ?? null,
      delivery_final: report.final ? 1 : 0,
      delivery_at: at,
      report_due_at: report.final ? null : nextDueAt,
      report_checks: sql<number>`report_checks + 1`,
      updated_at: now,
    })
    .where('id', '=', subject.id)
    .where('state', '=', 'unknown')
    .returning('id')
    .execute();
  if (written.length === 0) return undefined;
  const delivery = { state: report.state, reason: report.reason, providerCode: report.providerCode, final: report.final, at };
  const steps: NewEvent[] = [
    { subject, kind: 'state', state: 'accepted', reason: "the provider's delivery report shows it took the message", source, at: sentAt, webhook: 'message.accepted', status: 'accepted' },
    { subject, kind: 'delivery', state: report.state, reason: report.reason, providerCode: report.providerCode, source, at, webhook: report.final ? WEBHOOK_OF_DELIVERY[report.state] : undefined, status: 'accepted', delivery },
  ];
  const final: FinalReportWritten | undefined =
    report.final && subject.provider_id !== null && subject.account_id !== null ? { providerId: subject.provider_id, accountId: subject.account_id, state: report.state, acceptedAt: sentAt } : undefined;
  return { steps, final };
}

/**
 * One statement for reports that set the same columns: per message only its
 * id and report time differ. Returns the ids written. The guard is the
 * statement's own, not the read before it: on PostgreSQL a poll and a push
 * (or two workers) may both have read a message as not final, and the one
 * that writes second must not turn the other's final report back.
 */
async function updateReports(trx: Kysely<LedgerDatabase>, columns: Updateable<MessagesTable>, rows: readonly [string, number][]): Promise<string[]> {
  const set = Object.entries(columns).map(([column, value]) => sql`${sql.ref(column)} = ${value}`);
  set.push(sql`report_checks = report_checks + 1`);
  // A VALUES list's parameters are text to PostgreSQL: the time is cast back to the column's type.
  set.push(sql`delivery_at = cast(v.column2 as bigint)`);
  const values = sql.join(rows.map(([id, at]) => sql`(${id}, ${at})`));
  const written = await sql<{ id: string }>`update messages set ${sql.join(set)} from (values ${values}) as v
    where messages.id = v.column1 and messages.delivery_final = 0 and messages.state = 'accepted'
    returning messages.id`.execute(trx);
  return written.rows.map((row) => row.id);
}

/**
 * Moves these messages' next read to `dueAt` without a report: a read that
 * failed or did not answer for them (`counted`: the backoff goes on, as after
 * a report), or a read the round had no time for (not counted). A message
 * whose reads ended meanwhile (a final push) stays ended.
 */
export async function rescheduleReports(db: Kysely<LedgerDatabase>, ids: readonly string[], dueAt: number, counted: boolean, now: number): Promise<void> {
  for (const chunk of chunksOf(ids, MAX_BOUND_PARAMETERS - 8)) {
    await db
      .updateTable('messages')
      .set({ report_due_at: dueAt, report_checks: sql<number>`report_checks + ${counted ? 1 : 0}`, updated_at: now })
      .where('id', 'in', chunk)
      .where('report_due_at', 'is not', null)
      .execute();
  }
}

/** Stops reading the status of these messages (their provider cannot report, or is gone). */
export async function stopReports(db: Kysely<LedgerDatabase>, ids: readonly string[], now: number): Promise<void> {
  for (const chunk of chunksOf(ids, MAX_BOUND_PARAMETERS - 8)) await db.updateTable('messages').set({ report_due_at: null, updated_at: now }).where('id', 'in', chunk).execute();
}

/** The records of a provider's message ids (a push names messages by the provider's ids). */
export async function idsOfProviderMessages(db: Kysely<LedgerDatabase>, providerId: string, providerMessageIds: readonly string[]): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (const chunk of chunksOf(providerMessageIds, MAX_BOUND_PARAMETERS - 8)) {
    const rows = await db.selectFrom('messages').select(['id', 'provider_message_id']).where('provider_id', '=', providerId).where('provider_message_id', 'in', chunk).execute();
    for (const row of rows) ids.set(row.provider_message_id!, row.id);
  }
  return ids;
}

/** A message's timeline: its steps in the order they were recorded. */
export async function readTimeline(db: Kysely<LedgerDatabase>, messageId: string) {
  return db.selectFrom('message_events').select(['kind', 'state', 'reason', 'provider_code', 'source', 'at', 'recorded_at']).where('message_id', '=', messageId).orderBy('seq').execute();
}
