import { createHash, timingSafeEqual } from 'node:crypto';
import type { DeliveryReport, PushedReports, PushOrigin, ReceivedReports } from '@rota/provider';
import { statusRow } from './twilio-codes.js';
import { signWithAuthToken, type TwilioCredentials } from './twilio-credentials.js';

/** A Message resource's (or a callback's) status as Rota's delivery report. */
export function toDeliveryReport(sid: string, status: string, errorCode: number | undefined, to: string | undefined, at?: Date): DeliveryReport {
  const row = statusRow(status, errorCode);
  const report: DeliveryReport = { providerMessageId: sid, state: row.state, final: row.final, providerCode: errorCode === undefined ? status : `${status}/${errorCode}` };
  if (row.reason) report.reason = row.reason;
  if (to) report.to = to;
  if (at && !Number.isNaN(at.getTime())) report.at = at;
  return report;
}

/**
 * Whether `signature` is Twilio's for this request (twilio-python's
 * request_validator): base64 HMAC-SHA1, keyed with the auth token, of the full
 * URL Twilio called followed by every POST parameter's name and value, names
 * (then values) sorted. The URL is tried as given and with its default port
 * added or dropped, as Twilio's validators do. A JSON body is signed through
 * the URL's `bodySHA256` parameter instead (the body's hex SHA-256).
 */
export function isTwilioSignature(credentials: TwilioCredentials, url: string, body: Buffer, signature: string): boolean {
  const given = Buffer.from(signature, 'base64');
  if (given.length !== 20) return false;
  let params: [string, string][] = [];
  let bodyHash: string | null;
  try {
    bodyHash = new URL(url).searchParams.get('bodySHA256');
  } catch {
    return false;
  }
  if (bodyHash !== null) {
    const actual = createHash('sha256').update(body).digest('hex');
    if (!sameText(actual, bodyHash.toLowerCase())) return false;
  } else {
    params = [...new URLSearchParams(body.toString('utf8'))];
    params.sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  }
  let suffix = '';
  for (const [name, value] of params) suffix += name + value;
  return urlVariants(url).some((candidate) => timingSafeEqual(signWithAuthToken(credentials, candidate + suffix), given));
}

/** The URL as given, and with the scheme's default port added or dropped. */
function urlVariants(url: string): string[] {
  const parsed = new URL(url);
  const defaultPort = parsed.protocol === 'https:' ? '443' : parsed.protocol === 'http:' ? '80' : '';
  const variants = [url];
  const authority = /^([a-z]+:\/\/)([^/?#]+)(.*)$/i.exec(url);
  if (!authority || !defaultPort) return variants;
  const [, scheme, host, rest] = authority as unknown as [string, string, string, string];
  if (host.endsWith(`:${defaultPort}`)) variants.push(`${scheme}${host.slice(0, -defaultPort.length - 1)}${rest}`);
  else if (!/:\d+$/.test(host)) variants.push(`${scheme}${host}:${defaultPort}${rest}`);
  return variants;
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The signature header's value, if the push has one. */
function signatureOf(push: PushOrigin): string | undefined {
  const header = push.headers['x-twilio-signature'];
  return (Array.isArray(header) ? header[0] : header) || undefined;
}

/**
 * A push without a signature, refused before its body is read (the signature
 * itself is over the body, so it is checked once the body is in).
 */
export function unsignedRefusal(push: PushOrigin): typeof UNSIGNED | undefined {
  return signatureOf(push) === undefined ? UNSIGNED : undefined;
}

const UNSIGNED = { ok: false, status: 401, reason: 'the push carries no X-Twilio-Signature' } as const;

/**
 * A status callback from Twilio: form-encoded `MessageSid, MessageStatus,
 * ErrorCode?, To, …` posted to the StatusCallback URL, proven by
 * `X-Twilio-Signature` (401 when it is missing or wrong). Unknown fields are
 * ignored: Twilio adds fields without notice.
 */
export function readStatusCallback(push: PushedReports, credentials: TwilioCredentials): ReceivedReports {
  const signature = signatureOf(push);
  if (signature === undefined) return UNSIGNED;
  if (!isTwilioSignature(credentials, push.url, push.body, signature)) return { ok: false, status: 401, reason: 'X-Twilio-Signature does not match this account' };
  const params = new URLSearchParams(push.body.toString('utf8'));
  const sid = params.get('MessageSid') ?? params.get('SmsSid');
  const status = params.get('MessageStatus') ?? params.get('SmsStatus');
  if (!sid || !status) return { ok: false, status: 400, reason: 'the body has no MessageSid or MessageStatus' };
  const errorCode = params.get('ErrorCode');
  const code = errorCode === null || errorCode === '' ? undefined : Number(errorCode);
  return { ok: true, reports: [toDeliveryReport(sid, status, Number.isFinite(code) ? code : undefined, params.get('To') ?? undefined)] };
}
