import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Rota's webhook signature, shaped like Stripe's: the header
 * `Rota-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`, the
 * HMAC keyed with the client's signing secret. The timestamp is inside what
 * is signed, so a receiver that checks it refuses a replay of an old delivery.
 */
export const SIGNATURE_HEADER = 'rota-signature';
/** Each event's id, the same on every retry of one event: receivers dedupe by it. */
export const EVENT_ID_HEADER = 'rota-event-id';
/** How far a signature's time may be from the receiver's clock by default. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

/**
 * The header value for `body`, signed at `timestamp` (unix seconds; default
 * now) with `secret`, or with each of `secrets` while one is rotated: a `v1`
 * entry each, so a receiver holding either secret takes the delivery.
 */
export function signWebhook(body: string, secret: string | readonly string[], timestamp = Math.floor(Date.now() / 1000)): string {
  const secrets = typeof secret === 'string' ? [secret] : secret;
  // A header with no v1 would be refused by every receiver, as if tampered with: a caller's bug, said at once.
  if (secrets.length === 0) throw new RangeError('signWebhook needs at least one secret');
  return `t=${timestamp},${secrets.map((each) => `v1=${hmac(each, timestamp, body)}`).join(',')}`;
}

export type WebhookVerification = { ok: true; timestamp: number } | { ok: false; reason: 'malformed-header' | 'bad-signature' | 'too-old' | 'too-new' };

/**
 * Checks a delivery: `body` exactly as received (the raw bytes as text, not a
 * re-serialised JSON), `header` the Rota-Signature header, `secret` your
 * signing secret. Refuses a signature older (or further in the future) than
 * `toleranceSeconds` — a replay — and compares in constant time. Several `v1`
 * entries are allowed (one per secret while a secret is being rotated).
 */
export function verifyWebhook(
  body: string | Buffer,
  header: string | string[] | undefined,
  secret: string,
  toleranceSeconds = DEFAULT_TOLERANCE_SECONDS,
  now = Math.floor(Date.now() / 1000),
): WebhookVerification {
  const value = Array.isArray(header) ? header[0] : header;
  if (typeof value !== 'string') return { ok: false, reason: 'malformed-header' };
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const part of value.split(',')) {
    const [key, ...rest] = part.trim().split('=');
    const item = rest.join('=');
    if (key === 't' && /^\d{1,12}$/.test(item)) timestamp = Number(item);
    else if (key === 'v1' && /^[0-9a-f]{64}$/.test(item)) signatures.push(item);
  }
  if (timestamp === undefined || signatures.length === 0) return { ok: false, reason: 'malformed-header' };
  const expected = Buffer.from(hmac(secret, timestamp, typeof body === 'string' ? body : body.toString('utf8')), 'hex');
  const matches = signatures.some((signature) => timingSafeEqual(Buffer.from(signature, 'hex'), expected));
  if (!matches) return { ok: false, reason: 'bad-signature' };
  if (now - timestamp > toleranceSeconds) return { ok: false, reason: 'too-old' };
  if (timestamp - now > toleranceSeconds) return { ok: false, reason: 'too-new' };
  return { ok: true, timestamp };
}

function hmac(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex');
}
