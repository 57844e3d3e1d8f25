import type { Endpoint } from './figensoft-wire.js';

/**
 * What went wrong below the body StatusCode. `-before-write` means the request's
 * bytes never reached the socket (nothing can have been accepted);
 * `-after-write` means they may have. There is no timeout of the client's own:
 * the caller's signal is the one time limit (an abort says which side of the
 * write it came on).
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

/** The only parts of an underlying error we keep: never its message, request or body. */
export interface SanitizedCause {
  name: string;
  code?: string;
}

export interface FigenSoftTransportErrorFields {
  failure: TransportFailure;
  endpoint: Endpoint;
  requestWritten: boolean;
  httpStatus?: number;
  retryAfterMs?: number;
  errorCode?: string;
  cause?: SanitizedCause;
}

export class FigenSoftTransportError extends Error {
  override readonly name = 'FigenSoftTransportError';
  readonly failure: TransportFailure;
  readonly endpoint: Endpoint;
  /** Whether the request's bytes may have reached the service. */
  readonly requestWritten: boolean;
  readonly httpStatus: number | undefined;
  readonly retryAfterMs: number | undefined;
  /** The socket or undici error code, e.g. `ECONNREFUSED`, `UND_ERR_SOCKET`. */
  readonly errorCode: string | undefined;
  /**
   * Receivers of a split send that earlier requests had already been accepted
   * for when this one failed (0 unless the send was split and a later part failed).
   */
  acceptedReceivers = 0;

  constructor(message: string, fields: FigenSoftTransportErrorFields) {
    super(message, fields.cause ? { cause: fields.cause } : undefined);
    this.failure = fields.failure;
    this.endpoint = fields.endpoint;
    this.requestWritten = fields.requestWritten;
    this.httpStatus = fields.httpStatus;
    this.retryAfterMs = fields.retryAfterMs;
    this.errorCode = fields.errorCode;
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
  'garbled-response': 'answer is not a FigenSoft JSON answer',
};

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

/** `Retry-After` as milliseconds: delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return undefined;
  const trimmed = v.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
