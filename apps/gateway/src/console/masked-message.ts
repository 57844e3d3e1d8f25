import type { MessageRecord } from '@rota/ledger';
import { maskPhoneNumber } from '@rota/provider';
import type { z } from 'zod';
import type { ConsoleMessageSchema } from '@rota/api';
import type { MessageView } from '../http/message-view.js';
import { maskedProviderId, maskNumbersIn, maskWrittenNumbers } from '../logging/redaction.js';

type ConsoleMessage = z.input<typeof ConsoleMessageSchema>;

/**
 * A message as the console shows it unrevealed: its number masked wherever it
 * may stand — `to`, a per-number provider id, the free text of reasons (the
 * record's, its delivery report's, its attempts', issues' and timeline's),
 * which quote providers (Twilio's "The 'To' number +90532… is not a valid
 * phone number"), and what the client wrote itself: the text ("call me on
 * +90532…"), its reference and its idempotency key, which a client may build
 * from the number — and its callback URL without the query, where a client's
 * token for its receiver travels. The reveal (`?reveal=true`, logged) gives
 * the view whole.
 */
export function maskedMessage(view: MessageView, record: MessageRecord): ConsoleMessage {
  const { text, reference, idempotencyKey, reason, delivery, attempts, issues, timeline, callbackUrl } = view;
  return {
    ...view,
    to: maskPhoneNumber(record.to),
    providerMessageId: maskedProviderId(view.providerMessageId),
    ...(text === undefined ? {} : { text: maskWrittenNumbers(text) }),
    ...(reference === undefined ? {} : { reference: maskWrittenNumbers(reference) }),
    ...(idempotencyKey === undefined ? {} : { idempotencyKey: maskWrittenNumbers(idempotencyKey) }),
    ...(reason === undefined ? {} : { reason: maskNumbersIn(reason) }),
    ...(delivery === undefined ? {} : { delivery: maskedReason(delivery) }),
    attempts: attempts.map(maskedReason),
    ...(issues === undefined ? {} : { issues: issues.map(maskedReason) }),
    ...(timeline === undefined ? {} : { timeline: timeline.map(maskedReason) }),
    ...(callbackUrl === undefined ? {} : { callbackUrl: withoutQuery(callbackUrl) }),
  };
}

function maskedReason<T extends { reason?: string | undefined }>(item: T): T {
  return item.reason === undefined ? item : { ...item, reason: maskNumbersIn(item.reason) };
}

function withoutQuery(url: string): string {
  const cut = url.search(/[?#]/);
  return cut === -1 ? url : `${url.slice(0, cut + 1)}…`;
}
