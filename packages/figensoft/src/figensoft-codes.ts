import { ProviderError, shortened, type DeliveryReason, type DeliveryState, type ProviderErrorKind } from '@rota/provider';
import { TRANSPORT_FAILURES, transportProviderError, type FaultSide, type TransportRow } from '@rota/provider/http';
import type { FigenSoftTransportError } from './figensoft-transport-error.js';

// The sides, and the failures below anything a provider says, are every provider's (@rota/provider/http).
export { TRANSPORT_FAILURES, type FaultSide, type TransportRow };

/**
 * THE mapping tables: what FigenSoft's codes mean for Rota. Every routing
 * decision about a FigenSoft answer is a row here, never an `if` elsewhere.
 * Rows marked ASSUMPTION rest on a guess (see README "Assumptions").
 *
 * `side` says whose fault a failure is, and that decides the kind:
 * - `ours`     — the request we built is wrong (a bug in this package): the
 *                message and recipient are innocent, so never `message-rejected`;
 *                `provider-unavailable` sends the message to the next provider
 *                (whose request builder is a different one) and lets the breaker
 *                stop us repeating the bug.
 * - `account`  — this account cannot send (credentials, credit, configured
 *                senders): `provider-unavailable`; the breaker is per account,
 *                so the other IYS type's account keeps working.
 * - `provider` — the service or the network: `retryable` when nothing was
 *                sent, `outcome-unknown` when it may have been accepted,
 *                `provider-unavailable` otherwise.
 * - `message`  — the message itself is refused: `message-rejected`, final.
 */

export interface BodyStatusRow {
  outcome: 'accepted' | ProviderErrorKind;
  side: FaultSide | 'none';
  description: string;
}

/** Body `StatusCode` of a Send / Status / CreditBalance answer. */
export const BODY_STATUS_CODES: ReadonlyMap<number, BodyStatusRow> = new Map<number, BodyStatusRow>([
  [200, { outcome: 'accepted', side: 'none', description: 'accepted' }],
  [500, { outcome: 'provider-unavailable', side: 'account', description: 'wrong username or password' }],
  // ASSUMPTION (sandbox behaviour, meaning not documented by FigenSoft): 1030 = out of credit.
  [1030, { outcome: 'provider-unavailable', side: 'account', description: 'insufficient credit' }],
  // The sender came from this account's configured senderList (select() checks
  // it), so FigenSoft disagreeing means the configuration is wrong, not the
  // message: another provider may well have this sender approved.
  [1040, { outcome: 'provider-unavailable', side: 'account', description: 'originator (sender ID) not allowed for this account' }],
  // FigenSoft lists 1050 without a meaning (the sandbox answers it for an empty text, which core refuses before
  // routing, invisible-only ones too). A guess must not make a refusal final: as every code of unknown meaning,
  // the next provider is asked. Were it the message's fault after all, that provider refuses it as well.
  [1050, { outcome: 'provider-unavailable', side: 'provider', description: 'listed without a meaning (the sandbox answers it for an empty text)' }],
  [1060, { outcome: 'provider-unavailable', side: 'ours', description: 'Receivers empty' }],
  [1063, { outcome: 'provider-unavailable', side: 'ours', description: 'SendDate format invalid' }],
  [1064, { outcome: 'provider-unavailable', side: 'ours', description: 'ExpireDate format invalid' }],
  [1070, { outcome: 'provider-unavailable', side: 'ours', description: 'more than 800 receivers in one request' }],
  [1090, { outcome: 'provider-unavailable', side: 'ours', description: 'Messages empty' }],
]);

/** 400, 1020, 1061, 1062, 1065, 1066, 2060 … are listed by FigenSoft without a meaning. */
export const UNKNOWN_BODY_STATUS: BodyStatusRow = {
  outcome: 'provider-unavailable',
  side: 'provider',
  description: 'unknown StatusCode',
};

export function bodyStatusRow(code: number): BodyStatusRow {
  return BODY_STATUS_CODES.get(code) ?? UNKNOWN_BODY_STATUS;
}

/**
 * HTTP error statuses. FigenSoft answers its own errors with HTTP 200 and a
 * body StatusCode, so a non-2xx comes from the web server or a proxy in front
 * of the application: the application did not take the request — except 504,
 * where a gateway gave up waiting for an application that had it.
 */
export const HTTP_STATUS_CODES: ReadonlyMap<number, TransportRow> = new Map<number, TransportRow>([
  [408, { kind: 'retryable', side: 'provider', description: 'HTTP 408: the server timed out reading the request' }],
  [429, { kind: 'retryable', side: 'provider', description: 'HTTP 429: rate limited' }],
  [503, { kind: 'retryable', side: 'provider', description: 'HTTP 503: service unavailable' }],
  [504, { kind: 'outcome-unknown', side: 'provider', description: 'HTTP 504: a gateway timed out waiting for the service, which had the request' }],
]);
/** 500, 501, 502, 505…: the service is broken; try the next provider. */
export const HTTP_5XX: TransportRow = { kind: 'provider-unavailable', side: 'provider', description: 'HTTP server error' };
/** 400, 401, 404, 413…: our URL or request is wrong (e.g. a customApiUrl with the wrong path). */
export const HTTP_4XX: TransportRow = { kind: 'provider-unavailable', side: 'ours', description: 'HTTP client error' };
/** 1xx/3xx: not an answer the API gives. */
export const HTTP_OTHER: TransportRow = { kind: 'provider-unavailable', side: 'provider', description: 'unexpected HTTP status' };

export function httpStatusRow(status: number): TransportRow {
  return HTTP_STATUS_CODES.get(status) ?? (status >= 500 ? HTTP_5XX : status >= 400 ? HTTP_4XX : HTTP_OTHER);
}

/** The ProviderError for a body StatusCode other than 200. */
export function bodyStatusError(statusCode: number, statusDescription: string, context: string): ProviderError {
  const row = bodyStatusRow(statusCode);
  const kind: ProviderErrorKind = row.outcome === 'accepted' ? 'outcome-unknown' : row.outcome;
  const said = statusDescription ? ` ("${shortened(statusDescription, 120)}")` : '';
  return new ProviderError(kind, `${context}: FigenSoft StatusCode ${statusCode}: ${row.description}${said} [${row.side} side]`, {
    code: String(statusCode),
  });
}

/** The ProviderError for a transport failure; the cause is the sanitized transport error. */
export function transportError(error: FigenSoftTransportError, context: string): ProviderError {
  return transportProviderError(error, context, httpStatusRow);
}


// ---------------------------------------------------------------------------
// Delivery status

export interface SmsStatusRow {
  state: DeliveryState;
  reason?: DeliveryReason;
  /** `as-reported`: FigenSoft's own IsFinalStatus decides. */
  final: boolean | 'as-reported';
  description: string;
}

const undelivered = (reason: DeliveryReason, description: string): SmsStatusRow => ({ state: 'undelivered', reason, final: true, description });
const rejected = (reason: DeliveryReason, description: string): SmsStatusRow => ({ state: 'rejected', reason, final: true, description });

/**
 * `SmsStatus` of a Status answer → the shared delivery vocabulary.
 * ASSUMPTION: the split of 402–414 into reasons follows the order FigenSoft
 * lists them in ("timeout, unknown line, SMS barred, handset errors"); the
 * exact code for each is a guess. All of them are final and "not delivered".
 */
export const SMS_STATUS_CODES: ReadonlyMap<string, SmsStatusRow> = new Map<string, SmsStatusRow>([
  ['110', { state: 'queued', final: false, description: 'waiting for credit' }],
  ['120', { state: 'queued', final: false, description: 'waiting for the send time' }],
  ['200', { state: 'sending', final: false, description: 'being sent' }],
  ['300', { state: 'sent', final: false, description: 'handed to the operator' }],
  ['400', { state: 'delivered', final: true, description: 'delivered' }],
  ['402', undelivered('expired', 'not delivered: validity timed out')],
  ['403', undelivered('invalid-number', 'not delivered: unknown line')],
  ['404', undelivered('network-error', 'not delivered: SMS barred on the line')],
  ['405', undelivered('handset-error', 'not delivered: handset error')],
  ['406', undelivered('handset-error', 'not delivered: handset error')],
  ['407', undelivered('handset-error', 'not delivered: handset error')],
  ['408', undelivered('handset-error', 'not delivered: handset error')],
  ['409', undelivered('handset-error', 'not delivered: handset error')],
  ['410', { state: 'unknown', reason: 'unknown', final: 'as-reported', description: 'operator reports an unknown state' }],
  ['411', undelivered('handset-error', 'not delivered: handset error')],
  ['412', undelivered('handset-error', 'not delivered: handset error')],
  ['413', undelivered('handset-error', 'not delivered: handset error')],
  ['414', undelivered('handset-error', 'not delivered: handset error')],
  ['420', { state: 'unknown', reason: 'unknown', final: 'as-reported', description: 'operator reports an unknown state' }],
  // IYS refusals are final on every provider: routing the message elsewhere would get around the recipient's choice.
  // 424 is IYS's decision about the recipient (no consent), a rejection like −241/−243; 421–423 and 426 are IYS failing.
  ['421', undelivered('iys-error', 'IYS: system error')],
  ['422', undelivered('iys-error', 'IYS: parameter error')],
  ['423', undelivered('iys-error', 'IYS: definition error')],
  ['424', rejected('iys-consent-missing', 'IYS: number not on the approved list')],
  ['425', undelivered('invalid-number', 'IYS: invalid number')],
  ['426', undelivered('iys-error', 'IYS: unknown error')],
  ['-201', rejected('invalid-number', 'invalid number')],
  ['-202', rejected('duplicate', 'duplicate content')],
  ['-205', rejected('too-long', 'text too long')],
  ['-208', rejected('insufficient-credit', 'insufficient credit')],
  ['-220', rejected('insufficient-credit', 'insufficient credit')],
  ['-241', rejected('opted-out', 'recipient opted out (IYS RET)')],
  ['-242', rejected('opted-out', 'number on the permission-marketing blacklist')],
  ['-243', rejected('iys-consent-missing', 'number not on the permission-marketing list')],
  ['-262', rejected('sender-not-allowed', 'alphanumeric sender (originator) problem')],
  ['-263', rejected('content-rejected', 'content filter')],
  ['-441', rejected('sender-not-allowed', 'alphanumeric sender (originator) problem')],
  ['-447', rejected('too-long', `text with Turkish characters over the FigenSoft limit`)],
  // An id FigenSoft does not know [one]; not final, because a fresh id may not be visible yet.
  ['', { state: 'unknown', reason: 'not-found', final: false, description: 'message id not known to FigenSoft' }],
]);

export const UNKNOWN_SMS_STATUS: SmsStatusRow = { state: 'unknown', reason: 'unknown', final: false, description: 'unknown SmsStatus' };

export function smsStatusRow(code: string): SmsStatusRow {
  return SMS_STATUS_CODES.get(code.trim()) ?? UNKNOWN_SMS_STATUS;
}

/**
 * ASSUMPTION (status −447): FigenSoft refuses a text with Turkish characters
 * longer than this many characters (= 4 UCS-2 segments of 67). Counted in
 * UTF-16 code units, as a .NET service counts string length.
 */
export const MAX_TURKISH_TEXT_CHARACTERS = 268;
