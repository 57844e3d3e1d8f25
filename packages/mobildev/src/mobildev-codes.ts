import { ProviderError, type DeliveryReason, type DeliveryState, type ProviderErrorKind } from '@rota/provider';
import { transportProviderError, type FaultSide, type TransportRow, type WireTransportError } from '@rota/provider/http';

/**
 * THE mapping tables: what Mobildev's answers mean for Rota. Every routing
 * decision about a Mobildev answer is a row here, never an `if` elsewhere.
 * The codes are the "v3.0" table of one source, cross-checked with older
 * tables for 01–11 (mobildev-api.md); the README says which are certain.
 */

export interface CodeRow {
  kind: ProviderErrorKind;
  side: FaultSide;
  description: string;
}

const row = (kind: ProviderErrorKind, side: FaultSide, description: string): CodeRow => ({ kind, side, description });

/** The two-digit code of a send (Action 0) or any other call. */
export const CODES: ReadonlyMap<string, CodeRow> = new Map<string, CodeRow>([
  ['01', row('provider-unavailable', 'account', 'wrong username, password or company code')],
  ['02', row('provider-unavailable', 'account', 'insufficient credit')],
  // Actions, bodies, nodes, dates, types and lists are this package's: Mobildev refusing them is our bug.
  ['03', row('provider-unavailable', 'ours', 'unknown Action')],
  ['04', row('provider-unavailable', 'ours', 'no body')],
  ['05', row('provider-unavailable', 'ours', 'a node missing or unreadable')],
  // The originator came from senderList: the configuration is wrong, and another provider may have it approved.
  ['06', row('provider-unavailable', 'account', 'unknown originator (sender)')],
  ['07', row('provider-unavailable', 'ours', 'no message id given')],
  ['09', row('provider-unavailable', 'ours', 'dates empty or wrong')],
  // ASSUMPTION [guess]: "SMS could not be sent" — nothing was sent: retried, then the next provider.
  ['10', row('retryable', 'provider', 'SMS could not be sent')],
  // ASSUMPTION [guess]: "undefined error" — retried with backoff.
  ['11', row('retryable', 'provider', 'undefined error')],
  ['12', row('provider-unavailable', 'account', 'admin-only area')],
  ['13', row('provider-unavailable', 'account', 'report user not found')],
  ['20', row('provider-unavailable', 'ours', 'only HTTP POST is accepted')],
  ['21', row('provider-unavailable', 'ours', 'MessageType not accepted')],
  ['22', row('provider-unavailable', 'ours', 'RecipientType not accepted')],
  // Core refuses blank texts (invisible-only ones too): a text Mobildev still finds empty is the message's fault, and
  // must not open the account's breaker. A send without numbers is never made.
  ['23', row('message-rejected', 'message', 'empty text')],
  ['24', row('provider-unavailable', 'ours', 'no numbers')],
  ['25', row('provider-unavailable', 'account', 'no permission to send to Turkish numbers')],
  ['26', row('provider-unavailable', 'account', 'AccountId not accepted')],
  ['27', row('provider-unavailable', 'ours', 'more than 25 message ids')],
  ['28', row('provider-unavailable', 'ours', 'date range longer than 72 hours')],
  ['29', row('provider-unavailable', 'provider', 'cancel failed')],
]);

/** A code no row knows (or 00 where an id was due), after the request was written: it may have been sent. */
export const UNKNOWN_CODE: CodeRow = row('outcome-unknown', 'provider', 'unknown code');

export function codeRow(code: string): CodeRow {
  return CODES.get(code) ?? UNKNOWN_CODE;
}

export function codeError(code: string, context: string): ProviderError {
  const r = codeRow(code);
  return new ProviderError(r.kind, `${context}: Mobildev code ${code}: ${r.description} [${r.side} side]`, { code });
}

/** On a report (Action 3), 02 means the packet is not processed yet — or not known [sure]: poll later. 08: nothing in the range. */
export const REPORT_NOT_READY = '02';

/**
 * HTTP statuses: Mobildev answers its own errors with HTTP 200 [guess], so a
 * non-2xx is from something in front of it, which did not take the request —
 * except a gateway timeout.
 */
export const HTTP_STATUS_CODES: ReadonlyMap<number, TransportRow> = new Map<number, TransportRow>([
  [408, { kind: 'retryable', side: 'provider', description: 'HTTP 408: the server timed out reading the request' }],
  [429, { kind: 'retryable', side: 'provider', description: 'HTTP 429: rate limited' }],
  [503, { kind: 'retryable', side: 'provider', description: 'HTTP 503: service unavailable' }],
  [504, { kind: 'outcome-unknown', side: 'provider', description: 'HTTP 504: a gateway gave up waiting for Mobildev, which had the request' }],
]);
export const HTTP_5XX: TransportRow = { kind: 'provider-unavailable', side: 'provider', description: 'HTTP server error' };
export const HTTP_4XX: TransportRow = { kind: 'provider-unavailable', side: 'ours', description: 'HTTP client error (check baseUrl)' };
export const HTTP_OTHER: TransportRow = { kind: 'provider-unavailable', side: 'provider', description: 'unexpected HTTP status' };

export function httpStatusRow(status: number): TransportRow {
  return HTTP_STATUS_CODES.get(status) ?? (status >= 500 ? HTTP_5XX : status >= 400 ? HTTP_4XX : HTTP_OTHER);
}

export function transportError(error: WireTransportError, context: string): ProviderError {
  return transportProviderError(error, context, httpStatusRow);
}

// ---------------------------------------------------------------------------
// Report status

export interface StatusRow {
  state: DeliveryState;
  reason?: DeliveryReason;
  final: boolean;
  description: string;
}

/** A report line's `Status`: 1 waiting, 2 delivered, 3 undelivered [one source]. */
export const REPORT_STATUSES: ReadonlyMap<string, StatusRow> = new Map<string, StatusRow>([
  ['1', { state: 'sent', final: false, description: 'waiting for a delivery report' }],
  ['2', { state: 'delivered', final: true, description: 'delivered' }],
  // The Reason column's codes are unknown: expired, refused (İYS included) and failed are not told apart.
  ['3', { state: 'undelivered', final: true, description: 'not delivered (the Reason column is not interpreted)' }],
]);

export const UNKNOWN_REPORT_STATUS: StatusRow = { state: 'unknown', reason: 'unknown', final: false, description: 'unknown status' };

export function reportStatusRow(status: string): StatusRow {
  return REPORT_STATUSES.get(status) ?? UNKNOWN_REPORT_STATUS;
}

/** A packet the report does not (yet) list: 02 — not processed yet, or not known. */
export const NOT_READY: StatusRow = { state: 'queued', final: false, description: 'packet not processed yet (or not known)' };
