import { pad2, turkeyTimeParts, type Encoding } from '@rota/provider';
import { numberListBody } from '@rota/provider/http';

/**
 * Mobildev's XML API on the wire (mobildev-api.md): the request bodies, written
 * as strings, and the readers of its plain-text answers. Every field, value and
 * format marked ASSUMPTION is a guess from one source or none; each lives here,
 * in one constant or function, to change when Mobildev confirms otherwise.
 */

/** `MessageType`: N notification (bilgilendirme) [sure], C commercial (kampanya) [one source]. */
export const MESSAGE_TYPES = { NOTIFICATION: 'N', CAMPAIGN: 'C' } as const;

/** `RecipientType` for commercial messages: B bireysel, T tacir [one source]. */
export const RECIPIENT_TYPES = { BIREYSEL: 'B', TACIR: 'T' } as const;

/**
 * ASSUMPTION [guess]: `Encoding` 0 is GSM/Latin (Turkish letters replaced), 1 the
 * Turkish/Unicode mode Turkish-text clients send. Plain GSM-7 goes as 0, anything
 * else as 1.
 */
export const ENCODING_FLAGS: Readonly<Record<Encoding, '0' | '1'>> = { GSM7: '0', GSM7_TURKISH_SHIFT: '1', UCS2: '1' };

/** Most packet ids one Action 3 report asks for (code 27 past it) [one source]. */
export const MAX_REPORT_IDS = 25;

export interface SendPacket {
  text: string;
  /** E.164 or digits; sent as digits. */
  numbers: readonly string[];
  originator: string;
  encoding: Encoding;
  messageType: (typeof MESSAGE_TYPES)[keyof typeof MESSAGE_TYPES];
  /** Only with MessageType C. */
  recipientType?: (typeof RECIPIENT_TYPES)[keyof typeof RECIPIENT_TYPES];
  sendAt?: Date;
  validUntil?: Date;
}

/** Action 0, one text to many numbers, root `MainmsgBody`; written as bytes around the numbers (`numberListBody`): a packet names up to 30,000. */
export function sendBody(credentials: string, packet: SendPacket): Buffer {
  const recipientType = packet.recipientType === undefined ? '' : `<RecipientType>${packet.recipientType}</RecipientType>`;
  const head = `<MainmsgBody>${credentials}<Action>0</Action><Mesgbody>${cdata(packet.text)}</Mesgbody><Numbers>`;
  const tail =
    `</Numbers><AccountId></AccountId><Originator>${xmlText(packet.originator)}</Originator>` +
    `<SDate>${packet.sendAt ? formatMobildevDate(packet.sendAt) : ''}</SDate><EDate>${packet.validUntil ? formatMobildevDate(packet.validUntil) : ''}</EDate>` +
    `<Encoding>${ENCODING_FLAGS[packet.encoding]}</Encoding><MessageType>${packet.messageType}</MessageType>${recipientType}</MainmsgBody>`;
  const body = numberListBody(head, packet.numbers, false, tail);
  // A comma inside one number would make it two: each must be digits (E.164, as the router gives them).
  if (!body) throw new TypeError('Mobildev: a number of the packet is not digits (E.164 expected)');
  return body;
}

/** Action 3, report by packet id. ASSUMPTION (sandbox's and Rota's guess): several ids go comma-separated in one `MsgID`. */
export function reportBody(credentials: string, packetIds: readonly string[]): string {
  return `<MainReportRoot>${credentials}<Action>3</Action><MsgID>${packetIds.map(xmlText).join(',')}</MsgID></MainReportRoot>`;
}

/** Action 4, credit and approved originators. */
export function userInfoBody(credentials: string): string {
  return `<MainReportRoot>${credentials}<Action>4</Action></MainReportRoot>`;
}

const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Text as element content. */
export function xmlText(value: string): string {
  return /[&<>"']/.test(value) ? value.replace(/[&<>"']/g, (c) => XML_ESCAPES[c]!) : value;
}

/**
 * CDATA sections holding any text: a `]]>` inside is split across two sections,
 * and a carriage return goes between sections as `&#13;` — an XML parser reads a
 * CR (alone or before LF) as LF, in CDATA too (XML 1.0, 2.11), so a raw one would
 * not reach Mobildev as sent.
 */
export function cdata(value: string): string {
  const sections = `<![CDATA[${value.split(']]>').join(']]]]><![CDATA[>')}]]>`;
  return value.includes('\r') ? sections.split('\r').join(']]>&#13;<![CDATA[') : sections;
}

/** `ddMMyyyyHHmm` in Turkey time [sure for the format; the zone a guess]. */
export function formatMobildevDate(date: Date): string {
  const t = turkeyTimeParts(date);
  return `${pad2(t.day)}${pad2(t.month)}${t.year}${pad2(t.hour)}${pad2(t.minute)}`;
}

/** What a plain-text answer is: a packet id (`ID:123`, `ID: 123`, or bare digits [one]), a two-digit code, or neither. */
export type Answer = { kind: 'id'; packetId: string } | { kind: 'code'; code: string } | { kind: 'other' };

const CODE = /^\d{2}$/;
const ID = /^(?:ID\s*:\s*)?(\d{3,})$/i;

export function readAnswer(body: string): Answer {
  const text = body.trim();
  if (CODE.test(text)) return { kind: 'code', code: text };
  const id = ID.exec(text);
  return id ? { kind: 'id', packetId: id[1]! } : { kind: 'other' };
}

/** One line of an Action 3 report: `MsgID GSM Status [DeliveryDate] Reason …`, whitespace-separated; only the first three are read [sure]. */
export interface ReportLine {
  packetId: string;
  number: string;
  status: string;
  /** The columns after Status, as they came (the column set differs between sources). */
  rest: string[];
}

/** The lines of a report answer, or undefined when a non-empty line is not one. */
export function readReportLines(body: string): ReportLine[] | undefined {
  const lines: ReportLine[] = [];
  for (const raw of body.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '') continue;
    const fields = line.split(/\s+/);
    const [packetId, number, status] = fields;
    if (!packetId || !/^\d+$/.test(packetId) || !number || !status || !/^\d$/.test(status)) return undefined;
    lines.push({ packetId, number, status, rest: fields.slice(3) });
  }
  return lines;
}

/** Action 4: line 1 the credit (`1234,50` or `1234.50`), then one approved originator a line. */
export function readUserInfo(body: string): { credit: number; originators: string[] } | undefined {
  const lines = body.split(/\r?\n/).map((line) => line.trim());
  const credit = Number((lines[0] ?? '').replace(/\./g, (dot, at: number, all: string) => (all.includes(',') ? '' : dot)).replace(',', '.'));
  if (lines[0] === '' || !Number.isFinite(credit)) return undefined;
  return { credit, originators: lines.slice(1).filter((line) => line !== '') };
}

