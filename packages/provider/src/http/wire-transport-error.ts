import type { ProviderErrorKind } from '../provider/provider-error.js';

/**
 * What went wrong on the way to a provider and back, below anything the
 * provider itself said. `-before-write` means the request's bytes never
 * reached the socket (nothing can have been accepted); `-after-write` means
 * they may have. A wire client has no timer of its own: the caller's signal
 * is the one time limit, and an abort says which side of the write it came on.
 */
export type TransportFailure =
  | 'connection-refused'
  | 'dns-failure'
  | 'connect-timeout'
  | 'tls-failure'
  | 'connect-failed'
  | 'aborted-before-write'
  | 'aborted-after-write'
  | 'reset-after-write'
  | 'http-status'
  | 'garbled-response';

/** The only parts of an underlying error kept: never its message, request or body. */
export interface SanitizedCause {
  name: string;
  code?: string;
}

export interface WireTransportErrorFields {
  failure: TransportFailure;
  /** What the client was doing, e.g. `send-sms`, `Messages.json`: never a URL (it could carry a token). */
  operation: string;
  requestWritten: boolean;
  httpStatus?: number;
  retryAfterMs?: number;
  errorCode?: string;
  cause?: SanitizedCause;
}

/**
 * A failure of the exchange itself (connection, abort, an unreadable or
 * non-2xx answer that carries nothing the provider's codes table knows).
 * It never carries a request or response body: those may hold credentials.
 */
export class WireTransportError extends Error {
  /** A provider's subclass names itself (`FigenSoftTransportError`). */
  override readonly name: string = 'WireTransportError';
  readonly failure: TransportFailure;
  readonly operation: string;
  /** Whether the request's bytes may have reached the provider. */
  readonly requestWritten: boolean;
  readonly httpStatus: number | undefined;
  readonly retryAfterMs: number | undefined;
  /** The socket or undici error code, e.g. `ECONNREFUSED`, `UND_ERR_SOCKET`. */
  readonly errorCode: string | undefined;

  constructor(message: string, fields: WireTransportErrorFields) {
    super(message, fields.cause ? { cause: fields.cause } : undefined);
    this.failure = fields.failure;
    this.operation = fields.operation;
    this.requestWritten = fields.requestWritten;
    this.httpStatus = fields.httpStatus;
    this.retryAfterMs = fields.retryAfterMs;
    this.errorCode = fields.errorCode;
  }

  static is(error: unknown): error is WireTransportError {
    return error instanceof WireTransportError;
  }
}

export const FAILURE_TEXT: Record<TransportFailure, string> = {
  'connection-refused': 'connection refused',
  'dns-failure': 'host name did not resolve',
  'connect-timeout': 'connect timed out',
  'tls-failure': 'TLS handshake failed',
  'connect-failed': 'could not connect',
  'aborted-before-write': 'aborted before the request was sent',
  'aborted-after-write': 'aborted after the request was sent',
  'reset-after-write': 'connection closed after the request was sent',
  'http-status': 'HTTP error status',
  'garbled-response': 'unreadable answer',
};

/**
 * Whose fault a failure is, which decides its kind (every provider's codes
 * table says it for each row):
 * - `ours`     — the request we built is wrong (a bug in the package): never
 *                `message-rejected`; `provider-unavailable` moves the message on.
 * - `account`  — this account cannot send now (credentials, credit, senders).
 * - `provider` — the service or the network.
 * - `message`  — the message or its recipient is refused.
 */
export type FaultSide = 'ours' | 'message' | 'provider' | 'account';

export interface TransportRow {
  kind: ProviderErrorKind;
  side: FaultSide;
  description: string;
}

/** Failures below anything the provider said; the same for every provider. HTTP statuses are each provider's own table. */
export const TRANSPORT_FAILURES: Readonly<Record<Exclude<TransportFailure, 'http-status'>, TransportRow>> = {
  'connection-refused': { kind: 'retryable', side: 'provider', description: 'connection refused: nothing was sent' },
  'dns-failure': { kind: 'retryable', side: 'provider', description: 'host name did not resolve: nothing was sent' },
  'connect-timeout': { kind: 'retryable', side: 'provider', description: 'connect timed out: nothing was sent' },
  'connect-failed': { kind: 'retryable', side: 'provider', description: 'could not connect: nothing was sent' },
  // A bad certificate does not heal within a retry's backoff.
  'tls-failure': { kind: 'provider-unavailable', side: 'provider', description: 'TLS handshake failed: nothing was sent' },
  'aborted-before-write': { kind: 'retryable', side: 'provider', description: 'aborted before the request was sent' },
  'aborted-after-write': { kind: 'outcome-unknown', side: 'provider', description: 'aborted after the request was sent: it may have been accepted' },
  'reset-after-write': { kind: 'outcome-unknown', side: 'provider', description: 'connection closed after the request was sent: it may have been accepted' },
  'garbled-response': { kind: 'outcome-unknown', side: 'provider', description: 'unreadable answer: the request may have been accepted' },
};

/** The code a ProviderError for this transport failure carries: the socket code, `aborted`, or the failure's name. */
export function transportCode(error: WireTransportError): string {
  if (error.failure === 'http-status') return `HTTP_${error.httpStatus}`;
  if (error.failure === 'aborted-before-write' || error.failure === 'aborted-after-write') return 'aborted';
  return error.errorCode ?? error.failure;
}

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'EAI_NODATA']);
const isTlsCode = (code: string): boolean =>
  code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL') || code.includes('CERT') || code.includes('SELF_SIGNED');

export function sanitize(error: unknown): SanitizedCause {
  if (error && typeof error === 'object') {
    const { name, code } = error as { name?: unknown; code?: unknown };
    return typeof code === 'string' ? { name: String(name ?? 'Error'), code } : { name: String(name ?? 'Error') };
  }
  return { name: typeof error };
}

export function classifySocketError(error: unknown, written: boolean): TransportFailure {
  const code = (error as { code?: unknown } | null)?.code;
  const c = typeof code === 'string' ? code : '';
  if (written) return 'reset-after-write';
  if (c === 'ECONNREFUSED') return 'connection-refused';
  if (DNS_CODES.has(c)) return 'dns-failure';
  if (c === 'UND_ERR_CONNECT_TIMEOUT') return 'connect-timeout';
  if (isTlsCode(c)) return 'tls-failure';
  return 'connect-failed';
}

/**
 * The longest pause a provider's Retry-After can ask for: a day. Longer is no plan for an SMS,
 * and a timer past 2^31 ms (24.8 days) fires at once in Node, so 99999999999999 seconds was
 * honoured as no pause at all.
 */
export const MAX_RETRY_AFTER_MS = 24 * 3_600_000;

/** `Retry-After` as milliseconds, at most MAX_RETRY_AFTER_MS: delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return undefined;
  const trimmed = v.trim();
  if (/^\d+$/.test(trimmed)) return Math.min(MAX_RETRY_AFTER_MS, Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.min(MAX_RETRY_AFTER_MS, Math.max(0, at - now));
}
