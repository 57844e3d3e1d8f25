import type { SendResult } from '@rota/core';
import { analyzeText, type Message } from '@rota/provider';
import type { MessageRecord } from '../message-record.js';

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
  if (record.validUntil && record.validUntil.getTime() <= now) {
    return { refused: failed(record, `not sent: validUntil (${record.validUntil.toISOString()}) passed before the message was due`) };
  }
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

function failed(record: MessageRecord, reason: string): SendResult {
  return { status: 'failed', to: record.to, reason, attempts: [] };
}
