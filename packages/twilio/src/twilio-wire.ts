/**
 * Twilio's Programmable Messaging API (2010-04-01) on the wire
 * (twilio-api.md): the form-encoded create request, the paths, and light
 * readers of the Message resource, the error body and the balance, which check
 * what the client uses and let the rest through (Twilio adds fields without notice).
 */

export const API_VERSION = '2010-04-01';

export const paths = {
  messages: (accountSid: string) => `/${API_VERSION}/Accounts/${accountSid}/Messages.json`,
  message: (accountSid: string, sid: string) => `/${API_VERSION}/Accounts/${accountSid}/Messages/${encodeURIComponent(sid)}.json`,
  balance: (accountSid: string) => `/${API_VERSION}/Accounts/${accountSid}/Balance.json`,
};

/** ValidityPeriod's range: seconds in Twilio's queue, 1 to 36,000 [spec]. */
export const MAX_VALIDITY_SECONDS = 36_000;

export interface CreateMessage {
  /** E.164, `+905321234567`. */
  to: string;
  from: string;
  body: string;
  statusCallback?: string;
  /** Seconds, 1–36,000. */
  validityPeriod?: number;
}

/** `To=%2B905321112233&From=ROTA&Body=…&StatusCallback=…&ValidityPeriod=…`, application/x-www-form-urlencoded. */
export function createMessageForm(message: CreateMessage): string {
  let form = `To=${encodeForm(message.to)}&From=${encodeForm(message.from)}&Body=${encodeForm(message.body)}`;
  if (message.statusCallback !== undefined) form += `&StatusCallback=${encodeForm(message.statusCallback)}`;
  if (message.validityPeriod !== undefined) form += `&ValidityPeriod=${message.validityPeriod}`;
  return form;
}

/** application/x-www-form-urlencoded, as URLSearchParams writes it (space as `+`). */
function encodeForm(value: string): string {
  return encodeURIComponent(value).replace(/%20/g, '+').replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The Message resource, as far as Rota reads it. */
export interface MessageResource {
  sid: string;
  status: string;
  to?: string;
  /** A string on the wire (`"1"`); 0 with a Messaging Service at creation. */
  numSegments?: number;
  errorCode?: number;
  dateUpdated?: string;
}

type Json = Record<string, unknown>;
const objectOf = (value: unknown): Json | undefined => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined);
const numberOf = (value: unknown): number | undefined => {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  return Number.isFinite(n) ? n : undefined;
};

export function readMessage(json: unknown): MessageResource | undefined {
  const m = objectOf(json);
  if (typeof m?.sid !== 'string' || m.sid === '' || typeof m.status !== 'string') return undefined;
  const segments = numberOf(m.num_segments);
  const errorCode = numberOf(m.error_code);
  return {
    sid: m.sid,
    status: m.status,
    ...(typeof m.to === 'string' ? { to: m.to } : {}),
    ...(segments === undefined ? {} : { numSegments: segments }),
    ...(errorCode === undefined ? {} : { errorCode }),
    ...(typeof m.date_updated === 'string' ? { dateUpdated: m.date_updated } : {}),
  };
}

/** `{ code, message, more_info, status }` (the 2010 API's error shape), or the RFC 9457 one (`type, title, status, code, detail`). */
export function readError(json: unknown): { code: number; message: string } | undefined {
  const e = objectOf(json);
  const code = numberOf(e?.code);
  if (code === undefined) return undefined;
  const message = typeof e!.message === 'string' ? e!.message : typeof e!.detail === 'string' ? e!.detail : '';
  return { code, message };
}

export function readBalance(json: unknown): { balance: number | undefined; currency: string } | undefined {
  const b = objectOf(json);
  if (!b || (b.balance === undefined && b.currency === undefined)) return undefined;
  // A string on the wire; subaccounts carry none.
  return { balance: numberOf(b.balance), currency: typeof b.currency === 'string' ? b.currency : '' };
}
