import type { Attempt } from '@rota/core';
import type { DeliveryReason, DeliveryState, IysType, Message, ValidationIssue } from '@rota/provider';
import type { BulkRow, NewMessageRow, RecordRow } from './database.js';
import type { LedgerHasher } from './ledger-hashing.js';
import { PRIORITY, type InitialState, type MessageRecord, type Priority } from './message-record.js';

/** What a message and a bulk template share: everything but the number. */
export type MessageContent = Omit<Message, 'to' | 'idempotencyKey'>;

export function priorityOf(content: { otp: boolean; iysType: IysType }): Priority {
  if (content.otp) return PRIORITY.otp;
  return content.iysType === 'NOTIFICATION' ? PRIORITY.notification : PRIORITY.campaign;
}

/** The content columns of a message or bulk row. An OTP's text stays out: only its hash, length and encoding go in. */
export function contentColumns(content: MessageContent, reference: string | undefined, hasher: LedgerHasher) {
  return {
    iys_type: content.iysType,
    recipient_type: content.recipientType,
    sender: content.sender ?? null,
    otp: content.otp ? 1 : 0,
    send_at: content.sendAt?.getTime() ?? null,
    valid_until: content.validUntil?.getTime() ?? null,
    reference: reference ?? null,
    text: content.otp ? null : content.text,
    text_hash: hasher.textHash(content.text),
    text_length: content.text.length,
    encoding: content.analysis.encoding,
    shift: content.analysis.shift ?? null,
    segments: content.analysis.segments,
  } satisfies Partial<NewMessageRow> & Partial<BulkRow>;
}

/** Everything of a new message row but what differs between a bulk's recipients. */
export type MessageRowBase = Omit<NewMessageRow, 'id' | 'to_number' | 'fingerprint' | 'idempotency_key'>;

export function messageRowBase(
  content: MessageContent,
  context: {
    owner: string;
    bulkId?: string | undefined;
    reference?: string | undefined;
    callbackUrl?: string | undefined;
    state: InitialState;
    resendOf?: string | undefined;
    awaited?: boolean | undefined;
    now: number;
  },
  hasher: LedgerHasher,
): MessageRowBase {
  return {
    owner: context.owner,
    bulk_id: context.bulkId ?? null,
    state: context.state,
    reason: null,
    priority: priorityOf(content),
    due_at: content.sendAt?.getTime() ?? context.now,
    ...contentColumns(content, context.reference, hasher),
    provider_id: null,
    account_id: null,
    provider_message_id: null,
    simulated: 0,
    attempts: '[]',
    issues: null,
    resend_of: context.resendOf ?? null,
    created_at: context.now,
    updated_at: context.now,
    dispatched_at: context.state === 'dispatching' ? context.now : null,
    finished_at: null,
    callback_url: context.callbackUrl ?? null,
    awaited: context.awaited ? 1 : 0,
  };
}

/**
 * A whole row, every column named in one literal. A bulk makes 100,000 of
 * these: a literal of fixed shape is several times faster to build and to read
 * back than `{ ...base, id, … }`, whose copies V8 keeps as slow dictionaries.
 */
export function newMessageRow(base: MessageRowBase, own: Pick<NewMessageRow, 'id' | 'to_number' | 'fingerprint' | 'idempotency_key'>): NewMessageRow {
  return {
    id: own.id,
    owner: base.owner,
    bulk_id: base.bulk_id,
    idempotency_key: own.idempotency_key,
    fingerprint: own.fingerprint,
    state: base.state,
    reason: base.reason,
    priority: base.priority,
    due_at: base.due_at,
    to_number: own.to_number,
    iys_type: base.iys_type,
    recipient_type: base.recipient_type,
    sender: base.sender,
    otp: base.otp,
    send_at: base.send_at,
    valid_until: base.valid_until,
    reference: base.reference,
    text: base.text,
    text_hash: base.text_hash,
    text_length: base.text_length,
    encoding: base.encoding,
    shift: base.shift,
    segments: base.segments,
    provider_id: base.provider_id,
    account_id: base.account_id,
    provider_message_id: base.provider_message_id,
    simulated: base.simulated,
    attempts: base.attempts,
    issues: base.issues,
    resend_of: base.resend_of,
    created_at: base.created_at,
    updated_at: base.updated_at,
    dispatched_at: base.dispatched_at,
    finished_at: base.finished_at,
    callback_url: base.callback_url,
    awaited: base.awaited,
  };
}

const dateOrAbsent = (ms: number | null) => (ms === null ? undefined : new Date(ms));

/** The last delivery report, as the record gives it out; absent before the first. */
function deliveryOf(row: RecordRow): MessageRecord['delivery'] {
  if (row.delivery_state === null || row.delivery_state === undefined) return undefined;
  const delivery: NonNullable<MessageRecord['delivery']> = { state: row.delivery_state as DeliveryState, final: row.delivery_final === 1 };
  if (row.delivery_reason) delivery.reason = row.delivery_reason as DeliveryReason;
  if (row.delivery_code) delivery.providerCode = row.delivery_code;
  if (row.delivery_at !== null && row.delivery_at !== undefined) delivery.at = new Date(row.delivery_at);
  return delivery;
}

/** A row as callers see it: camelCase, dates, JSON parsed, NULL columns left out. */
export function toMessageRecord(row: RecordRow): MessageRecord {
  const record: MessageRecord = {
    id: row.id,
    owner: row.owner,
    bulkId: row.bulk_id ?? undefined,
    idempotencyKey: row.idempotency_key ?? undefined,
    state: row.state as MessageRecord['state'],
    reason: row.reason ?? undefined,
    priority: row.priority as Priority,
    dueAt: new Date(row.due_at),
    to: row.to_number,
    iysType: row.iys_type as MessageRecord['iysType'],
    recipientType: row.recipient_type as MessageRecord['recipientType'],
    sender: row.sender ?? undefined,
    otp: row.otp === 1,
    sendAt: dateOrAbsent(row.send_at),
    validUntil: dateOrAbsent(row.valid_until),
    reference: row.reference ?? undefined,
    text: row.text ?? undefined,
    textHash: row.text_hash,
    textLength: row.text_length,
    encoding: row.encoding as MessageRecord['encoding'],
    shift: (row.shift ?? undefined) as MessageRecord['shift'],
    segments: row.segments,
    providerId: row.provider_id ?? undefined,
    accountId: row.account_id ?? undefined,
    providerMessageId: row.provider_message_id ?? undefined,
    simulated: row.simulated === 1,
    attempts: JSON.parse(row.attempts) as Attempt[],
    issues: row.issues === null ? undefined : (JSON.parse(row.issues) as ValidationIssue[]),
    resendOf: row.resend_of ?? undefined,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
    dispatchedAt: dateOrAbsent(row.dispatched_at),
    finishedAt: dateOrAbsent(row.finished_at),
    callbackUrl: row.callback_url ?? undefined,
    acceptedAt: dateOrAbsent(row.accepted_at ?? null),
    heldSince: dateOrAbsent(row.held_since ?? null),
    awaited: row.awaited === 1 ? true : undefined,
    delivery: deliveryOf(row),
  };
  // Absent, not `undefined`: a record compares and serialises the same however it was made.
  for (const key of Object.keys(record) as (keyof MessageRecord)[]) if (record[key] === undefined) delete record[key];
  return record;
}
