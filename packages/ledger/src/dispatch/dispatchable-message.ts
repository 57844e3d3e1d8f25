import type { SendResult } from '@rota/core';
import { analyzeText, type Message } from '@rota/provider';
import type { MessageRecord } from '../message-record.js';
import { holdEndedReason } from '../store/hold-unrouted.js';

/**
 * A recorded message as the router takes it, or why it can no longer be sent.
 * `sendAt` is left out: the dispatcher held the record until it was due, so no
 * provider's own scheduling is needed (and a provider that cannot schedule is
 * not skipped for it). The text comes from the record, or for an OTP — whose
 * text is never written down — from `text`, what this process still holds.
 */
export function dispatchableMessage(record: MessageRecord, now: number, text = record.text): { message: Message } | { refused: SendResult } {
  if (text === undefined) {
    return {
      refused: failed(record, 'not sent: an OTP text is kept only in memory (never in the ledger), and the process that took it stopped before it was due; send it again'),
    };
  }
  const expired = expiredRefusal(record, now);
  if (expired) return { refused: expired };
  const message: Message = {
    to: record.to,
    text,
    iysType: record.iysType,
    recipientType: record.recipientType,
    otp: record.otp,
    analysis: analyzeText(text),
  };
  if (record.sender !== undefined) message.sender = record.sender;
  if (record.validUntil !== undefined) message.validUntil = record.validUntil;
  return { message };
}

/** A message a caller who waits handed over, validated already: sent as it is, unless its validUntil has passed meanwhile. */
export function checkedMessage(record: MessageRecord, message: Message, now: number): { message: Message } | { refused: SendResult } {
  const expired = expiredRefusal(record, now);
  return expired ? { refused: expired } : { message };
}

/**
 * A message whose validUntil has passed is not sent, however it reached the
 * dispatcher. One held for want of a route came due and was held until then:
 * its hold ended there, and its last walk's trail says why.
 */
function expiredRefusal(record: MessageRecord, now: number): SendResult | undefined {
  if (!record.validUntil || record.validUntil.getTime() > now) return undefined;
  const until = record.validUntil.toISOString();
  if (record.heldSince !== undefined) {
    return { ...failed(record, holdEndedReason(`${until}, its validUntil`)), attempts: record.attempts };
  }
  return failed(record, `not sent: validUntil (${until}) passed before the message was due`);
}

function failed(record: MessageRecord, reason: string): SendResult {
  return { status: 'failed', to: record.to, reason, attempts: [] };
}
