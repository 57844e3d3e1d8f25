import { ProviderError } from '../provider/provider-error.js';
import { FAILURE_TEXT, TRANSPORT_FAILURES, transportCode, type TransportRow, type WireTransportError } from './wire-transport-error.js';

/**
 * A transport failure as the ProviderError its row makes: an HTTP status by the
 * provider's own table, any other failure by the shared one. The message is the
 * wire's words, then what they mean for the message, each said once (the wire
 * already said "unreadable answer"; the row adds "the request may have been
 * accepted"). A Retry-After is kept only where a retry is due.
 */
export function transportProviderError(error: WireTransportError, context: string, httpStatusRow: (status: number) => TransportRow): ProviderError {
  const row = error.failure === 'http-status' ? httpStatusRow(error.httpStatus ?? 0) : TRANSPORT_FAILURES[error.failure];
  const said = FAILURE_TEXT[error.failure];
  const meaning = row.description === said ? '' : row.description.startsWith(`${said}: `) ? row.description.slice(said.length + 2) : row.description;
  return new ProviderError(row.kind, `${context}: ${error.message}${meaning === '' ? '' : `: ${meaning}`}`, {
    code: transportCode(error),
    retryAfterMs: row.kind === 'retryable' ? error.retryAfterMs : undefined,
    cause: error,
  });
}
