import { z } from 'zod';
import { analyzeText, type RecipientType } from '@rota/provider';
import { MessageStore } from '../sandbox-message-store.js';
import {
  phaseOf,
  receiverOf,
  verdictOf,
  xmlDocument,
  xmlElement,
  type PreparedRequest,
  type Verdict,
  type Wire,
  type WireAccountView,
  type WireAnswer,
  type WireBatch,
  type WireContext,
  type WireRecord,
  type WireRequest,
} from './wire-kit.js';

/**
 * Mobildev's XML API (`POST https://xmlapi.mobildev.com`) as mobildev-api.md
 * pieces it together: an XML body (`MainmsgBody` / `MainReportRoot`) with the
 * credentials and an `Action`, a plain-text answer — `ID:<packet id>` or a
 * two-digit code, HTTP 200 either way — reports by packet id (Action 3), one
 * line per number, and the credit and senders (Action 4). Pull only: no
 * source shows Mobildev pushing reports, so the sandbox does not either.
 * Mobildev is the least certain wire of all; every guess is named here.
 */

export const MobildevAccountSchema = z.strictObject({
  /** As the request's `UserName` carries it: an API key, or `username-companyCode` on legacy accounts. */
  username: z.string().min(1, 'must not be empty'),
  password: z.string().min(1, 'must not be empty'),
  /** Approved originators; the first stands in for the account default. */
  senders: z.array(z.string().min(1).max(11)).min(1, 'must list at least one sender'),
  credit: z.number().int('must be a whole number').min(0, 'must not be negative').default(1_000_000),
});
export type MobildevAccountInput = z.input<typeof MobildevAccountSchema>;

export const MobildevWireSchema = z.strictObject({ accounts: z.array(MobildevAccountSchema).min(1, 'must hold at least one account') });
export type MobildevWireOptions = z.output<typeof MobildevWireSchema>;
export type MobildevWireInput = z.input<typeof MobildevWireSchema>;

/** The answer codes (the "v3.0" table of mobildev-api.md). */
export const MOBILDEV_CODES = {
  ok: '00',
  auth: '01',
  credit: '02',
  notReady: '02',
  unknownAction: '03',
  noBody: '04',
  badNode: '05',
  unknownOriginator: '06',
  noMessageId: '07',
  postOnly: '20',
  badMessageType: '21',
  badRecipientType: '22',
  emptyText: '23',
  noNumbers: '24',
  tooManyIds: '27',
  cancelFailed: '29',
} as const;

/** Report `Status`: 1 waiting, 2 delivered, 3 undelivered [one source]. */
export const MOBILDEV_REPORT_STATUSES = { waiting: '1', delivered: '2', undelivered: '3' } as const;

/** The `Reason` column: its real codes are unknown, these are the sandbox's words. */
const REASONS: Record<Exclude<Verdict, 'delivered' | 'unknown'> | 'invalid-number' | 'cancelled', string> = {
  undelivered: 'HANDSET',
  expired: 'EXPIRED',
  'opted-out': 'IYS-RET',
  'no-consent': 'IYS-NO-CONSENT',
  'invalid-number': 'INVALID-NUMBER',
  cancelled: 'CANCELLED',
};

const MAX_IDS = 25;
const DATE = /^(\d{2})(\d{2})(\d{4})(\d{2})(\d{2})$/;
const TURKEY_MS = 3 * 3_600_000;
/** Flag bit: the packet was cancelled (Action 6). */
const CANCELLED = 1;

interface Meta {
  messageType: 'N' | 'C';
  encoding: string;
}
type Batch = WireBatch<Meta>;

const text = (body: string): WireAnswer => ({ status: 200, body, contentType: 'text/plain; charset=utf-8' });

/** A parsed request body: the value of a top-level field, and the list of `Messages/Message` entries (Action 1). */
interface Fields {
  get(name: string): string | undefined;
  messages(): { text: string; number: string }[];
}

export function createMobildevWire(options: MobildevWireOptions, ctx: WireContext, maxRecords: number): Wire {
  const accounts = options.accounts;
  const credits = accounts.map((account) => account.credit);
  const byUsername = new Map(accounts.map((account, index) => [account.username, index]));
  // Packet ids are counters; starting from the clock keeps them unique across restarts.
  const store = new MessageStore<Batch>(maxRecords, Date.now() * 1_000);

  function send(index: number, fields: Fields, action: 0 | 1, now: number): WireAnswer {
    const account = accounts[index]!;
    const entries: { text: string; number: string }[] = [];
    if (action === 0) {
      const body = fields.get('Mesgbody') ?? '';
      if (body === '') return text(MOBILDEV_CODES.emptyText);
      const numbers = (fields.get('Numbers') ?? '').split(',').map((n) => n.trim()).filter((n) => n !== '');
      if (numbers.length === 0) return text(MOBILDEV_CODES.noNumbers);
      for (const number of numbers) entries.push({ text: body, number });
    } else {
      const list = fields.messages();
      if (list.length === 0) return text(MOBILDEV_CODES.noNumbers);
      for (const entry of list) {
        if (entry.text === '') return text(MOBILDEV_CODES.emptyText);
        if (entry.number === '') return text(MOBILDEV_CODES.noNumbers);
        entries.push(entry);
      }
    }
    const originator = fields.get('Originator') || account.senders[0]!;
    if (!account.senders.includes(originator)) return text(MOBILDEV_CODES.unknownOriginator);
    // ASSUMPTION (sandbox): an absent MessageType is a notification.
    const messageType = fields.get('MessageType') || 'N';
    if (messageType !== 'N' && messageType !== 'C') return text(MOBILDEV_CODES.badMessageType);
    let recipientType: RecipientType | undefined;
    if (messageType === 'C') {
      const given = fields.get('RecipientType');
      if (given !== 'B' && given !== 'T') return text(MOBILDEV_CODES.badRecipientType);
      recipientType = given === 'B' ? 'BIREYSEL' : 'TACIR';
    }
    const sendAt = readDate(fields.get('SDate'));
    const expireAt = readDate(fields.get('EDate'));
    const encoding = fields.get('Encoding') ?? '';
    if (sendAt === null || expireAt === null || (encoding !== '' && encoding !== '0' && encoding !== '1')) return text(MOBILDEV_CODES.badNode);

    const segments = new Map<string, number>();
    let total = 0;
    const read = entries.map((entry) => {
      let s = segments.get(entry.text);
      if (s === undefined) segments.set(entry.text, (s = analyzeText(entry.text).segments));
      const receiver = receiverOf(entry.number);
      if (!Number.isNaN(receiver.mobile)) total += s;
      return { ...receiver, text: entry.text, segments: s };
    });
    if (credits[index]! < total) return text(MOBILDEV_CODES.credit);
    credits[index]! -= total;

    const first = store.nextCounter;
    const batch: Batch = {
      accountIndex: index,
      originator,
      acceptedAt: now,
      sendAt: sendAt !== undefined && sendAt > now ? sendAt : undefined,
      expireAt,
      channel: undefined,
      first,
      count: read.length,
      commercial: messageType === 'C',
      recipientType,
      meta: { messageType, encoding },
    };
    const sameText = read.every((r) => r.text === read[0]!.text);
    const textSource = sameText ? read[0]!.text : read.map((r) => r.text).join('');
    store.reserve(batch, textSource, read.length);
    let at = 0;
    read.forEach((r, i) => {
      store.set(first + i, r.mobile, r.receiver, sameText ? 0 : at, r.text.length, Number.isNaN(r.mobile) ? 0 : r.segments);
      if (!sameText) at += r.text.length;
    });
    return text(`ID:${first}`);
  }

  function report(index: number, fields: Fields, now: number): WireAnswer {
    const ids = (fields.get('MsgID') ?? '').split(',').map((id) => id.trim()).filter((id) => id !== '');
    if (ids.length === 0) return text(MOBILDEV_CODES.noMessageId);
    // ASSUMPTION (sandbox): several ids go comma-separated in one MsgID; how the real API takes them is unknown.
    if (ids.length > MAX_IDS) return text(MOBILDEV_CODES.tooManyIds);
    const lines: string[] = [];
    for (const id of ids) {
      const batch = packet(index, id);
      if (!batch) continue;
      for (let counter = batch.first; counter < batch.first + batch.count; counter++) {
        const message = store.get(counter);
        if (message) lines.push(reportLine(batch, counter, message.receiver, message.charge, now));
      }
    }
    return text(lines.length === 0 ? MOBILDEV_CODES.notReady : lines.join('\r\n'));
  }

  function packet(index: number, id: string): Batch | undefined {
    const counter = Number(id);
    const batch = /^\d+$/.test(id) ? store.get(counter)?.batch : undefined;
    return batch && batch.first === counter && batch.accountIndex === index ? batch : undefined;
  }

  function reportLine(batch: Batch, counter: number, receiver: string, charge: number, now: number): string {
    let status: string = MOBILDEV_REPORT_STATUSES.waiting;
    let reason = '0';
    let doneAt = '-';
    const { phase, at } = phaseOf(batch, ctx.deliveryDelayMs, now);
    if (store.flags(batch.first) & CANCELLED) {
      status = MOBILDEV_REPORT_STATUSES.undelivered;
      reason = REASONS.cancelled;
    } else if (Number.isNaN(Number(receiver)) || !receiver.startsWith('905')) {
      status = MOBILDEV_REPORT_STATUSES.undelivered;
      reason = REASONS['invalid-number'];
    } else if (phase === 'final') {
      const verdict = verdictOf(ctx, batch.commercial, receiver, counter);
      if (verdict === 'delivered') status = MOBILDEV_REPORT_STATUSES.delivered;
      else if (verdict !== 'unknown') {
        status = MOBILDEV_REPORT_STATUSES.undelivered;
        reason = REASONS[verdict];
      }
      if (verdict !== 'unknown') doneAt = reportDate(at);
    }
    const recipientType = batch.recipientType === undefined ? '' : batch.recipientType === 'BIREYSEL' ? 'B' : 'T';
    return [batch.first, receiver, status, doneAt, reason, charge, batch.meta.messageType, recipientType || '-', '-', batch.meta.encoding || '-'].join('\t');
  }

  function cancel(index: number, fields: Fields, now: number): WireAnswer {
    const batch = packet(index, (fields.get('MsgID') ?? '').trim());
    if (!batch || batch.sendAt === undefined || batch.sendAt <= now || store.flags(batch.first) & CANCELLED) return text(MOBILDEV_CODES.cancelFailed);
    store.setFlags(batch.first, store.flags(batch.first) | CANCELLED);
    return text(MOBILDEV_CODES.ok);
  }

  return {
    name: 'mobildev',
    prefix: '/mobildev',
    prepare(request: WireRequest): PreparedRequest | WireAnswer {
      if (request.path !== '' && request.path !== '/') return { status: 404, body: 'Not Found', contentType: 'text/plain; charset=utf-8' };
      if (request.method !== 'POST') return text(MOBILDEV_CODES.postOnly);
      const raw = request.body.toString('utf8').trim();
      if (raw === '') return text(MOBILDEV_CODES.noBody);
      const fields = raw.startsWith('{') ? jsonFields(raw) : xmlFields(raw);
      if (!fields) return text(MOBILDEV_CODES.badNode);
      const action = fields.get('Action');
      const username = fields.get('UserName');
      return {
        endpoint: `Action ${action ?? '?'}`,
        account: username,
        run(now) {
          const index = username === undefined ? undefined : byUsername.get(username);
          if (index === undefined || accounts[index]!.password !== fields.get('PassWord')) return text(MOBILDEV_CODES.auth);
          switch (action) {
            case '0':
            case '1':
              return send(index, fields, action === '0' ? 0 : 1, now);
            case '3':
              return report(index, fields, now);
            case '4': {
              const credit = credits[index]!.toFixed(2).replace('.', ',');
              return text([credit, ...accounts[index]!.senders].join('\n'));
            }
            case '6':
              return cancel(index, fields, now);
            case undefined:
              return text(MOBILDEV_CODES.badNode);
            default:
              return text(MOBILDEV_CODES.unknownAction);
          }
        },
      };
    },
    // ASSUMPTION (mobildev-api.md, guess): errors come with HTTP 200, the code alone in the body.
    codeAnswer: (code) => text(String(code).padStart(2, '0')),
    garbledAnswer: () => text('ID:'),
    records(): WireRecord[] {
      const records: WireRecord[] = [];
      for (const [, message] of store.entries()) {
        const { batch } = message;
        const record: WireRecord = {
          wire: 'mobildev',
          account: accounts[batch.accountIndex]!.username,
          receiver: message.receiver,
          text: message.text,
          sender: batch.originator,
          messageId: `${batch.first}+${message.receiver}`,
          commercial: batch.commercial,
          acceptedAt: batch.acceptedAt,
        };
        if (batch.recipientType) record.recipientType = batch.recipientType;
        if (batch.sendAt !== undefined) record.sendAt = batch.sendAt;
        records.push(record);
      }
      return records;
    },
    clear: () => store.clear(),
    accounts: (): WireAccountView[] => accounts.map((a, i) => ({ wire: 'mobildev', account: a.username, senders: [...a.senders], credit: credits[i]! })),
    setCredit(account, credit) {
      const index = byUsername.get(account);
      if (index === undefined) throw new Error(`Unknown Mobildev sandbox account "${account}"`);
      credits[index] = credit;
    },
  };
}

/** The fields of an XML body under `MainmsgBody` or `MainReportRoot`; undefined for another root. */
function xmlFields(raw: string): Fields | undefined {
  // Not well-formed: Mobildev's XML parser would refuse it.
  const xml = xmlDocument(raw);
  if (xml === undefined) return undefined;
  const root = xmlElement(xml, 'MainmsgBody') ?? xmlElement(xml, 'MainReportRoot');
  if (!root) return undefined;
  const start = xml.indexOf('<MainmsgBody>') !== -1 ? xml.indexOf('<MainmsgBody>') : xml.indexOf('<MainReportRoot>');
  const inner = xml.slice(start);
  // `Messages` (Action 1) holds nested elements: fields are read outside it.
  const messagesAt = inner.indexOf('<Messages>');
  const messagesEnd = inner.indexOf('</Messages>');
  const flat = messagesAt === -1 ? inner : inner.slice(0, messagesAt) + inner.slice(messagesEnd + '</Messages>'.length);
  return {
    get: (name) => xmlElement(flat, name)?.value,
    messages() {
      if (messagesAt === -1) return [];
      const block = inner.slice(messagesAt, messagesEnd);
      const list: { text: string; number: string }[] = [];
      let from = 0;
      for (let message = xmlElement(block, 'Message', from); message; message = xmlElement(block, 'Message', from)) {
        const open = block.indexOf('<Message>', from);
        const part = block.slice(open, message.end);
        list.push({ text: xmlElement(part, 'Mesgbody')?.value ?? '', number: xmlElement(part, 'Number')?.value ?? '' });
        from = message.end;
      }
      return list;
    },
  };
}

/** The same field names as a JSON object [one source]. */
function jsonFields(raw: string): Fields | undefined {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const body = value as Record<string, unknown>;
  const str = (v: unknown): string | undefined => (v === undefined || v === null ? undefined : String(v));
  return {
    get: (name) => str(body[name]),
    messages() {
      const list = (body.Messages as { Message?: unknown } | undefined)?.Message ?? body.Messages;
      return Array.isArray(list) ? list.map((m: Record<string, unknown>) => ({ text: str(m?.Mesgbody) ?? '', number: str(m?.Number) ?? '' })) : [];
    },
  };
}

/** `ddMMyyyyHHmm` in Turkey time; undefined when empty, null when unreadable. */
function readDate(value: string | undefined): number | undefined | null {
  if (value === undefined || value === '') return undefined;
  const m = DATE.exec(value);
  if (!m) return null;
  const [day, month, year, hour, minute] = [m[1], m[2], m[3], m[4], m[5]].map(Number) as [number, number, number, number, number];
  const utc = Date.UTC(year, month - 1, day, hour, minute);
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || new Date(utc).getUTCDate() !== day) return null;
  return utc - TURKEY_MS;
}

const p2 = (n: number): string => String(n).padStart(2, '0');

function reportDate(ms: number): string {
  const t = new Date(ms + TURKEY_MS);
  return `${t.getUTCFullYear()}-${p2(t.getUTCMonth() + 1)}-${p2(t.getUTCDate())} ${p2(t.getUTCHours())}:${p2(t.getUTCMinutes())}:${p2(t.getUTCSeconds())}`;
}

