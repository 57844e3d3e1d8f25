import type { ProviderErrorKind } from '@rota/provider';

/**
 * What Twilio's answers mean for routing, for the wire client this stub will
 * get. NOT YET USED BY A TRANSPORT: the stub sends nothing, so nothing reads
 * these tables in production today. They are written now so that the meaning
 * of each code is decided (and tested) once, from Twilio's documentation, not
 * improvised under pressure later.
 *
 * Twilio's error body is `{ code, message, status }`; `code` is the precise
 * one, the HTTP status the fallback.
 */

export interface TwilioErrorRow {
  kind: ProviderErrorKind;
  meaning: string;
}

/** Twilio error codes (the body's `code`). */
export const TWILIO_ERROR_CODES: Readonly<Record<number, TwilioErrorRow>> = Object.freeze({
  20003: { kind: 'provider-unavailable', meaning: 'authentication failed (accountSid or authToken wrong)' },
  20429: { kind: 'retryable', meaning: 'too many requests' },
  21211: { kind: 'message-rejected', meaning: "invalid 'To' phone number" },
  21408: { kind: 'provider-unavailable', meaning: 'sending to this region is not enabled on the account' },
  21610: { kind: 'message-rejected', meaning: 'the recipient opted out (replied STOP)' },
  21614: { kind: 'message-rejected', meaning: "'To' is not a mobile number" },
});

/**
 * HTTP statuses, read when the body has no known code. A 500, 502 or 504
 * may come after Twilio created the message, so it is outcome-unknown, not a
 * retry: resending could deliver twice. 503 means it was not taken.
 */
export const TWILIO_HTTP_STATUSES: Readonly<Record<number, TwilioErrorRow>> = Object.freeze({
  401: { kind: 'provider-unavailable', meaning: 'authentication failed' },
  429: { kind: 'retryable', meaning: 'too many requests' },
  500: { kind: 'outcome-unknown', meaning: 'internal error; the message may have been created' },
  502: { kind: 'outcome-unknown', meaning: 'bad gateway; the message may have been created' },
  503: { kind: 'retryable', meaning: 'service unavailable' },
  504: { kind: 'outcome-unknown', meaning: 'gateway timeout; the message may have been created' },
});

/**
 * An unknown code is never taken as final for the message (that would stop
 * failover on a guess): it moves the message to the next provider.
 */
const UNKNOWN: TwilioErrorRow = { kind: 'provider-unavailable', meaning: 'unknown Twilio error' };

/** The row for an error answer: by Twilio code first, then by HTTP status. `code` is what a ProviderError should carry. */
export function twilioErrorKind(answer: { code?: number; httpStatus: number }): TwilioErrorRow & { code: string } {
  const byCode = answer.code === undefined ? undefined : TWILIO_ERROR_CODES[answer.code];
  if (byCode) return { ...byCode, code: String(answer.code) };
  const byStatus = TWILIO_HTTP_STATUSES[answer.httpStatus];
  return { ...(byStatus ?? UNKNOWN), code: answer.code === undefined ? `http-${answer.httpStatus}` : String(answer.code) };
}
