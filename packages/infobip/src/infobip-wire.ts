import type { RecipientType, TextAnalysis } from '@rota/provider';

/**
 * Infobip's SMS API on the wire (infobip-api.md): the v3 send body written
 * from typed values, the paths, and light readers of the answers — the send
 * answer, both error envelopes, delivery reports, the balance — that check
 * what the client uses and let the rest through (Infobip adds fields).
 */

export const PATHS = {
  send: '/sms/3/messages',
  reports: '/sms/3/reports',
  balance: '/account/1/balance',
} as const;

/** One `messages[]` entry: one text, its destinations, and what they share. */
export interface SendEntry {
  sender: string;
  destinations: readonly { to: string; messageId: string }[];
  text: string;
  analysis: Pick<TextAnalysis, 'encoding' | 'shift'>;
  /** Set for CAMPAIGN traffic to Turkish numbers: İYS is checked against this brand and list. */
  turkeyIys?: { brandCode?: number; recipientType: RecipientType };
  validityMinutes?: number;
  /** Where Infobip pushes this message's delivery reports. */
  webhookUrl?: string;
  callbackData: string;
}

export interface SendBody {
  entries: readonly SendEntry[];
  bulkId: string;
  sendAt?: Date;
}

/**
 * `POST /sms/3/messages`:
 * `{"messages":[{"sender","destinations":[{"to","messageId"}],"content":{"text","language"?},"options"?:{"validityPeriod","regional":{"turkeyIys"}},"webhooks":{"delivery"?,"contentType","callbackData"}}],"options":{"includeSmsCountInResponse":true,"schedule":{"bulkId","sendAt"?}}}`.
 */
export function sendBody(body: SendBody): string {
  let out = '{"messages":[';
  body.entries.forEach((entry, i) => {
    if (i > 0) out += ',';
    out += entryJson(entry);
  });
  out += `],"options":{"includeSmsCountInResponse":true,"schedule":{"bulkId":${JSON.stringify(body.bulkId)}`;
  if (body.sendAt !== undefined) out += `,"sendAt":"${infobipDate(body.sendAt)}"`;
  return `${out}}}}`;
}

function entryJson(entry: SendEntry): string {
  let destinations = '';
  for (let i = 0; i < entry.destinations.length; i++) {
    const d = entry.destinations[i]!;
    const to = /^\d+$/.test(d.to) ? `"${d.to}"` : JSON.stringify(d.to);
    destinations += `${i > 0 ? ',' : ''}{"to":${to},"messageId":${JSON.stringify(d.messageId)}}`;
  }
  const language = languageOf(entry.analysis);
  let out = `{"sender":${JSON.stringify(entry.sender)},"destinations":[${destinations}],"content":{"text":${JSON.stringify(entry.text)}`;
  if (language) out += `,"language":${language}`;
  out += '}';
  const options: string[] = [];
  if (entry.validityMinutes !== undefined) options.push(`"validityPeriod":{"amount":${entry.validityMinutes},"timeUnit":"MINUTES"}`);
  if (entry.turkeyIys) options.push(`"regional":{"turkeyIys":${JSON.stringify(entry.turkeyIys)}}`);
  if (options.length > 0) out += `,"options":{${options.join(',')}}`;
  out += ',"webhooks":{';
  if (entry.webhookUrl !== undefined) out += `"delivery":{"url":${JSON.stringify(entry.webhookUrl)}},`;
  return `${out}"contentType":"application/json","callbackData":${JSON.stringify(entry.callbackData)}}}`;
}

/**
 * ASSUMPTION [guess]: a text that needs the Turkish shift table goes with
 * `language: { languageCode: "TR", singleShift | lockingShift: true }` (the
 * shift the analysis chose); plain GSM-7 and UCS-2 go without a language and
 * Infobip encodes them as they are.
 */
export function languageOf(analysis: Pick<TextAnalysis, 'encoding' | 'shift'>): string | undefined {
  if (analysis.encoding !== 'GSM7_TURKISH_SHIFT') return undefined;
  return analysis.shift === 'locking' ? '{"languageCode":"TR","lockingShift":true}' : '{"languageCode":"TR","singleShift":true}';
}

/** `+905321234567` → `905321234567`: international, no `+` [spec]. */
export function toWireNumber(e164: string): string {
  return e164.charCodeAt(0) === 0x2b ? e164.slice(1) : e164;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** `yyyy-MM-dd'T'HH:mm:ss.SSS+0000` (UTC). */
export function infobipDate(date: Date): string {
  return `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}T${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}.${pad(date.getUTCMilliseconds(), 3)}+0000`;
}

/** Infobip's dates (`…+0000` or `…Z`), or undefined. */
export function parseInfobipDate(value: unknown): Date | undefined {
  if (typeof value !== 'string') return undefined;
  const at = Date.parse(value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  return Number.isNaN(at) ? undefined : new Date(at);
}

export interface MessageStatus {
  groupId: number;
  groupName: string;
  id: number;
  name: string;
}

export interface ReportError {
  id: number;
  name: string;
  permanent: boolean;
}

/** One entry of a send answer: one per destination. */
export interface SentEntry {
  messageId: string;
  destination: string;
  status: MessageStatus;
  messageCount?: number;
}

/** A delivery report, pulled or pushed. */
export interface Report {
  messageId: string;
  to?: string;
  doneAt?: string;
  status: MessageStatus;
  error?: ReportError;
  messageCount?: number;
}

type Json = Record<string, unknown>;
const objectOf = (value: unknown): Json | undefined => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined);

function readStatus(value: unknown): MessageStatus | undefined {
  const s = objectOf(value);
  if (!s) return undefined;
  const { groupId, groupName, id, name } = s;
  // The usual status, all four fields there: taken as it is (a send answer has one per number).
  if (typeof groupId === 'number' && typeof groupName === 'string' && typeof id === 'number' && typeof name === 'string') return s as unknown as MessageStatus;
  // groupId may be missing for the v3 group ACCEPTED (its id is not documented).
  if (typeof groupName !== 'string' && typeof groupId !== 'number') return undefined;
  return {
    groupId: typeof groupId === 'number' ? groupId : -1,
    groupName: typeof groupName === 'string' ? groupName : '',
    id: typeof id === 'number' ? id : -1,
    name: typeof name === 'string' ? name : '',
  };
}

/** A send answer's entries, or undefined when it is not one. */
export function readSendAnswer(json: unknown): SentEntry[] | undefined {
  const messages = objectOf(json)?.messages;
  if (!Array.isArray(messages)) return undefined;
  const entries: SentEntry[] = [];
  for (const raw of messages) {
    const m = objectOf(raw);
    const status = readStatus(m?.status);
    if (!m || typeof m.messageId !== 'string' || !status) return undefined;
    const count = objectOf(m.details)?.messageCount ?? m.smsCount;
    const entry: SentEntry = { messageId: m.messageId, destination: typeof m.destination === 'string' ? m.destination : typeof m.to === 'string' ? m.to : '', status };
    if (typeof count === 'number') entry.messageCount = count;
    entries.push(entry);
  }
  return entries;
}

/** `{ results: [report…] }` of a pull or a push, or undefined when it is not that. */
export function readReports(json: unknown): Report[] | undefined {
  const results = objectOf(json)?.results;
  if (!Array.isArray(results)) return undefined;
  const reports: Report[] = [];
  for (const raw of results) {
    const r = objectOf(raw);
    const status = readStatus(r?.status);
    if (!r || typeof r.messageId !== 'string' || !status) return undefined;
    const e = objectOf(r.error);
    const count = r.messageCount ?? r.smsCount;
    reports.push({
      messageId: r.messageId,
      status,
      ...(typeof r.to === 'string' ? { to: r.to } : {}),
      ...(typeof r.doneAt === 'string' ? { doneAt: r.doneAt } : {}),
      ...(e && typeof e.id === 'number' ? { error: { id: e.id, name: typeof e.name === 'string' ? e.name : '', permanent: e.permanent === true } } : {}),
      ...(typeof count === 'number' ? { messageCount: count } : {}),
    });
  }
  return reports;
}

export function readBalance(json: unknown): { balance: number; currency: string } | undefined {
  const b = objectOf(json);
  if (typeof b?.balance !== 'number' || !Number.isFinite(b.balance)) return undefined;
  return { balance: b.balance, currency: typeof b.currency === 'string' ? b.currency : '' };
}

/** An error answer in either envelope: the platform's `{ errorCode, description }` or the legacy `requestError.serviceException`. */
export function readErrorEnvelope(json: unknown): { code: string; text: string } | undefined {
  const body = objectOf(json);
  if (typeof body?.errorCode === 'string') return { code: body.errorCode, text: typeof body.description === 'string' ? body.description : '' };
  const exception = objectOf(objectOf(body?.requestError)?.serviceException);
  if (typeof exception?.messageId === 'string') return { code: exception.messageId, text: typeof exception.text === 'string' ? exception.text : '' };
  return undefined;
}
