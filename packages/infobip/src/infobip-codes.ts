import { ProviderError, shortened, type DeliveryReason, type DeliveryState, type ProviderErrorKind } from '@rota/provider';
import { transportProviderError, type FaultSide, type TransportRow, type WireTransportError } from '@rota/provider/http';
import type { MessageStatus, ReportError } from './infobip-wire.js';

/**
 * THE mapping tables: what Infobip's codes mean for Rota. Every routing
 * decision about an Infobip answer is a row here, never an `if` elsewhere.
 * `side` says whose fault a failure is, which decides the kind. Rows marked
 * ASSUMPTION rest on a guess (README "What is certain").
 */

// ---------------------------------------------------------------------------
// Error answers (either envelope)

/** The code of an error answer, platform (`E401`) or legacy (`UNAUTHORIZED`) [spec][sdk]. */
export const ERROR_CODES: ReadonlyMap<string, TransportRow> = new Map<string, TransportRow>([
  // The request is this package's: Infobip refusing its shape is our bug, never the message's.
  ['E400', { kind: 'provider-unavailable', side: 'ours', description: 'request failed validation' }],
  ['BAD_REQUEST', { kind: 'provider-unavailable', side: 'ours', description: 'request failed validation' }],
  ['E401', { kind: 'provider-unavailable', side: 'account', description: 'API key refused' }],
  ['UNAUTHORIZED', { kind: 'provider-unavailable', side: 'account', description: 'API key refused' }],
  ['E403', { kind: 'provider-unavailable', side: 'account', description: 'the API key lacks the scope (sms:message:send)' }],
  ['FORBIDDEN', { kind: 'provider-unavailable', side: 'account', description: 'the API key lacks the scope (sms:message:send)' }],
  ['E404', { kind: 'provider-unavailable', side: 'ours', description: 'not found (check baseUrl)' }],
  ['NOT_FOUND', { kind: 'provider-unavailable', side: 'ours', description: 'not found (check baseUrl)' }],
  // Retry-After is not documented; it is honoured when present [guess].
  ['E429', { kind: 'retryable', side: 'provider', description: 'throttled' }],
  ['TOO_MANY_REQUESTS', { kind: 'retryable', side: 'provider', description: 'throttled' }],
  // ASSUMPTION: Infobip's own server error after it read the request: it may have sent it.
  ['E500', { kind: 'outcome-unknown', side: 'provider', description: 'Infobip server error after the request was written' }],
  ['GENERAL_ERROR', { kind: 'outcome-unknown', side: 'provider', description: 'Infobip server error after the request was written' }],
]);

/** An error code no row knows, after the request was written: never taken for "not sent". */
export const UNKNOWN_ERROR_CODE: TransportRow = { kind: 'outcome-unknown', side: 'provider', description: 'unknown error code' };

export function errorCodeRow(code: string): TransportRow {
  return ERROR_CODES.get(code) ?? UNKNOWN_ERROR_CODE;
}

export function errorAnswerError(answer: { httpStatus: number; code: string; text: string; retryAfterMs?: number }, context: string): ProviderError {
  const row = errorCodeRow(answer.code);
  const said = answer.text ? ` ("${shortened(answer.text, 120)}")` : '';
  return new ProviderError(row.kind, `${context}: Infobip HTTP ${answer.httpStatus} ${answer.code}: ${row.description}${said} [${row.side} side]`, {
    code: answer.code,
    retryAfterMs: row.kind === 'retryable' ? answer.retryAfterMs : undefined,
  });
}

/** HTTP statuses without an Infobip envelope: from something in front of Infobip that did not take the request — except a gateway timeout. */
export const HTTP_STATUS_CODES: ReadonlyMap<number, TransportRow> = new Map<number, TransportRow>([
  [408, { kind: 'retryable', side: 'provider', description: 'HTTP 408: the server timed out reading the request' }],
  [429, { kind: 'retryable', side: 'provider', description: 'HTTP 429: throttled' }],
  [503, { kind: 'retryable', side: 'provider', description: 'HTTP 503: service unavailable' }],
  [504, { kind: 'outcome-unknown', side: 'provider', description: 'HTTP 504: a gateway gave up waiting for Infobip, which had the request' }],
]);
export const HTTP_5XX: TransportRow = { kind: 'provider-unavailable', side: 'provider', description: 'HTTP server error without an Infobip answer' };
export const HTTP_4XX: TransportRow = { kind: 'provider-unavailable', side: 'ours', description: 'HTTP client error without an Infobip answer (check baseUrl)' };
export const HTTP_OTHER: TransportRow = { kind: 'provider-unavailable', side: 'provider', description: 'unexpected HTTP status' };

export function httpStatusRow(status: number): TransportRow {
  return HTTP_STATUS_CODES.get(status) ?? (status >= 500 ? HTTP_5XX : status >= 400 ? HTTP_4XX : HTTP_OTHER);
}

export function transportError(error: WireTransportError, context: string): ProviderError {
  return transportProviderError(error, context, httpStatusRow);
}

// ---------------------------------------------------------------------------
// Message status (in a send answer, a pulled report and a pushed one)

export interface StatusRow {
  /** What a send answer's status means for that destination. */
  send: 'accepted' | 'recipient-rejected' | 'refused';
  /** For `refused`: the kind the request fails with when no destination was accepted, and whose fault it is. */
  kind?: ProviderErrorKind;
  side?: FaultSide;
  /** In a delivery report. */
  state: DeliveryState;
  reason?: DeliveryReason;
  final: boolean;
  description: string;
}

const pending = (state: DeliveryState, description: string): StatusRow => ({ send: 'accepted', state, final: false, description });
const recipient = (reason: DeliveryReason, description: string): StatusRow => ({ send: 'recipient-rejected', state: 'rejected', reason, final: true, description });
const refused = (kind: ProviderErrorKind, side: FaultSide, reason: DeliveryReason, description: string): StatusRow => ({
  send: 'refused',
  kind,
  side,
  state: 'rejected',
  reason,
  final: true,
  description,
});

/** By status id [spec][docs]; a group's row stands for an id this table lacks. */
export const STATUS_IDS: ReadonlyMap<number, StatusRow> = new Map<number, StatusRow>([
  [26, pending('queued', 'PENDING_ACCEPTED: accepted')],
  [7, pending('sent', 'PENDING_ENROUTE: on its way')],
  [3, pending('sent', 'PENDING_WAITING_DELIVERY: with the operator')],
  [5, { send: 'accepted', state: 'delivered', final: true, description: 'DELIVERED_TO_HANDSET' }],
  // ASSUMPTION [guess]: delivered to the operator is no proof the handset has it; it is Infobip's last word on it.
  [2, { send: 'accepted', state: 'sent', final: true, description: 'DELIVERED_TO_OPERATOR: no handset confirmation' }],
  [4, { send: 'accepted', state: 'undelivered', reason: 'network-error', final: true, description: 'UNDELIVERABLE_REJECTED_OPERATOR' }],
  [9, { send: 'accepted', state: 'undelivered', reason: 'handset-error', final: true, description: 'UNDELIVERABLE_NOT_DELIVERED' }],
  [31, { send: 'accepted', state: 'undelivered', reason: 'network-error', final: true, description: 'UNDELIVERABLE_NOT_SENT' }],
  [15, { send: 'accepted', state: 'expired', reason: 'expired', final: true, description: 'EXPIRED_EXPIRED' }],
  // May have been delivered; no report will ever say.
  [29, { send: 'accepted', state: 'unknown', reason: 'unknown', final: true, description: 'EXPIRED_DLR_UNKNOWN: no delivery report' }],
  // Refused for this account, not this message: another provider may send it.
  [12, refused('provider-unavailable', 'account', 'insufficient-credit', 'REJECTED_NOT_ENOUGH_CREDITS')],
  [17, refused('provider-unavailable', 'account', 'insufficient-credit', 'REJECTED_PREPAID_PACKAGE_EXPIRED')],
  [11, refused('provider-unavailable', 'account', 'sender-not-allowed', 'REJECTED_SOURCE')],
  [13, refused('provider-unavailable', 'account', 'sender-not-allowed', 'REJECTED_SENDER')],
  [6, refused('provider-unavailable', 'provider', 'network-error', 'REJECTED_NETWORK')],
  [18, refused('provider-unavailable', 'account', 'network-error', 'REJECTED_DESTINATION_NOT_REGISTERED (trial account)')],
  [19, refused('provider-unavailable', 'provider', 'network-error', 'REJECTED_ROUTE_NOT_AVAILABLE')],
  [21, refused('provider-unavailable', 'provider', 'network-error', 'REJECTED_SYSTEM_ERROR')],
  [100, refused('provider-unavailable', 'provider', 'network-error', 'UNDELIVERABLE_REJECTED_PLATFORM')],
  // Final here and not for another provider now: Infobip's per-number hourly cap (20 varied, 6 identical). Retrying in
  // seconds meets the same cap; sending it elsewhere would get round an anti-spam filter. The caller may send it later.
  [20, recipient('duplicate', 'REJECTED_FLOODING_FILTER: too many messages to this number this hour; send it later')],
  // The message's own: Infobip already holds a message under this id (it may be this one), its UDH, its length. Final (the
  // contract: "rejected, no"): sending it elsewhere could duplicate the first, or be refused the same way. Nor are they the
  // account's fault, so its breaker does not count them.
  [23, recipient('duplicate', 'REJECTED_DUPLICATE_MESSAGE_ID: Infobip already holds a message under this id')],
  [24, recipient('content-rejected', 'REJECTED_INVALID_UDH')],
  [25, recipient('too-long', 'REJECTED_MESSAGE_TOO_LONG (over 25 parts or 4000 bytes)')],
  // The recipient: final everywhere.
  [8, recipient('invalid-number', 'REJECTED_PREFIX_MISSING')],
  [51, recipient('invalid-number', 'MISSING_TO')],
  [52, recipient('invalid-number', 'REJECTED_DESTINATION')],
  [10, recipient('opted-out', 'REJECTED_DND: the recipient refuses such messages')],
  [14, recipient('opted-out', 'REJECTED_DESTINATION_BLOCKLISTED')],
]);

/** By group, for an id the table above lacks. */
export const STATUS_GROUPS: ReadonlyMap<number | string, StatusRow> = new Map<number | string, StatusRow>([
  [1, pending('sent', 'PENDING')],
  ['ACCEPTED', pending('queued', 'ACCEPTED')],
  [3, { send: 'accepted', state: 'delivered', final: true, description: 'DELIVERED' }],
  [2, { send: 'accepted', state: 'undelivered', reason: 'unknown', final: true, description: 'UNDELIVERABLE' }],
  [4, { send: 'accepted', state: 'expired', reason: 'expired', final: true, description: 'EXPIRED' }],
  // Rejected for a reason this table lacks (an İYS refusal may come so): final, as the group says. Failing over could send a
  // consent-refused CAMPAIGN through another provider, and only a known account or route refusal does.
  [5, recipient('unknown', 'REJECTED (a reason not known to Rota)')],
]);

/** Neither the id nor the group is known: in a send answer the whole request is outcome-unknown; in a report, not final. */
export const UNKNOWN_STATUS: StatusRow = { send: 'refused', kind: 'outcome-unknown', side: 'provider', state: 'unknown', reason: 'unknown', final: false, description: 'unknown status' };

export function statusRow(status: MessageStatus): StatusRow {
  const byId = STATUS_IDS.get(status.id);
  // An id is only trusted within its own group: ids are documented per group.
  if (byId && (status.groupId === -1 || groupOf(status.id) === status.groupId)) return byId;
  return STATUS_GROUPS.get(status.groupId) ?? STATUS_GROUPS.get(status.groupName) ?? UNKNOWN_STATUS;
}

const GROUP_OF: ReadonlyMap<number, number> = new Map([
  [26, 1], [7, 1], [3, 1], [5, 3], [2, 3], [4, 2], [9, 2], [31, 2], [15, 4], [29, 4],
  [12, 5], [17, 5], [11, 5], [13, 5], [6, 5], [18, 5], [19, 5], [21, 5], [100, 5], [20, 5], [23, 5], [24, 5], [25, 5], [8, 5], [51, 5], [52, 5], [10, 5], [14, 5],
]);
const groupOf = (id: number): number | undefined => GROUP_OF.get(id);

/**
 * A report's `error` refines why an undeliverable message failed [docs]
 * ("trust `permanent`, not the name"): these ids say more than the status.
 */
export const REPORT_ERRORS: ReadonlyMap<number, DeliveryReason> = new Map<number, DeliveryReason>([
  [1, 'invalid-number'], // EC_UNKNOWN_SUBSCRIBER
  [27, 'handset-error'], // EC_ABSENT_SUBSCRIBER
  [603, 'opted-out'], // EC_CONTENT_BLOCKED (STOP)
  [2052, 'opted-out'], // EC_BLACKLISTED_DESTINATIONADDRESS
  [4101, 'expired'], // EC_VALIDITY_EXPIRED
  [5492, 'duplicate'], // EC_DUPLICATE_MESSAGE
]);

export function reasonOf(row: StatusRow, error: ReportError | undefined): DeliveryReason | undefined {
  if (error && error.id !== 0 && row.state === 'undelivered') return REPORT_ERRORS.get(error.id) ?? row.reason;
  return row.reason;
}
