import type { SendResult } from '@rota/core';
import type { Kysely, Updateable } from 'kysely';
import type { LedgerDatabase, MessagesTable } from '../database.js';
import { UNFINISHED_STATES } from '../message-record.js';
import { completeBulks } from './bulk-completion.js';
import { readSubjects, writeEvents, type NewEvent, type WebhookEventType } from './message-events.js';

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

/**
 * The router's answers written to their records, in one transaction, each
 * with its timeline step and — where the message has a callback URL — its
 * webhook. Only an unfinished record (`queued` or `dispatching`) takes an
 * answer: a finished one keeps the first, so a late or repeated call cannot
 * rewrite history. A bulk whose last record this finished is completed.
 * Returns how many records were finished.
 */
export async function finishMessages(db: Kysely<LedgerDatabase>, entries: readonly { id: string; result: SendResult }[], now: number, options: FinishOptions): Promise<number> {
  if (entries.length === 0) return 0;
  return db.transaction().execute(async (trx) => {
    const subjects = await readSubjects(
      trx,
      entries.map((entry) => entry.id),
    );
    let finished = 0;
    const events: NewEvent[] = [];
    const bulks = new Set<string>();
    const awaited: string[] = [];
    for (const { id, result } of entries) {
      const subject = subjects.get(id);
      if (!subject || !(UNFINISHED_STATES as readonly string[]).includes(subject.state)) continue;
      let update = trx.updateTable('messages').set(finishColumns(result, now, options)).where('id', '=', id).where('state', 'in', UNFINISHED_STATES);
      if (options.token !== undefined) update = update.where('claim_token', '=', options.token);
      if (Number((await update.executeTakeFirst()).numUpdatedRows) === 0) continue;
      finished += 1;
      if (subject.awaited === 1) awaited.push(id);
      if (subject.bulk_id !== null) bulks.add(subject.bulk_id);
      const after = { ...subject, ...providerOf(result) };
      events.push({
        subject: after,
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
    return finished;
  });
}

/** The provider ids a result names, as the row will hold them. */
function providerOf(result: SendResult): { provider_id?: string; account_id?: string; provider_message_id?: string } {
  switch (result.status) {
    case 'accepted':
      return { provider_id: result.providerId, account_id: result.accountId, provider_message_id: result.providerMessageId };
    case 'unknown':
      return { provider_id: result.providerId, account_id: result.accountId };
    case 'rejected':
      return result.providerId !== undefined ? { provider_id: result.providerId } : {};
    case 'failed':
      return {};
  }
}

/**
 * The columns one result sets. A field the result does not carry is left as it
 * was (a `failed` result names no provider; the one markDispatching wrote stays).
 */
function finishColumns(result: SendResult, now: number, options: FinishOptions): Updateable<MessagesTable> {
  const common = { state: result.status, attempts: JSON.stringify(result.attempts), updated_at: now, finished_at: now };
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
      return { ...common, reason: result.reason, provider_id: result.providerId, account_id: result.accountId };
  }
}
