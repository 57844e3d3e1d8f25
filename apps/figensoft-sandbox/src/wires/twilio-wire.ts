import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { analyzeAsUcs2, analyzeText } from '@rota/provider';
import { MessageStore } from '../sandbox-message-store.js';
import {
  finalAt,
  json,
  phaseOf,
  receiverOf,
  verdictOf,
  type PreparedRequest,
  type Wire,
  type WireAccountView,
  type WireAnswer,
  type WireBatch,
  type WireContext,
  type WireRecord,
  type WireRequest,
} from './wire-kit.js';

/**
 * Twilio's Programmable Messaging (API 2010-04-01) as twilio-api.md gives it:
 * one `To` per form-encoded `POST …/Accounts/{Sid}/Messages.json` (201 with
 * the Message resource), HTTP Basic `AccountSid:AuthToken`, errors as
 * `{ code, message, more_info, status }`, the resource read back by sid,
 * `Balance.json`, and status callbacks posted to the request's
 * `StatusCallback`, signed with `X-Twilio-Signature` as Twilio signs them.
 * Twilio does not check İYS consent: the sandbox never refuses for it.
 */

export const TwilioAccountSchema = z.strictObject({
  accountSid: z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'must be "AC" followed by 32 hexadecimal characters'),
  authToken: z.string().min(1, 'must not be empty'),
  /** Senders (`From`) the account owns: alphanumeric sender IDs or numbers. */
  senders: z.array(z.string().min(1)).min(1, 'must list at least one sender'),
  /** USD; at 0 or below a send answers 10001 (account not active). */
  balance: z.number().default(100),
});
export type TwilioAccountInput = z.input<typeof TwilioAccountSchema>;

export const TwilioWireSchema = z.strictObject({ accounts: z.array(TwilioAccountSchema).min(1, 'must hold at least one account') });
export type TwilioWireOptions = z.output<typeof TwilioWireSchema>;
export type TwilioWireInput = z.input<typeof TwilioWireSchema>;

export const PRICE_PER_SEGMENT = 0.0075;
const API_VERSION = '2010-04-01';
const E164 = /^\+[1-9]\d{6,14}$/;

/** The error codes the sandbox answers with, and their HTTP status (twilio-api.md). 10001's HTTP status is a sandbox guess. */
export const TWILIO_ERRORS = {
  auth: [20003, 401, 'Authenticate'],
  notFound: [20404, 404, 'The requested resource was not found'],
  tooMany: [20429, 429, 'Too Many Requests'],
  inactive: [10001, 403, 'Account is not active'],
  invalidTo: [21211, 400, "The 'To' number is not a valid phone number."],
  invalidFrom: [21212, 400, "The 'From' number is not a valid phone number, shortcode, or alphanumeric sender ID."],
  bodyMissing: [21602, 400, 'Message body is required.'],
  fromMissing: [21603, 400, "A 'From' phone number is required."],
  toMissing: [21604, 400, "A 'To' phone number is required."],
  badCallback: [21609, 400, 'Invalid StatusCallback URL'],
  unsubscribed: [21610, 400, 'Attempt to send to unsubscribed recipient'],
  bodyTooLong: [21617, 400, 'The concatenated message body exceeds the 1600 character limit.'],
  scheduleNeedsService: [35118, 400, 'MessagingServiceSid is required to schedule a message.'],
} as const satisfies Record<string, readonly [number, number, string]>;
type TwilioError = (typeof TWILIO_ERRORS)[keyof typeof TWILIO_ERRORS];

const errorAnswer = ([code, httpStatus, message]: TwilioError | readonly [number, number, string]): WireAnswer =>
  json(httpStatus, { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status: httpStatus });

/** A code's HTTP status for `status-code` faults: the table's, or by the code's family. */
function httpStatusOf(code: number): number {
  const known = Object.values(TWILIO_ERRORS).find(([c]) => c === code);
  if (known) return known[1];
  if (code >= 20_000 && code < 21_000) return code === 20_429 ? 429 : 401;
  return code >= 500 && code <= 599 ? code : 400;
}

interface Meta {
  from: string;
  to: string;
  statusCallback: string | undefined;
  messagingServiceSid: string | undefined;
}
type Batch = WireBatch<Meta>;

export function createTwilioWire(options: TwilioWireOptions, ctx: WireContext, maxRecords: number): Wire {
  const accounts = options.accounts;
  const balances = accounts.map((account) => account.balance);
  const bySid = new Map(accounts.map((account, index) => [account.accountSid, index]));
  const store = new MessageStore<Batch>(maxRecords);
  // Sids are `SM` + this instance's tag + the counter: read back without an index, never reused after a restart.
  const instance = (Date.now() >>> 0).toString(16).padStart(8, '0');
  const sidOf = (counter: number): string => `SM${instance}${counter.toString(16).padStart(24, '0')}`;
  const counterOf = (sid: string): number | undefined =>
    /^SM[0-9a-f]{32}$/.test(sid) && sid.slice(2, 10) === instance ? parseInt(sid.slice(10), 16) : undefined;

  function authenticate(headers: WireRequest['headers'], pathSid: string): number | undefined {
    const value = headers.authorization;
    if (typeof value !== 'string' || !value.startsWith('Basic ')) return undefined;
    const decoded = Buffer.from(value.slice(6), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const sid = decoded.slice(0, colon);
    const index = bySid.get(sid);
    return index !== undefined && sid === pathSid && accounts[index]!.authToken === decoded.slice(colon + 1) ? index : undefined;
  }

  function create(index: number, form: URLSearchParams, now: number): WireAnswer {
    const to = form.get('To');
    const body = form.get('Body');
    const from = form.get('From');
    const service = form.get('MessagingServiceSid');
    if (!to) return errorAnswer(TWILIO_ERRORS.toMissing);
    if (body === null || body === '') return errorAnswer(TWILIO_ERRORS.bodyMissing);
    if (body.length > 1_600) return errorAnswer(TWILIO_ERRORS.bodyTooLong);
    if (!from && !service) return errorAnswer(TWILIO_ERRORS.fromMissing);
    if (!E164.test(to)) return errorAnswer(TWILIO_ERRORS.invalidTo);
    const sender = from ?? accounts[index]!.senders[0]!;
    if (from && !accounts[index]!.senders.includes(from)) return errorAnswer(TWILIO_ERRORS.invalidFrom);
    const callback = form.get('StatusCallback') ?? undefined;
    if (callback !== undefined && !validCallback(callback)) return errorAnswer(TWILIO_ERRORS.badCallback);
    const sendAtText = form.get('SendAt');
    if (sendAtText && !service) return errorAnswer(TWILIO_ERRORS.scheduleNeedsService);
    const read = receiverOf(to);
    // A number that replied STOP: the sandbox's opted-out list stands for Twilio's own.
    if (ctx.optedOut().has(read.receiver)) return errorAnswer(TWILIO_ERRORS.unsubscribed);
    if (balances[index]! <= 0) return errorAnswer(TWILIO_ERRORS.inactive);

    const segments = twilioSegments(body);
    balances[index]! -= segments * PRICE_PER_SEGMENT;
    const first = store.nextCounter;
    const sendAt = sendAtText ? Date.parse(sendAtText) : undefined;
    const batch: Batch = {
      accountIndex: index,
      originator: sender,
      acceptedAt: now,
      sendAt: sendAt !== undefined && !Number.isNaN(sendAt) ? sendAt : undefined,
      expireAt: undefined,
      channel: undefined,
      first,
      count: 1,
      // Twilio knows nothing of İYS: nothing it carries is checked against consent.
      commercial: false,
      recipientType: undefined,
      meta: { from: sender, to, statusCallback: callback, messagingServiceSid: service ?? undefined },
    };
    store.reserve(batch, body, 1);
    store.set(first, read.mobile, Number.isNaN(read.mobile) ? to.slice(1) : read.receiver, 0, body.length, segments);
    if (callback !== undefined) ctx.later(finalAt(batch, ctx.deliveryDelayMs) - now, () => push(batch, callback));
    return json(201, resource(batch, first, now, batch.sendAt !== undefined ? 'scheduled' : service ? 'accepted' : 'queued'));
  }

  /** The Message resource as Twilio writes it: numbers of segments and prices as strings, dates in RFC 2822. */
  function resource(batch: Batch, counter: number, now: number, initial?: string): Record<string, unknown> {
    const message = store.get(counter)!;
    const { status, errorCode } = initial ? { status: initial, errorCode: null } : statusOf(batch, counter, now);
    const account = accounts[batch.accountIndex]!;
    const sid = sidOf(counter);
    const billed = status === 'queued' || status === 'accepted' || status === 'scheduled' ? null : (-PRICE_PER_SEGMENT * message.charge).toFixed(5);
    return {
      sid,
      account_sid: account.accountSid,
      messaging_service_sid: batch.meta.messagingServiceSid ?? null,
      from: batch.meta.from,
      to: batch.meta.to,
      body: message.text,
      status,
      num_segments: String(message.charge),
      num_media: '0',
      direction: 'outbound-api',
      api_version: API_VERSION,
      price: billed,
      price_unit: 'USD',
      error_code: errorCode,
      error_message: null,
      date_created: new Date(batch.acceptedAt).toUTCString().replace('GMT', '+0000'),
      date_sent: status === 'queued' || status === 'accepted' || status === 'scheduled' ? null : new Date(batch.acceptedAt).toUTCString().replace('GMT', '+0000'),
      date_updated: new Date(now).toUTCString().replace('GMT', '+0000'),
      uri: `/${API_VERSION}/Accounts/${account.accountSid}/Messages/${sid}.json`,
      subresource_uris: { media: `/${API_VERSION}/Accounts/${account.accountSid}/Messages/${sid}/Media.json` },
    };
  }

  function statusOf(batch: Batch, counter: number, now: number): { status: string; errorCode: number | null } {
    const { phase } = phaseOf(batch, ctx.deliveryDelayMs, now);
    if (phase === 'scheduled') return { status: 'scheduled', errorCode: null };
    if (phase === 'sending') return { status: 'sending', errorCode: null };
    if (phase === 'sent') return { status: 'sent', errorCode: null };
    const message = store.get(counter)!;
    switch (verdictOf(ctx, batch.commercial, message.receiver, counter)) {
      case 'delivered':
        return { status: 'delivered', errorCode: null };
      case 'expired':
        return { status: 'failed', errorCode: 30036 };
      case 'unknown':
        // No delivery receipt ever came: Twilio leaves the message at `sent`.
        return { status: 'sent', errorCode: null };
      default:
        return { status: 'undelivered', errorCode: 30003 };
    }
  }

  function push(batch: Batch, url: string): void {
    const counter = batch.first;
    if (!store.get(counter)) return;
    const { status, errorCode } = statusOf(batch, counter, Number.MAX_SAFE_INTEGER);
    if (status === 'sent') return; // nothing changed since the answer's `sent`: Twilio would not call again
    const account = accounts[batch.accountIndex]!;
    const sid = sidOf(counter);
    const params: [string, string][] = [
      ['MessageSid', sid],
      ['SmsSid', sid],
      ['AccountSid', account.accountSid],
      ['From', batch.meta.from],
      ['To', batch.meta.to],
      ['MessageStatus', status],
      ['SmsStatus', status],
      ['ApiVersion', API_VERSION],
    ];
    if (errorCode !== null) params.push(['ErrorCode', String(errorCode)]);
    if (batch.meta.messagingServiceSid) params.push(['MessagingServiceSid', batch.meta.messagingServiceSid]);
    const body = new URLSearchParams(params).toString();
    ctx.post('twilio', url, body, { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilioSignature(account.authToken, url, params) });
  }

  const MESSAGES = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/;
  const MESSAGE = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\/([^/]+)\.json$/;
  const BALANCE = /^\/2010-04-01\/Accounts\/([^/]+)\/Balance\.json$/;

  return {
    name: 'twilio',
    prefix: '/twilio',
    prepare(request: WireRequest): PreparedRequest | WireAnswer {
      let match: RegExpExecArray | null;
      let endpoint: string;
      let method: string;
      if ((match = MESSAGES.exec(request.path))) [endpoint, method] = ['Messages.json', 'POST'];
      else if ((match = MESSAGE.exec(request.path))) [endpoint, method] = ['Messages/{Sid}.json', 'GET'];
      else if ((match = BALANCE.exec(request.path))) [endpoint, method] = ['Balance.json', 'GET'];
      else return errorAnswer(TWILIO_ERRORS.notFound);
      if (request.method !== method) return json(405, { code: 20004, message: 'Method not allowed', more_info: 'https://www.twilio.com/docs/errors/20004', status: 405 }, ['allow', method]);
      const pathSid = match[1]!;
      const messageSid = match[2];
      return {
        endpoint,
        account: pathSid,
        run(now) {
          const index = authenticate(request.headers, pathSid);
          if (index === undefined) return errorAnswer(TWILIO_ERRORS.auth);
          if (endpoint === 'Messages.json') return create(index, new URLSearchParams(request.body.toString('utf8')), now);
          if (endpoint === 'Balance.json') return json(200, { account_sid: pathSid, balance: balances[index]!.toFixed(5), currency: 'USD' });
          const counter = counterOf(messageSid!);
          const message = counter === undefined ? undefined : store.get(counter);
          if (!message || message.batch.accountIndex !== index) return errorAnswer(TWILIO_ERRORS.notFound);
          return json(200, resource(message.batch, counter!, now));
        },
      };
    },
    codeAnswer: (code) => errorAnswer([code, httpStatusOf(code), 'Injected fault']),
    garbledAnswer: () => ({ status: 201, body: '{"sid":"SM' }),
    records(): WireRecord[] {
      const records: WireRecord[] = [];
      for (const [counter, message] of store.entries()) {
        const { batch } = message;
        records.push({
          wire: 'twilio',
          account: accounts[batch.accountIndex]!.accountSid,
          receiver: message.receiver,
          text: message.text,
          sender: batch.originator,
          messageId: sidOf(counter),
          commercial: false,
          acceptedAt: batch.acceptedAt,
          ...(batch.sendAt !== undefined ? { sendAt: batch.sendAt } : {}),
        });
      }
      return records;
    },
    clear: () => store.clear(),
    accounts: (): WireAccountView[] => accounts.map((a, i) => ({ wire: 'twilio', account: a.accountSid, senders: [...a.senders], credit: balances[i]! })),
    setCredit(account, credit) {
      const index = bySid.get(account);
      if (index === undefined) throw new Error(`Unknown Twilio sandbox account "${account}"`);
      balances[index] = credit;
    },
  };
}

/** A StatusCallback Twilio takes: an absolute http(s) URL without `_` in the host (21609). */
function validCallback(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && !url.hostname.includes('_') && value.length <= 4_000;
  } catch {
    return false;
  }
}

/**
 * `X-Twilio-Signature`: base64 of HMAC-SHA1, keyed with the auth token, of the
 * full URL followed by every POST parameter's name and value, names sorted
 * (twilio-python's request_validator).
 */
export function twilioSignature(authToken: string, url: string, params: readonly (readonly [string, string])[]): string {
  const sorted = [...params].sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  let data = url;
  for (const [name, value] of sorted) data += name + value;
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}

/**
 * The segments Twilio bills a text: GSM-7, or else UCS-2 — it documents no Turkish shift
 * tables, so a text that needs them is not billed as Rota's analysis would count it.
 */
function twilioSegments(body: string): number {
  const analysis = analyzeText(body);
  return analysis.encoding === 'GSM7' ? analysis.segments : analyzeAsUcs2(body).segments;
}
