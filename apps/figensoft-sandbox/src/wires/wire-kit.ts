import type { IncomingHttpHeaders } from 'node:http';
import { z } from 'zod';
import type { IysType, RecipientType } from '@rota/provider';
import { networkOutcome, type NetworkOutcome } from '../sandbox-delivery.js';
import type { Batch } from '../sandbox-message-store.js';
import type { SandboxOutcomes } from '../sandbox-options.js';

/**
 * What every wire of the sandbox shares: the shape of a wire module, the
 * answer it gives, the clock-driven delivery timeline, the consent check and
 * the records tests read. Each provider's wire (message-center-wire.ts, …)
 * writes its own requests and answers; the server routes by path prefix.
 */

export const WireNameSchema = z.enum(['figensoft', 'message-center', 'infobip', 'twilio', 'mobildev']);
export type WireName = z.infer<typeof WireNameSchema>;

/** An HTTP answer, as a wire writes it. */
export interface WireAnswer {
  status: number;
  body: string;
  /** Default: JSON. */
  contentType?: string;
  headers?: string[];
}

/** A request below a wire's path prefix. */
export interface WireRequest {
  method: string;
  /** The path below the wire's prefix, e.g. `/v1/send-sms/json`. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A request a wire understood: the endpoint and account faults are scoped by, and how to answer it. */
export interface PreparedRequest {
  endpoint: string;
  /** The account as faults name it (a key, a username, an account SID, a name): undefined when the request names none. */
  account: string | undefined;
  /** Runs the request (records, charges) and writes the answer; the time is the server's. */
  run(now: number): WireAnswer;
}

/** One accepted message, the same shape on every wire: what the failover tests count. */
export interface WireRecord {
  wire: WireName;
  /** The account as faults name it. */
  account: string;
  /** The number in the form the sandbox keys consent by (`90XXXXXXXXXX` for a Turkish mobile), else as written. */
  receiver: string;
  text: string;
  sender: string;
  /** The wire's own id for this message (Infobip messageId, Twilio sid, Message Center `<order>-<number>`, …). */
  messageId: string;
  /** Whether the request asked for the IYS consent check (commercial traffic). */
  commercial: boolean;
  recipientType?: RecipientType;
  acceptedAt: number;
  sendAt?: number;
}

export interface WireAccountView {
  wire: WireName;
  account: string;
  iysType?: IysType;
  senders: string[];
  credit: number;
}

/** The sandbox-wide things a wire reads and does. */
export interface WireContext {
  readonly deliveryDelayMs: number;
  approved(): ReadonlySet<string>;
  optedOut(): ReadonlySet<string>;
  outcomes(): SandboxOutcomes;
  /** Runs `action` after `ms`; the timer dies with the sandbox. */
  later(ms: number, action: () => void): void;
  /** Posts a pushed report; counted per wire as sent (2xx) or failed. `onDelivered` runs on a 2xx. */
  post(wire: WireName, url: string, body: string, headers: Record<string, string>, onDelivered?: () => void): void;
  /** The push URL configured for a wire (its account-level callback), if any. */
  pushUrl(wire: WireName): string | undefined;
}

export interface Wire {
  readonly name: WireName;
  /** The path prefix the wire is served under, e.g. `/message-center`. */
  readonly prefix: string;
  /** Understands a request, or answers it at once (unknown path, wrong method, unreadable body): before any fault applies. */
  prepare(request: WireRequest): PreparedRequest | WireAnswer;
  /** The wire's own error answer for a code (`status-code` faults): what the provider sends for it. */
  codeAnswer(code: number, endpoint: string): WireAnswer;
  /** A 200 that starts like a real answer and stops: the provider took the request, the client cannot know. */
  garbledAnswer(endpoint: string): WireAnswer;
  records(): WireRecord[];
  clear(): void;
  accounts(): WireAccountView[];
  setCredit(account: string, credit: number): void;
}

export const json = (status: number, value: unknown, headers?: string[]): WireAnswer => ({ status, body: JSON.stringify(value), ...(headers ? { headers } : {}) });

/** A batch on a wire other than FigenSoft: what one request's messages share, with the wire's own fields. */
export interface WireBatch<M> extends Batch {
  /** How many messages the request stored (its counters run from `first`). */
  first: number;
  count: number;
  commercial: boolean;
  recipientType: RecipientType | undefined;
  meta: M;
}

const TURKISH_MOBILE = /^(?:\+?90|0090|0)?(5\d{9})$/;
const SEPARATORS = /[\s().-]/g;

/**
 * A Turkish mobile in any of the forms providers take (`+905…`, `905…`,
 * `05…`, `5…`, `0090…`) as the number `90XXXXXXXXXX`, or NaN for anything else.
 */
export function turkishMobile(raw: string): number {
  const match = TURKISH_MOBILE.exec(raw) ?? TURKISH_MOBILE.exec(raw.replace(SEPARATORS, ''));
  return match ? 900_000_000_000 + Number(match[1]) : NaN;
}

/** Where a message is on its way, from the clock: nothing runs in the background. */
export type Phase = 'scheduled' | 'sending' | 'sent' | 'final';

export function phaseOf(batch: Batch, delayMs: number, now: number): { phase: Phase; at: number } {
  if (batch.sendAt !== undefined && now < batch.sendAt) return { phase: 'scheduled', at: batch.acceptedAt };
  const start = batch.sendAt !== undefined && batch.sendAt > batch.acceptedAt ? batch.sendAt : batch.acceptedAt;
  const elapsed = now - start;
  if (elapsed < delayMs / 2) return { phase: 'sending', at: start };
  if (elapsed < delayMs) return { phase: 'sent', at: start + Math.floor(delayMs / 2) };
  return { phase: 'final', at: start + delayMs };
}

/** When a batch's messages are final: what push mode waits for. */
export function finalAt(batch: Batch, delayMs: number): number {
  const start = batch.sendAt !== undefined && batch.sendAt > batch.acceptedAt ? batch.sendAt : batch.acceptedAt;
  return start + delayMs;
}

/** How a message ends: refused for consent (commercial traffic only, read at the time of asking), or the network's verdict. */
export type Verdict = NetworkOutcome | 'opted-out' | 'no-consent';

export function verdictOf(ctx: WireContext, commercial: boolean, receiver: string, counter: number): Verdict {
  if (commercial) {
    if (ctx.optedOut().has(receiver)) return 'opted-out';
    if (!ctx.approved().has(receiver)) return 'no-consent';
  }
  return networkOutcome(ctx.outcomes(), counter);
}

/** A receiver as the store keeps it: the mobile as a number when it is one, else NaN and the string as written. */
export function receiverOf(raw: string): { mobile: number; receiver: string } {
  const mobile = turkishMobile(raw);
  return Number.isNaN(mobile) ? { mobile, receiver: raw } : { mobile, receiver: String(mobile) };
}

/** The first element `<name>…</name>` of a small XML document: its text, CDATA unwrapped; undefined when absent. */
export function xmlElement(xml: string, name: string, from = 0): { value: string; end: number } | undefined {
  const open = xml.indexOf(`<${name}>`, from);
  const empty = xml.indexOf(`<${name}/>`, from);
  if (empty !== -1 && (open === -1 || empty < open)) return { value: '', end: empty + name.length + 3 };
  if (open === -1) return undefined;
  const start = open + name.length + 2;
  const close = xml.indexOf(`</${name}>`, start);
  if (close === -1) return undefined;
  return { value: xmlText(xml.slice(start, close)), end: close + name.length + 3 };
}

const XML_ENTITIES: Record<string, string> = { '&lt;': '<', '&gt;': '>', '&amp;': '&', '&quot;': '"', '&apos;': "'" };

/** The five named entities and character references (`&#13;`, `&#x0D;`), as an XML parser resolves them. */
const resolve = (plain: string): string =>
  plain.replace(/&(?:(lt|gt|amp|quot|apos)|#(\d+)|#x([0-9a-fA-F]+));/g, (entity, _name, decimal?: string, hex?: string) =>
    decimal !== undefined ? String.fromCodePoint(Number(decimal)) : hex !== undefined ? String.fromCodePoint(parseInt(hex, 16)) : (XML_ENTITIES[entity] ?? entity),
  );

/**
 * A body as an XML parser reads it before anything else: undefined when it
 * holds a character XML cannot carry (a C0 control but tab, LF and CR, a lone
 * surrogate, U+FFFE or U+FFFF: not well-formed), else with every CR and CR LF
 * read as LF (XML 1.0, 2.11; inside CDATA too).
 */
export function xmlDocument(raw: string): string | undefined {
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(raw)) return undefined;
  return raw.includes('\r') ? raw.replace(/\r\n?/g, '\n') : raw;
}

/** Element content as text: CDATA sections taken as they are (white space between them dropped), entities outside them resolved. */
function xmlText(content: string): string {
  if (!content.includes('<![CDATA[')) return resolve(content).trim();
  let out = '';
  let at = 0;
  while (at < content.length) {
    const cdata = content.indexOf('<![CDATA[', at);
    const plain = cdata === -1 ? content.slice(at) : content.slice(at, cdata);
    if (plain.trim() !== '') out += resolve(plain);
    if (cdata === -1) break;
    const end = content.indexOf(']]>', cdata + 9);
    if (end === -1) {
      out += content.slice(cdata + 9);
      break;
    }
    out += content.slice(cdata + 9, end);
    at = end + 3;
  }
  return out;
}
