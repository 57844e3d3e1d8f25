import type { Kysely } from 'kysely';
import type { LedgerDatabase, MessageEventsTable, NewOutboxRow } from '../database.js';
import { randomId } from '../ledger-ids.js';
import { dialectOf, lockForDecision, MAX_BOUND_PARAMETERS } from '../sql-dialect.js';
import { chunksOf } from './insert-chunks.js';
import { webhookReceiver } from './webhook-outbox.js';

/*
 * What happens to a message, written twice in the transaction that changes
 * it: a step of its timeline (message_events), and — when someone listens —
 * the webhook announcing it (webhook_outbox). So a crash can never leave a
 * change without its webhook, nor a webhook without its change.
 */

/** A webhook event's id: random, the same on every retry of the event (receivers dedupe by it). */
export function newEventId(): string {
  return randomId('evt');
}

/** The webhook event types, one per final fact a client acts on. */
export type WebhookEventType =
  | 'message.accepted'
  | 'message.rejected'
  | 'message.failed'
  | 'message.unknown'
  | 'message.sent'
  | 'message.delivered'
  | 'message.undelivered'
  | 'message.expired'
  | 'message.canceled'
  | 'bulk.completed';

/** The part of a message row an event is written from. */
export interface EventSubject {
  id: string;
  owner: string;
  callback_url: string | null;
  reference: string | null;
  bulk_id: string | null;
  to_number: string;
  provider_id: string | null;
  account_id: string | null;
  provider_message_id: string | null;
}

export interface NewEvent {
  subject: EventSubject;
  kind: MessageEventsTable['kind'];
  state: string;
  reason?: string | undefined;
  providerCode?: string | undefined;
  source: string;
  /** When it happened (the provider's time for a report), ms. */
  at: number;
  /** The webhook it announces, if any; sent only when the message has a callback URL. */
  webhook?: WebhookEventType;
  /** The message's record state, for the webhook body. */
  status: string;
  delivery?: { state: string; reason?: string | undefined; providerCode?: string | undefined; final: boolean; at?: number | undefined };
}

/** Writes the timeline steps and the webhooks of `events` (inside the caller's transaction). */
export async function writeEvents(trx: Kysely<LedgerDatabase>, events: readonly NewEvent[], now: number): Promise<void> {
  if (events.length === 0) return;
  const steps = events.map(
    (event): Omit<MessageEventsTable, 'seq'> => ({
      message_id: event.subject.id,
      kind: event.kind,
      state: event.state,
      reason: event.reason ?? null,
      provider_code: event.providerCode ?? null,
      source: event.source,
      at: event.at,
      recorded_at: now,
    }),
  );
  for (const chunk of chunksOf(steps, Math.floor(MAX_BOUND_PARAMETERS / 8))) await trx.insertInto('message_events').values(chunk).execute();
  const webhooks = events
    .filter((event) => event.webhook !== undefined && event.subject.callback_url !== null)
    .map((event) => outboxRow(event.webhook!, event.subject.owner, event.subject.callback_url!, messagePayload(event), { message_id: event.subject.id, bulk_id: event.subject.bulk_id }, now));
  await enqueueWebhooks(trx, webhooks);
}

/** The body a message event's webhook carries: ids, the client's reference, states, reason, provider code and times. */
function messagePayload(event: NewEvent): Record<string, unknown> {
  const { subject } = event;
  const data: Record<string, unknown> = { messageId: subject.id, to: subject.to_number, status: event.status };
  if (subject.reference !== null) data.reference = subject.reference;
  if (subject.bulk_id !== null) data.bulkId = subject.bulk_id;
  if (subject.provider_id !== null) data.providerId = subject.provider_id;
  if (subject.account_id !== null) data.accountId = subject.account_id;
  if (subject.provider_message_id !== null) data.providerMessageId = subject.provider_message_id;
  if (event.reason !== undefined) data.reason = event.reason;
  if (event.delivery) {
    const { state, reason, providerCode, final, at } = event.delivery;
    data.delivery = { state, final, ...(reason ? { reason } : {}), ...(providerCode ? { providerCode } : {}), ...(at !== undefined ? { at: new Date(at).toISOString() } : {}) };
  }
  data.at = new Date(event.at).toISOString();
  return data;
}

/** One outbox row: the event's id and type, and a body that never changes (a retry sends the same bytes). */
export function outboxRow(
  type: WebhookEventType,
  owner: string,
  url: string,
  data: Record<string, unknown>,
  about: { message_id: string | null; bulk_id: string | null },
  now: number,
): NewOutboxRow {
  const id = newEventId();
  return {
    id,
    owner,
    url,
    receiver_host: webhookReceiver(owner, url),
    type,
    payload: JSON.stringify({ id, type, createdAt: new Date(now).toISOString(), data }),
    message_id: about.message_id,
    bulk_id: about.bulk_id,
    state: 'pending',
    due_at: now,
    last_status: null,
    last_error: null,
    created_at: now,
    updated_at: now,
    delivered_at: null,
  };
}

/** Adds webhooks to the outbox; one for a receiver an operator has switched off (410) waits, held, until it is back. */
export async function enqueueWebhooks(trx: Kysely<LedgerDatabase>, rows: readonly NewOutboxRow[]): Promise<void> {
  if (rows.length === 0) return;
  const urls = [...new Set(rows.map((row) => row.url))];
  const off = new Set((await trx.selectFrom('webhook_endpoints').select('url').where('url', 'in', urls).where('disabled_at', 'is not', null).execute()).map((row) => row.url));
  const held = rows.map((row) => (off.has(row.url) ? { ...row, state: 'held' as const } : row));
  for (const chunk of chunksOf(held, Math.floor(MAX_BOUND_PARAMETERS / 16))) await trx.insertInto('webhook_outbox').values(chunk).execute();
}

/** Reads the subjects of `ids` (in chunks), for the events a change of theirs writes; on PostgreSQL locked until the transaction ends. */
export type Subject = EventSubject & { state: string; delivery_final: number; accepted_at: number | null; finished_at: number | null; delivery_state: string | null; delivery_code: string | null; awaited: number };

export async function readSubjects(trx: Kysely<LedgerDatabase>, ids: readonly string[]): Promise<Map<string, Subject>> {
  const subjects = new Map<string, Subject>();
  const dialect = dialectOf(trx);
  // Locked (PostgreSQL) in id order, so two writers of one message's reports take turns and the second sees what the
  // first wrote: two pushes of one report at once each saw it new, and the timeline got the step twice.
  for (const chunk of chunksOf([...ids].sort(), MAX_BOUND_PARAMETERS - 8)) {
    const select = trx
      .selectFrom('messages')
      .select(['id', 'owner', 'callback_url', 'reference', 'bulk_id', 'to_number', 'provider_id', 'account_id', 'provider_message_id', 'state', 'delivery_final', 'accepted_at', 'finished_at', 'delivery_state', 'delivery_code', 'awaited'])
      .where('id', 'in', chunk)
      .orderBy('id');
    const rows = await lockForDecision(select, dialect).execute();
    for (const row of rows) subjects.set(row.id, row);
  }
  return subjects;
}
