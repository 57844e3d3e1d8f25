import { pad2, turkeyTimeParts } from '@rota/provider';
import { numberListBody } from '@rota/provider/http';

/**
 * Message Center's JSON API on the wire (message-center-api.md): the request
 * bodies, written as strings from typed values, and light readers of the
 * answers that check what the client uses and let the rest through (the
 * service adds fields without notice). Codes, ids and statuses arrive as
 * strings or numbers: both are read.
 */

/** Paths below the base URL. */
export const ENDPOINTS = {
  sendSms: '/v1/send-sms/json',
  getReport: '/v1/get-report/json',
  getBalance: '/v1/get-balance/json',
} as const;
export type Endpoint = keyof typeof ENDPOINTS;

/** The body code (mirrored by the HTTP status) of an answer that did what was asked. */
export const STATUS_OK = 200;

/** Most rows one get-report page holds [sure]. */
export const MAX_REPORT_ROWS = 1_000;

/** `iys: "1"` (commercial: Message Center checks İYS consent, `iysList` says which list) or `"0"` (transactional). */
export type IysFlag = { iys: '0' } | { iys: '1'; iysList: 'BIREYSEL' | 'TACIR' };

export interface SendSmsOrder {
  sender: string;
  /** Sent as `DD/MM/YYYY HH:MM` Turkey time; absent: `""` (now). */
  sendAt?: Date;
  flag: IysFlag;
  text: string;
  /** E.164 (`+905321234567`) or already digits. */
  numbers: readonly string[];
}

/**
 * `{"request":{"authentication":…,"order":{"sender","sendDateTime","iys","iysList"?,"message":{"text","receipents":{"number":[…]}}}}}`
 * — `receipents` is the API's spelling. Written as bytes around the numbers
 * (`numberListBody`): an order names up to 50,000 of them.
 */
export function sendSmsBody(authentication: string, order: SendSmsOrder): Buffer | string {
  const iys = order.flag.iys === '1' ? `"iys":"1","iysList":${JSON.stringify(order.flag.iysList)}` : '"iys":"0"';
  const sendDateTime = order.sendAt === undefined ? '' : formatSendDateTime(order.sendAt);
  const head =
    `{"request":{${authentication},"order":{"sender":${JSON.stringify(order.sender)},"sendDateTime":"${sendDateTime}",${iys},` +
    `"message":{"text":${JSON.stringify(order.text)},"receipents":{"number":`;
  return numberListBody(`${head}[`, order.numbers, true, ']}}}}}') ?? `${head}${numberList(order.numbers)}}}}}}`;
}

export function getReportBody(authentication: string, orderId: string, page: number): string {
  return `{"request":{${authentication},"order":{"id":${JSON.stringify(orderId)},"page":${page},"rowCount":${MAX_REPORT_ROWS}}}}`;
}

export function getBalanceBody(authentication: string): string {
  return `{"request":{${authentication}}}`;
}

/** The numbers as the API takes them, `905321234567` (the `+` dropped), for a list `numberListBody` could not write. */
function numberList(numbers: readonly string[]): string {
  return JSON.stringify(numbers.map((n) => (/^\+?\d+$/.test(n) && n.charCodeAt(0) === 0x2b ? n.slice(1) : n)));
}

/** `DD/MM/YYYY HH:MM` in Turkey time [one source for the zone]; minutes only (seconds would make the service ignore the schedule [one]). */
export function formatSendDateTime(date: Date): string {
  const t = turkeyTimeParts(date);
  return `${pad2(t.day)}/${pad2(t.month)}/${t.year} ${pad2(t.hour)}:${pad2(t.minute)}`;
}

/** The status every answer carries. */
export interface Envelope {
  code: number;
  message: string;
  /** From a `Retry-After` header beside the answer, if there was one. */
  retryAfterMs?: number;
}

export interface SendAnswer extends Envelope {
  /** Present when the order was accepted. */
  orderId?: string;
}

export interface ReportRow {
  /** As the service writes it, e.g. `+905057023100`. */
  number: string;
  /** 110 waiting, 111 delivered, 112 undelivered. */
  status: number;
}

export interface ReportOrder {
  id: string;
  /** 113 sending, 114 finished, 115 not sent / cancelled. */
  status: number;
  total: number;
  /** `YYYY-MM-DD HH:MM:SS`, Turkey time. */
  sendAt?: string;
  rows: ReportRow[];
}

export interface ReportAnswer extends Envelope {
  order?: ReportOrder;
}

export interface BalanceAnswer extends Envelope {
  /** SMS credits, when the answer carries them. */
  sms?: number;
  /** Turkish lira, when it carries them. */
  amount?: number;
}

type Json = Record<string, unknown>;
const objectOf = (value: unknown): Json | undefined => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined);

/** A number written as a number or a string (`"200"`, `200`); `"0,0000"` reads as 0. NaN when it is neither. */
function numeric(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '') return Number(value.trim().replace(',', '.'));
  return NaN;
}

/** `response.status` of any answer; undefined when the body is not Message Center's envelope. */
export function readEnvelope(json: unknown): (Envelope & { response: Json }) | undefined {
  const response = objectOf(objectOf(json)?.response);
  const status = objectOf(response?.status);
  const code = numeric(status?.code);
  if (!response || !Number.isInteger(code)) return undefined;
  return { code, message: typeof status!.message === 'string' ? status!.message : '', response };
}

export function readSendAnswer(json: unknown): SendAnswer | undefined {
  const envelope = readEnvelope(json);
  if (!envelope) return undefined;
  const { code, message, response } = envelope;
  if (code !== STATUS_OK) return { code, message };
  const id = objectOf(response.order)?.id;
  // An accepted order without an id is not an answer we can read.
  if ((typeof id !== 'string' || id === '') && typeof id !== 'number') return undefined;
  return { code, message, orderId: String(id) };
}

export function readReportAnswer(json: unknown): ReportAnswer | undefined {
  const envelope = readEnvelope(json);
  if (!envelope) return undefined;
  const { code, message, response } = envelope;
  if (code !== STATUS_OK) return { code, message };
  const order = objectOf(response.order);
  const total = numeric(order?.total);
  const status = numeric(order?.status);
  const list = order?.message === undefined ? [] : Array.isArray(order.message) ? order.message : [order.message];
  const rows: ReportRow[] = [];
  for (const raw of list) {
    const row = objectOf(raw);
    const rowStatus = numeric(row?.status);
    if (typeof row?.number !== 'string' && typeof row?.number !== 'number') return undefined;
    if (!Number.isInteger(rowStatus)) return undefined;
    rows.push({ number: String(row.number), status: rowStatus });
  }
  if (!order || (typeof order.id !== 'string' && typeof order.id !== 'number')) return undefined;
  return {
    code,
    message,
    order: {
      id: String(order.id),
      status: Number.isInteger(status) ? status : 0,
      total: Number.isInteger(total) ? total : rows.length,
      ...(typeof order.sendAt === 'string' ? { sendAt: order.sendAt } : {}),
      rows,
    },
  };
}

export function readBalanceAnswer(json: unknown): BalanceAnswer | undefined {
  const envelope = readEnvelope(json);
  if (!envelope) return undefined;
  const { code, message, response } = envelope;
  if (code !== STATUS_OK) return { code, message };
  const balance = objectOf(response.balance);
  const sms = numeric(balance?.sms);
  const amount = numeric(balance?.amount);
  return { code, message, ...(Number.isFinite(sms) ? { sms } : {}), ...(Number.isFinite(amount) ? { amount } : {}) };
}

