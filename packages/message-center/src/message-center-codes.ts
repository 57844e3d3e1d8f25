import { ProviderError, shortened, type DeliveryReason, type DeliveryState, type ProviderErrorKind } from '@rota/provider';
import { transportProviderError, type FaultSide, type TransportRow, type WireTransportError } from '@rota/provider/http';

/**
 * THE mapping tables: what Message Center's codes mean for Rota. Every routing
 * decision about a Message Center answer is a row here, never an `if`
 * elsewhere. `side` says whose fault a failure is (see FaultSide in
 * @rota/provider/http), which decides the kind. Rows marked ASSUMPTION rest on
 * a guess (README "What is certain").
 */

export interface CodeRow {
  outcome: 'accepted' | ProviderErrorKind;
  side: FaultSide | 'none';
  description: string;
}

const row = (outcome: CodeRow['outcome'], side: CodeRow['side'], description: string): CodeRow => ({ outcome, side, description });

/** `response.status.code` (mirrored by the HTTP status) of every endpoint [sure unless marked]. */
export const STATUS_CODES: ReadonlyMap<number, CodeRow> = new Map<number, CodeRow>([
  [200, row('accepted', 'none', 'accepted')],
  // The body and URL are built by this package: the service not reading them is our bug, not the message's.
  [400, row('provider-unavailable', 'ours', 'request body could not be read')],
  [401, row('provider-unavailable', 'account', 'authentication failed (key/hash wrong, API access off, or this IP not allowed)')],
  [402, row('provider-unavailable', 'account', 'insufficient balance')],
  [403, row('provider-unavailable', 'account', 'no active İYS subscription')],
  [404, row('provider-unavailable', 'ours', 'unknown URL (check baseUrl)')],
  [422, row('provider-unavailable', 'ours', 'request failed validation')],
  // ASSUMPTION: not in Message Center's table; a 429 is honoured as throttling if it ever comes.
  [429, row('retryable', 'provider', 'rate limited')],
  // The sender came from this account's configuration: Message Center disagreeing is the configuration's fault, and another provider may have it approved.
  [450, row('provider-unavailable', 'account', 'sender not approved for the account')],
  // ASSUMPTION [guess]: the same text to the same recipients within 10 minutes — most likely an earlier try of ours that timed out
  // was accepted. Never resend it elsewhere; report it unknown.
  [451, row('outcome-unknown', 'message', 'duplicate order: the same text to the same recipients was accepted within 10 minutes')],
  [452, row('message-rejected', 'message', 'recipients invalid or all blacklisted')],
  // select() refuses texts over 7 parts; Message Center counting otherwise is a gap in ours.
  [453, row('provider-unavailable', 'ours', 'text longer than 7 parts')],
  // Core refuses blank texts before routing (white space and invisible characters too). A text that still looks empty to
  // Message Center is the message's fault: no other provider would send it, and it must not open this account's breaker.
  [454, row('message-rejected', 'message', 'text empty')],
  [455, row('provider-unavailable', 'provider', 'order not found')],
  [456, row('retryable', 'provider', 'order scheduled, not started')],
  [457, row('provider-unavailable', 'ours', 'sendDateTime unreadable')],
  [458, row('provider-unavailable', 'ours', 'date range longer than 10 days')],
  // Sender IDs are checked by the configuration schema (3–11 characters, no Turkish letters).
  [459, row('provider-unavailable', 'ours', 'sender empty')],
  [460, row('provider-unavailable', 'ours', 'sender longer than 11 characters or with Turkish letters')],
  [466, row('message-rejected', 'message', 'invalid number')],
  [468, row('provider-unavailable', 'ours', 'iys missing')],
  [469, row('provider-unavailable', 'ours', 'iysList missing')],
  [470, row('provider-unavailable', 'account', 'the account has no İYS code (panel configuration)')],
  [503, row('retryable', 'provider', 'temporarily unavailable')],
]);

/**
 * Codes that refuse a whole order for some of its numbers without naming them ("recipient, final" in
 * the contract; whether Message Center instead drops the number alone is not documented). Final for
 * an order of one number (the rows above); an order of more is every number's `not-taken`, for the
 * request's sake (send() in message-center-provider.ts): the good numbers are not lost for a bad one.
 * Not 452 ("recipients invalid or all blacklisted"): it comes when no number of the order is good,
 * and sending blacklisted (opted-out) numbers through another provider would get round the list.
 */
export const ORDER_REFUSED_FOR_A_NUMBER: ReadonlySet<number> = new Set([466]);

/** A code in Message Center's envelope that no table row knows, after the request was written: it may have been accepted. */
export const UNKNOWN_STATUS_CODE: CodeRow = row('outcome-unknown', 'provider', 'unknown code');

/**
 * A 5xx code in Message Center's own envelope: the service failing, which the contract calls
 * retryable ("a resend may duplicate — 451 guards 10 minutes"). A retry that finds the order taken
 * after all is answered 451, which is outcome-unknown: nothing is sent twice through this account.
 */
export const SERVER_ERROR_CODE: CodeRow = row('retryable', 'provider', 'server error');

export function statusCodeRow(code: number): CodeRow {
  return STATUS_CODES.get(code) ?? (code >= 500 && code <= 599 ? SERVER_ERROR_CODE : UNKNOWN_STATUS_CODE);
}

/** The ProviderError for a body code other than 200. */
export function statusCodeError(code: number, said: string, context: string, retryAfterMs?: number): ProviderError {
  const r = statusCodeRow(code);
  const kind: ProviderErrorKind = r.outcome === 'accepted' ? 'outcome-unknown' : r.outcome;
  const quoted = said ? ` ("${shortened(said, 120)}")` : '';
  return new ProviderError(kind, `${context}: Message Center code ${code}: ${r.description}${quoted} [${r.side} side]`, {
    code: String(code),
    retryAfterMs: kind === 'retryable' ? retryAfterMs : undefined,
  });
}

/**
 * HTTP statuses that come without Message Center's envelope: from a proxy or a
 * load balancer in front of the service, which did not take the request —
 * except a gateway timeout, where the service may have it.
 */
export const HTTP_STATUS_CODES: ReadonlyMap<number, TransportRow> = new Map<number, TransportRow>([
  [408, { kind: 'retryable', side: 'provider', description: 'HTTP 408: the server timed out reading the request' }],
  [429, { kind: 'retryable', side: 'provider', description: 'HTTP 429: rate limited' }],
  [503, { kind: 'retryable', side: 'provider', description: 'HTTP 503: service unavailable' }],
  [504, { kind: 'outcome-unknown', side: 'provider', description: 'HTTP 504: a gateway gave up waiting for the service, which had the request' }],
]);
export const HTTP_5XX: TransportRow = { kind: 'provider-unavailable', side: 'provider', description: 'HTTP server error without a Message Center answer' };
export const HTTP_4XX: TransportRow = { kind: 'provider-unavailable', side: 'ours', description: 'HTTP client error without a Message Center answer (check baseUrl)' };
export const HTTP_OTHER: TransportRow = { kind: 'provider-unavailable', side: 'provider', description: 'unexpected HTTP status' };

export function httpStatusRow(status: number): TransportRow {
  return HTTP_STATUS_CODES.get(status) ?? (status >= 500 ? HTTP_5XX : status >= 400 ? HTTP_4XX : HTTP_OTHER);
}

/** The ProviderError for a transport failure; the cause is the sanitised transport error. */
export function transportError(error: WireTransportError, context: string): ProviderError {
  return transportProviderError(error, context, httpStatusRow);
}

// ---------------------------------------------------------------------------
// Delivery reports

export interface DeliveryRow {
  state: DeliveryState;
  reason?: DeliveryReason;
  final: boolean;
  description: string;
}

/** A number's status in a report (110/111/112), the push's word for it, and what it means. */
const STATUS_ROWS: readonly (readonly [code: string, word: string, row: DeliveryRow])[] = [
  // Accepted, no delivery report yet (the provider reads `queued` while the order's send time is ahead).
  ['110', 'accepted', { state: 'sent', final: false, description: 'accepted, waiting for a delivery report' }],
  ['111', 'delivered', { state: 'delivered', final: true, description: 'delivered' }],
  // Off-network, blacklisted, a format problem, an İYS refusal… Message Center does not tell them apart [sure], so no reason.
  ['112', 'undelivered', { state: 'undelivered', final: true, description: 'not delivered (cause not reported)' }],
];

/** A number's status by its code in a report, or by the push's word for it. */
export const MESSAGE_STATUSES: ReadonlyMap<string, DeliveryRow> = new Map(
  STATUS_ROWS.flatMap(([code, word, row]): [string, DeliveryRow][] => [
    [code, row],
    [word, row],
  ]),
);

/** The report's code for a push's word: a delivery is 111 whether it was read or pushed, so a client that maps providerCode sees one code for it. */
export const PUSHED_WORD_CODES: ReadonlyMap<string, string> = new Map(STATUS_ROWS.map(([code, word]) => [word, code]));

export const UNKNOWN_MESSAGE_STATUS: DeliveryRow = { state: 'unknown', reason: 'unknown', final: false, description: 'unknown status' };

export function messageStatusRow(status: string): DeliveryRow {
  return MESSAGE_STATUSES.get(status) ?? UNKNOWN_MESSAGE_STATUS;
}

/** Order statuses that decide every message of the order, whatever its row says. */
export const ORDER_STATUSES: ReadonlyMap<number, DeliveryRow> = new Map<number, DeliveryRow>([
  [115, { state: 'rejected', final: true, description: 'order not sent or cancelled' }],
]);

/** Orders the service does not know (455), for the ids asked about them: not final, a fresh order may not be visible yet. */
export const ORDER_NOT_FOUND: DeliveryRow = { state: 'unknown', reason: 'not-found', final: false, description: 'order not known to Message Center' };
/** Orders whose send time has not come (456). */
export const ORDER_NOT_STARTED: DeliveryRow = { state: 'queued', final: false, description: 'order scheduled, not started' };
