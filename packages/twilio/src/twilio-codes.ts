import { ProviderError, shortened, type DeliveryReason, type DeliveryState } from '@rota/provider';
import { transportProviderError, type TransportRow, type WireTransportError } from '@rota/provider/http';

/**
 * THE mapping tables: what Twilio's codes and statuses mean for Rota. Every
 * routing decision about a Twilio answer is a row here, never an `if`
 * elsewhere. `side` says whose fault a failure is, which decides the kind.
 * Rows marked ASSUMPTION rest on a guess (README "What is certain").
 */

/** Twilio error codes [docs; the ones marked 3p come from third-party code and api-evangelist's scrape]. */
export const ERROR_CODES: ReadonlyMap<number, TransportRow> = new Map<number, TransportRow>([
  [20003, { kind: 'provider-unavailable', side: 'account', description: 'authenticate failed (Account SID or auth token wrong, or the account suspended)' }],
  // On a create, the path is ours; on a read, the message is unknown (status() reads it as not found).
  [20404, { kind: 'provider-unavailable', side: 'ours', description: 'resource not found' }],
  // "Never processed, always safe to retry" [docs].
  [20429, { kind: 'retryable', side: 'provider', description: 'too many concurrent requests' }],
  [10001, { kind: 'provider-unavailable', side: 'account', description: 'account not active (balance spent)' }],
  [21211, { kind: 'message-rejected', side: 'message', description: "invalid 'To' number" }],
  [21614, { kind: 'message-rejected', side: 'message', description: "'To' is not a mobile number" }],
  [21612, { kind: 'message-rejected', side: 'message', description: "'To' cannot be reached by SMS" }],
  [21635, { kind: 'message-rejected', side: 'message', description: "'To' is a landline" }],
  // The recipient replied STOP: final on every provider, as an İYS refusal is.
  [21610, { kind: 'message-rejected', side: 'message', description: 'the recipient unsubscribed (replied STOP)' }],
  [21408, { kind: 'provider-unavailable', side: 'account', description: 'SMS to this region is not enabled on the account' }],
  // The sender came from fromAddresses: Twilio disagreeing is the configuration's fault, and another provider may have it registered.
  [21212, { kind: 'provider-unavailable', side: 'account', description: "'From' is not a valid sender for the account" }],
  [21606, { kind: 'provider-unavailable', side: 'account', description: "'From' is not an SMS-capable sender of the account" }],
  [21659, { kind: 'provider-unavailable', side: 'account', description: "'From' is not a Twilio number or sender of the account" }],
  [21661, { kind: 'provider-unavailable', side: 'account', description: "'From' cannot send SMS" }],
  // This sender's queue is over 10 hours long: no retry within a send's deadline will help.
  [21611, { kind: 'provider-unavailable', side: 'account', description: "the 'From' queue is over 10 hours long" }],
  // The request is this package's: Twilio refusing its fields is our bug (or statusCallbackUrl's, checked by the schema).
  [21602, { kind: 'provider-unavailable', side: 'ours', description: 'Body missing' }],
  [21603, { kind: 'provider-unavailable', side: 'ours', description: "'From' missing" }],
  [21604, { kind: 'provider-unavailable', side: 'ours', description: "'To' missing" }],
  [21609, { kind: 'provider-unavailable', side: 'ours', description: 'StatusCallback URL refused (check statusCallbackUrl)' }],
  [21617, { kind: 'provider-unavailable', side: 'ours', description: 'Body over 1,600 characters' }],
  [35118, { kind: 'provider-unavailable', side: 'ours', description: 'scheduling needs a Messaging Service' }],
]);

/** A code no row knows, after the request was written: it may have been sent; never taken for "not sent". */
export const UNKNOWN_ERROR_CODE: TransportRow = { kind: 'outcome-unknown', side: 'provider', description: 'unknown Twilio error code' };

export function errorCodeRow(code: number): TransportRow {
  return ERROR_CODES.get(code) ?? UNKNOWN_ERROR_CODE;
}

export function errorAnswerError(answer: { httpStatus: number; code: number; message: string; retryAfterMs?: number }, context: string): ProviderError {
  const row = errorCodeRow(answer.code);
  const said = answer.message ? ` ("${shortened(answer.message, 120)}")` : '';
  return new ProviderError(row.kind, `${context}: Twilio ${answer.code} (HTTP ${answer.httpStatus}): ${row.description}${said} [${row.side} side]`, {
    code: String(answer.code),
    retryAfterMs: row.kind === 'retryable' ? answer.retryAfterMs : undefined,
  });
}

/** HTTP statuses without Twilio's error body: from something in front of Twilio that did not take the request — except a gateway timeout. */
export const HTTP_STATUS_CODES: ReadonlyMap<number, TransportRow> = new Map<number, TransportRow>([
  [408, { kind: 'retryable', side: 'provider', description: 'HTTP 408: the server timed out reading the request' }],
  [429, { kind: 'retryable', side: 'provider', description: 'HTTP 429: too many requests' }],
  [503, { kind: 'retryable', side: 'provider', description: 'HTTP 503: service unavailable' }],
  [504, { kind: 'outcome-unknown', side: 'provider', description: 'HTTP 504: a gateway gave up waiting for Twilio, which had the request' }],
]);
export const HTTP_5XX: TransportRow = { kind: 'provider-unavailable', side: 'provider', description: 'HTTP server error without a Twilio answer' };
export const HTTP_4XX: TransportRow = { kind: 'provider-unavailable', side: 'ours', description: 'HTTP client error without a Twilio answer (check baseUrl)' };
export const HTTP_OTHER: TransportRow = { kind: 'provider-unavailable', side: 'provider', description: 'unexpected HTTP status' };

export function httpStatusRow(status: number): TransportRow {
  return HTTP_STATUS_CODES.get(status) ?? (status >= 500 ? HTTP_5XX : status >= 400 ? HTTP_4XX : HTTP_OTHER);
}

export function transportError(error: WireTransportError, context: string): ProviderError {
  return transportProviderError(error, context, httpStatusRow);
}

// ---------------------------------------------------------------------------
// Message status

export interface StatusRow {
  state: DeliveryState;
  reason?: DeliveryReason;
  final: boolean;
  description: string;
}

/** `status` of the Message resource and `MessageStatus` of a callback [spec][docs]. */
export const MESSAGE_STATUSES: ReadonlyMap<string, StatusRow> = new Map<string, StatusRow>([
  ['accepted', { state: 'queued', final: false, description: 'accepted by a Messaging Service' }],
  ['scheduled', { state: 'queued', final: false, description: 'scheduled' }],
  ['queued', { state: 'queued', final: false, description: 'queued at Twilio' }],
  ['sending', { state: 'queued', final: false, description: 'being sent to the carrier' }],
  ['sent', { state: 'sent', final: false, description: 'accepted by the carrier' }],
  ['delivered', { state: 'delivered', final: true, description: 'delivered' }],
  ['read', { state: 'delivered', final: true, description: 'read' }],
  ['undelivered', { state: 'undelivered', reason: 'unknown', final: true, description: 'the carrier reported a failure' }],
  ['failed', { state: 'rejected', reason: 'unknown', final: true, description: 'never left Twilio' }],
  ['canceled', { state: 'rejected', reason: 'unknown', final: true, description: 'cancelled (scheduled)' }],
]);

export const UNKNOWN_MESSAGE_STATUS: StatusRow = { state: 'unknown', reason: 'unknown', final: false, description: 'unknown status' };

/** Delivery error codes (`error_code`, `ErrorCode`) that say more than the status [docs]. */
export const DELIVERY_ERRORS: ReadonlyMap<number, { reason: DeliveryReason; state?: DeliveryState }> = new Map<number, { reason: DeliveryReason; state?: DeliveryState }>([
  // ASSUMPTION [guess]: a message that failed for queue overflow or validity was not sent in time.
  [30001, { reason: 'expired', state: 'expired' }],
  [30036, { reason: 'expired', state: 'expired' }],
  [30002, { reason: 'insufficient-credit' }],
  [30003, { reason: 'handset-error' }],
  [30004, { reason: 'opted-out' }],
  [30005, { reason: 'invalid-number' }],
  [30006, { reason: 'invalid-number' }],
  [30007, { reason: 'content-rejected' }],
  [30008, { reason: 'unknown' }],
  [30034, { reason: 'sender-not-allowed' }],
]);

/** A status and its error code as a report row: the code may make a `failed` message `expired`, and names why. */
export function statusRow(status: string, errorCode: number | undefined): StatusRow {
  const row = MESSAGE_STATUSES.get(status) ?? UNKNOWN_MESSAGE_STATUS;
  const refined = errorCode === undefined ? undefined : DELIVERY_ERRORS.get(errorCode);
  if (!refined || (row.state !== 'undelivered' && row.state !== 'rejected')) return row;
  const state = refined.state !== undefined && status === 'failed' ? refined.state : row.state;
  return { ...row, state, reason: refined.reason };
}
