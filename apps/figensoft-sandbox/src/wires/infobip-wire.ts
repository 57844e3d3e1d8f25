import { z } from 'zod';
import { analyzeText, type RecipientType } from '@rota/provider';
import { MessageStore } from '../sandbox-message-store.js';
import {
  finalAt,
  json,
  phaseOf,
  receiverOf,
  verdictOf,
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
 * Infobip's SMS API as infobip-api.md gives it: `POST /sms/3/messages` (and
 * the older `/sms/2/text/advanced`), `Authorization: App <key>`, one status per
 * destination inside a 200 (a destination may be refused there), delivery
 * reports pulled from `GET /sms/3/reports` (a queue: each report is handed out
 * once; `/sms/1/reports` is the v2-shaped twin) or pushed as `{ results }`
 * to the URL the request named, and `GET /account/1/balance`.
 */

export const InfobipAccountSchema = z.strictObject({
  /** How faults and records name the account (the API key is a secret). */
  name: z.string().min(1, 'must not be empty'),
  apiKey: z.string().min(1, 'must not be empty'),
  /** Registered senders; absent: any sender is taken. */
  senders: z.array(z.string().min(1)).min(1).optional(),
  /** Balance in EUR; a send it cannot pay for is refused per destination (REJECTED_NOT_ENOUGH_CREDITS). */
  balance: z.number().min(0, 'must not be negative').default(1_000),
});
export type InfobipAccountInput = z.input<typeof InfobipAccountSchema>;

export const InfobipWireSchema = z.strictObject({
  accounts: z.array(InfobipAccountSchema).min(1, 'must hold at least one account'),
  /** A subscription's URL: where reports of requests that name none are pushed. */
  pushUrl: z.url('must be an absolute URL').optional(),
});
export type InfobipWireOptions = z.output<typeof InfobipWireSchema>;
export type InfobipWireInput = z.input<typeof InfobipWireSchema>;

export const PRICE_PER_SEGMENT = 0.01;

interface Status {
  groupId: number;
  groupName: string;
  id: number;
  name: string;
  description: string;
}
interface ReportError {
  groupId: number;
  groupName: string;
  id: number;
  name: string;
  description: string;
  permanent: boolean;
}

const status = (groupId: number, groupName: string, id: number, name: string, description: string): Status => ({ groupId, groupName, id, name, description });
const error = (groupId: number, groupName: string, id: number, name: string, permanent: boolean, description = name): ReportError => ({ groupId, groupName, id, name, description, permanent });

/** The statuses the sandbox hands out (infobip-api.md); the consent refusals are the sandbox's guess (Infobip does not document them). */
export const INFOBIP_STATUSES = {
  accepted: status(1, 'PENDING', 26, 'PENDING_ACCEPTED', 'Message sent to next instance'),
  delivered: status(3, 'DELIVERED', 5, 'DELIVERED_TO_HANDSET', 'Message delivered to handset'),
  undelivered: status(2, 'UNDELIVERABLE', 9, 'UNDELIVERABLE_NOT_DELIVERED', 'Message sent not delivered'),
  expired: status(4, 'EXPIRED', 15, 'EXPIRED_EXPIRED', 'Message expired'),
  unknown: status(4, 'EXPIRED', 29, 'EXPIRED_DLR_UNKNOWN', 'Delivery report unknown'),
  optedOut: status(5, 'REJECTED', 10, 'REJECTED_DND', 'Recipient refused (İYS RET)'),
  noConsent: status(5, 'REJECTED', 14, 'REJECTED_DESTINATION_BLOCKLISTED', 'No İYS consent for the recipient'),
  noCredit: status(5, 'REJECTED', 12, 'REJECTED_NOT_ENOUGH_CREDITS', 'Not enough credits'),
  badSender: status(5, 'REJECTED', 13, 'REJECTED_SENDER', 'Sender not registered'),
  badDestination: status(5, 'REJECTED', 52, 'REJECTED_DESTINATION', 'Invalid destination address'),
  duplicateId: status(5, 'REJECTED', 23, 'REJECTED_DUPLICATE_MESSAGE_ID', 'Message id used before'),
} as const;

const NO_ERROR = error(0, 'OK', 0, 'NO_ERROR', false, 'No Error');
const REPORT_OF: Record<Verdict, { status: Status; error: ReportError }> = {
  delivered: { status: INFOBIP_STATUSES.delivered, error: NO_ERROR },
  undelivered: { status: INFOBIP_STATUSES.undelivered, error: error(1, 'HANDSET_ERRORS', 27, 'EC_ABSENT_SUBSCRIBER', false) },
  expired: { status: INFOBIP_STATUSES.expired, error: error(1, 'HANDSET_ERRORS', 4101, 'EC_VALIDITY_EXPIRED', false) },
  unknown: { status: INFOBIP_STATUSES.unknown, error: NO_ERROR },
  'opted-out': { status: INFOBIP_STATUSES.optedOut, error: error(2, 'USER_ERRORS', 603, 'EC_CONTENT_BLOCKED', true) },
  'no-consent': { status: INFOBIP_STATUSES.noConsent, error: error(2, 'USER_ERRORS', 2052, 'EC_BLACKLISTED_DESTINATIONADDRESS', true) },
};

const HTTP_NAMES: Record<number, string> = { 400: 'BAD_REQUEST', 401: 'UNAUTHORIZED', 403: 'FORBIDDEN', 404: 'NOT_FOUND', 429: 'TOO_MANY_REQUESTS', 500: 'GENERAL_ERROR' };

/** The platform envelope (v3 endpoints). */
function apiError(httpStatus: number, description: string, violations: { property: string; violation: string }[] = []): WireAnswer {
  return json(httpStatus, { errorCode: `E${httpStatus}`, description, action: null, violations, resources: [] });
}

/** The legacy envelope (v2 and v1 endpoints, balance). */
function legacyError(httpStatus: number, text: string, validationErrors?: Record<string, string[]>): WireAnswer {
  return json(httpStatus, { requestError: { serviceException: { messageId: HTTP_NAMES[httpStatus] ?? 'GENERAL_ERROR', text, ...(validationErrors ? { validationErrors } : {}) } } });
}

type Version = 'v3' | 'v2';
interface Meta {
  version: Version;
  bulkId: string;
  /** One per stored message, in counter order. */
  messageIds: string[];
  callbackData: string | undefined;
  webhookUrl: string | undefined;
}
type Batch = WireBatch<Meta>;

/** Flag bit: the message's report was handed out (pulled, or pushed and answered 2xx). */
const REPORTED = 1;
/** Client message ids the sandbox can find (for reports by messageId and duplicate checks); older ones are forgotten. */
const ID_INDEX_CAPACITY = 200_000;

type Body = Record<string, unknown>;
const objectOf = (value: unknown): Body | undefined => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Body) : undefined);
const DIGITS = /^\+?\d{7,15}$/;

/** One destination a send refused or accepted, as the answer lists it. */
interface Entry {
  messageId: string;
  to: string;
  status: Status;
  messageCount: number;
}

/** What one `messages[]` entry of a send asked for, read from either version's shape. */
interface SendEntry {
  sender: string | undefined;
  destinations: { to: string; messageId: string | undefined }[];
  text: string;
  turkeyIys: { brandCode?: number; recipientType: RecipientType } | undefined;
  validityMinutes: number | undefined;
  webhookUrl: string | undefined;
  callbackData: string | undefined;
}

export function createInfobipWire(options: InfobipWireOptions, ctx: WireContext, maxRecords: number): Wire {
  const accounts = options.accounts;
  const balances = accounts.map((account) => account.balance);
  const byKey = new Map(accounts.map((account, index) => [account.apiKey, index]));
  const byName = new Map(accounts.map((account, index) => [account.name, index]));
  const store = new MessageStore<Batch>(maxRecords);
  // Batches whose reports have not all been handed out, per account, oldest first.
  const unreported: Batch[][] = accounts.map(() => []);
  const idIndex = new Map<string, number>();
  const idOrder: string[] = [];
  let idHead = 0;

  function remember(accountIndex: number, messageId: string, counter: number): void {
    const key = `${accountIndex}\u0000${messageId}`;
    idIndex.set(key, counter);
    idOrder.push(key);
    if (idOrder.length - idHead > ID_INDEX_CAPACITY) {
      idIndex.delete(idOrder[idHead]!);
      idHead++;
      if (idHead > ID_INDEX_CAPACITY) {
        idOrder.splice(0, idHead);
        idHead = 0;
      }
    }
  }

  function authenticate(headers: WireRequest['headers']): number | undefined {
    const value = headers.authorization;
    if (typeof value !== 'string' || !value.startsWith('App ')) return undefined;
    return byKey.get(value.slice(4).trim());
  }

  function readV3(body: Body): { entries: SendEntry[]; bulkId: string | undefined; sendAt: number | undefined | null; count: boolean } | WireAnswer {
    const violations: { property: string; violation: string }[] = [];
    const messages = body.messages;
    if (!Array.isArray(messages) || messages.length === 0) return apiError(400, 'Bad request', [{ property: 'messages', violation: 'must not be empty' }]);
    const entries: SendEntry[] = [];
    messages.forEach((raw, i) => {
      const m = objectOf(raw) ?? {};
      const where = `messages[${i}]`;
      const content = objectOf(m.content);
      const text = content?.text;
      if (typeof text !== 'string' || text.length === 0) violations.push({ property: `${where}.content.text`, violation: 'must not be blank' });
      const destinations = readDestinations(m.destinations, where, violations);
      const options = objectOf(m.options);
      const turkeyIys = readTurkeyIys(objectOf(objectOf(options?.regional)?.turkeyIys), `${where}.options.regional.turkeyIys`, violations);
      const validity = objectOf(options?.validityPeriod);
      let validityMinutes: number | undefined;
      if (validity) {
        const unit = validity.timeUnit ?? 'MINUTES';
        const factor = unit === 'SECONDS' ? 1 / 60 : unit === 'MINUTES' ? 1 : unit === 'HOURS' ? 60 : NaN;
        if (!Number.isInteger(validity.amount) || (validity.amount as number) < 1 || Number.isNaN(factor)) {
          violations.push({ property: `${where}.options.validityPeriod`, violation: 'must have a positive whole amount and a time unit' });
        } else validityMinutes = Math.min(2_880, (validity.amount as number) * factor);
      }
      const webhooks = objectOf(m.webhooks);
      const callbackData = webhooks?.callbackData;
      if (callbackData !== undefined && (typeof callbackData !== 'string' || callbackData.length > 4_000)) {
        violations.push({ property: `${where}.webhooks.callbackData`, violation: 'size must be between 0 and 4000' });
      }
      const url = objectOf(webhooks?.delivery)?.url;
      entries.push({
        sender: typeof m.sender === 'string' ? m.sender : undefined,
        destinations,
        text: typeof text === 'string' ? text : '',
        turkeyIys,
        validityMinutes,
        webhookUrl: typeof url === 'string' ? url : undefined,
        callbackData: typeof callbackData === 'string' ? callbackData : undefined,
      });
    });
    const requestOptions = objectOf(body.options);
    const schedule = objectOf(requestOptions?.schedule);
    const sendAt = readInstant(schedule?.sendAt);
    if (sendAt === null) violations.push({ property: 'options.schedule.sendAt', violation: "must be written yyyy-MM-dd'T'HH:mm:ss.SSSZ" });
    if (violations.length > 0) return apiError(400, 'Bad request', violations);
    const bulkId = typeof schedule?.bulkId === 'string' ? schedule.bulkId : undefined;
    return { entries, bulkId, sendAt, count: requestOptions?.includeSmsCountInResponse === true };
  }

  function readV2(body: Body): { entries: SendEntry[]; bulkId: string | undefined; sendAt: number | undefined | null; count: boolean } | WireAnswer {
    const violations: { property: string; violation: string }[] = [];
    const messages = body.messages;
    if (!Array.isArray(messages) || messages.length === 0) return legacyError(400, 'Bad request', { messages: ['may not be empty'] });
    let sendAt: number | undefined | null;
    const entries = messages.map((raw, i): SendEntry => {
      const m = objectOf(raw) ?? {};
      const where = `messages[${i}]`;
      if (typeof m.text !== 'string' || m.text.length === 0) violations.push({ property: `${where}.text`, violation: 'may not be empty' });
      const destinations = readDestinations(m.destinations, where, violations);
      const turkeyIys = readTurkeyIys(objectOf(objectOf(m.regional)?.turkeyIys), `${where}.regional.turkeyIys`, violations);
      const at = readInstant(m.sendAt);
      if (at === null) violations.push({ property: `${where}.sendAt`, violation: 'unreadable date' });
      else if (at !== undefined) sendAt = at;
      return {
        sender: typeof m.from === 'string' ? m.from : undefined,
        destinations,
        text: typeof m.text === 'string' ? m.text : '',
        turkeyIys,
        validityMinutes: Number.isInteger(m.validityPeriod) ? Math.min(2_880, m.validityPeriod as number) : undefined,
        webhookUrl: typeof m.notifyUrl === 'string' ? m.notifyUrl : undefined,
        callbackData: typeof m.callbackData === 'string' ? m.callbackData : undefined,
      };
    });
    if (violations.length > 0) return legacyError(400, 'Bad request', Object.fromEntries(violations.map((v) => [v.property, [v.violation]])));
    return { entries, bulkId: typeof body.bulkId === 'string' ? body.bulkId : undefined, sendAt, count: body.includeSmsCountInResponse === true };
  }

  function send(index: number, version: Version, read: ReturnType<typeof readV3>, now: number): WireAnswer {
    if ('status' in read) return read;
    const account = accounts[index]!;
    const first = store.nextCounter;
    const bulkId = read.bulkId ?? `SBXB-${first}`;
    const answered: Entry[] = [];
    let generated = 0;
    for (const entry of read.entries) {
      const segments = analyzeText(entry.text).segments;
      const accepted: { to: string; messageId: string; mobile: number; receiver: string }[] = [];
      for (const destination of entry.destinations) {
        const messageId = destination.messageId ?? `SBX-${first}-${generated++}`;
        const reply = (s: Status): number => answered.push({ messageId, to: destination.to, status: s, messageCount: segments });
        if (!DIGITS.test(destination.to)) reply(INFOBIP_STATUSES.badDestination);
        else if (account.senders && (entry.sender === undefined || !account.senders.includes(entry.sender))) reply(INFOBIP_STATUSES.badSender);
        else if (idIndex.has(`${index}\u0000${messageId}`) || accepted.some((a) => a.messageId === messageId)) reply(INFOBIP_STATUSES.duplicateId);
        else if (balances[index]! < (accepted.length + 1) * segments * PRICE_PER_SEGMENT - 1e-9) reply(INFOBIP_STATUSES.noCredit);
        else {
          reply(INFOBIP_STATUSES.accepted);
          accepted.push({ to: destination.to, messageId, ...receiverOf(destination.to.startsWith('+') ? destination.to : `+${destination.to}`) });
        }
      }
      if (accepted.length === 0) continue;
      balances[index]! -= accepted.length * segments * PRICE_PER_SEGMENT;
      const start = store.nextCounter;
      const batch: Batch = {
        accountIndex: index,
        originator: entry.sender ?? '',
        acceptedAt: now,
        sendAt: read.sendAt ?? undefined,
        expireAt: entry.validityMinutes === undefined ? undefined : (read.sendAt ?? now) + entry.validityMinutes * 60_000,
        channel: undefined,
        first: start,
        count: accepted.length,
        // İYS is checked for promotional traffic to Turkey: messages that carry turkeyIys.
        commercial: entry.turkeyIys !== undefined,
        recipientType: entry.turkeyIys?.recipientType,
        meta: { version, bulkId, messageIds: accepted.map((a) => a.messageId), callbackData: entry.callbackData, webhookUrl: entry.webhookUrl },
      };
      store.reserve(batch, entry.text, accepted.length);
      accepted.forEach((a, i) => {
        const receiver = Number.isNaN(a.mobile) ? a.to.replace(/^\+/, '') : a.receiver;
        store.set(start + i, a.mobile, receiver, 0, entry.text.length, segments);
        remember(index, a.messageId, start + i);
      });
      queueForReports(index, batch);
      const url = entry.webhookUrl ?? ctx.pushUrl('infobip');
      if (url !== undefined) ctx.later(finalAt(batch, ctx.deliveryDelayMs) - now, () => push(batch, url));
    }
    if (version === 'v3') {
      return json(200, {
        bulkId,
        messages: answered.map((e) => ({ messageId: e.messageId, status: e.status, destination: e.to, ...(read.count ? { details: { messageCount: e.messageCount } } : {}) })),
      });
    }
    return json(200, { bulkId, messages: answered.map((e) => ({ to: e.to, status: e.status, messageId: e.messageId, ...(read.count ? { smsCount: e.messageCount } : {}) })) });
  }

  function queueForReports(index: number, batch: Batch): void {
    const queue = unreported[index]!;
    queue.push(batch);
    // Batches the store has dropped can never be reported: let them go.
    while (queue.length > 0 && store.get(queue[0]!.first + queue[0]!.count - 1) === undefined) queue.shift();
  }

  function reportOf(batch: Batch, counter: number, version: Version): Record<string, unknown> {
    const message = store.get(counter)!;
    const verdict = verdictOf(ctx, batch.commercial && message.receiver.startsWith('90'), message.receiver, counter);
    const { status: s, error: e } = REPORT_OF[verdict];
    const at = phaseOf(batch, ctx.deliveryDelayMs, Number.MAX_SAFE_INTEGER).at;
    const common = {
      bulkId: batch.meta.bulkId,
      messageId: batch.meta.messageIds[counter - batch.first],
      to: message.receiver,
      sentAt: infobipDate(batch.acceptedAt),
      doneAt: infobipDate(at),
      mccMnc: '28601',
      ...(batch.meta.callbackData !== undefined ? { callbackData: batch.meta.callbackData } : {}),
      price: { pricePerMessage: PRICE_PER_SEGMENT * message.charge, currency: 'EUR' },
      status: s,
      error: e,
    };
    return version === 'v3' ? { ...common, sender: batch.originator, messageCount: message.charge } : { ...common, from: batch.originator, smsCount: message.charge };
  }

  function push(batch: Batch, url: string): void {
    const counters: number[] = [];
    for (let c = batch.first; c < batch.first + batch.count; c++) if (store.get(c) && !(store.flags(c) & REPORTED)) counters.push(c);
    for (let i = 0; i < counters.length; i += 100) {
      const chunk = counters.slice(i, i + 100);
      const body = JSON.stringify({ results: chunk.map((c) => reportOf(batch, c, batch.meta.version)) });
      ctx.post('infobip', url, body, { 'content-type': 'application/json' }, () => {
        for (const c of chunk) store.setFlags(c, store.flags(c) | REPORTED);
      });
    }
  }

  /** Final reports not handed out yet, oldest first; each is handed out once. */
  function pull(index: number, query: URLSearchParams, version: Version, now: number): WireAnswer {
    const limit = Math.min(1_000, Math.max(1, Number(query.get('limit')) || 50));
    const messageId = query.get('messageId');
    const bulkId = query.get('bulkId');
    const results: Record<string, unknown>[] = [];
    const take = (batch: Batch, counter: number): void => {
      if (results.length >= limit || !store.get(counter) || store.flags(counter) & REPORTED) return;
      if (phaseOf(batch, ctx.deliveryDelayMs, now).phase !== 'final') return;
      results.push(reportOf(batch, counter, version));
      store.setFlags(counter, store.flags(counter) | REPORTED);
    };
    if (messageId !== null) {
      const counter = idIndex.get(`${index}\u0000${messageId}`);
      const message = counter === undefined ? undefined : store.get(counter);
      if (message && (bulkId === null || message.batch.meta.bulkId === bulkId)) take(message.batch, counter!);
    } else {
      for (const batch of unreported[index]!) {
        if (results.length >= limit) break;
        if (bulkId !== null && batch.meta.bulkId !== bulkId) continue;
        for (let c = batch.first; c < batch.first + batch.count; c++) take(batch, c);
      }
      const queue = unreported[index]!;
      const done = (batch: Batch): boolean => {
        for (let c = batch.first; c < batch.first + batch.count; c++) if (store.get(c) && !(store.flags(c) & REPORTED)) return false;
        return true;
      };
      unreported[index] = queue.filter((batch) => !done(batch));
    }
    return json(200, { results });
  }

  const ROUTES: Record<string, { endpoint: string; method: string }> = {
    '/sms/3/messages': { endpoint: 'sms/3/messages', method: 'POST' },
    '/sms/2/text/advanced': { endpoint: 'sms/2/text/advanced', method: 'POST' },
    '/sms/3/reports': { endpoint: 'sms/3/reports', method: 'GET' },
    '/sms/1/reports': { endpoint: 'sms/1/reports', method: 'GET' },
    '/account/1/balance': { endpoint: 'account/1/balance', method: 'GET' },
  };

  return {
    name: 'infobip',
    prefix: '/infobip',
    prepare(request: WireRequest): PreparedRequest | WireAnswer {
      const route = ROUTES[request.path];
      if (route === undefined) return apiError(404, 'Not found');
      if (request.method !== route.method) return json(405, { error: `${route.endpoint} accepts ${route.method} only` }, ['allow', route.method]);
      const { endpoint } = route;
      const index = authenticate(request.headers);
      const account = index === undefined ? undefined : accounts[index]!.name;
      const v3Shaped = endpoint === 'sms/3/messages' || endpoint === 'sms/3/reports';
      let body: Body | undefined;
      if (request.method === 'POST') {
        try {
          body = objectOf(JSON.parse(request.body.toString('utf8')));
        } catch {
          body = undefined;
        }
        if (!body) return v3Shaped ? apiError(400, 'Bad request: the body is not a JSON object') : legacyError(400, 'Bad request');
      }
      return {
        endpoint,
        account,
        run(now) {
          if (index === undefined) return v3Shaped ? apiError(401, 'Unauthorized') : legacyError(401, 'Invalid login details');
          switch (endpoint) {
            case 'sms/3/messages':
              return send(index, 'v3', readV3(body!), now);
            case 'sms/2/text/advanced':
              return send(index, 'v2', readV2(body!), now);
            case 'sms/3/reports':
              return pull(index, request.query, 'v3', now);
            case 'sms/1/reports':
              return pull(index, request.query, 'v2', now);
            default:
              return json(200, { balance: Math.round(balances[index]! * 100) / 100, currency: 'EUR' });
          }
        },
      };
    },
    codeAnswer: (code, endpoint) =>
      endpoint === 'sms/3/messages' || endpoint === 'sms/3/reports' ? apiError(code, 'Injected fault') : legacyError(code, 'Injected fault'),
    garbledAnswer: () => ({ status: 200, body: '{"bulkId":"SBXB-1","messages":[{"messageId":"' }),
    records(): WireRecord[] {
      const records: WireRecord[] = [];
      for (const [counter, message] of store.entries()) {
        const { batch } = message;
        const record: WireRecord = {
          wire: 'infobip',
          account: accounts[batch.accountIndex]!.name,
          receiver: message.receiver,
          text: message.text,
          sender: batch.originator,
          messageId: batch.meta.messageIds[counter - batch.first]!,
          commercial: batch.commercial,
          acceptedAt: batch.acceptedAt,
        };
        if (batch.recipientType) record.recipientType = batch.recipientType;
        if (batch.sendAt !== undefined) record.sendAt = batch.sendAt;
        records.push(record);
      }
      return records;
    },
    clear() {
      store.clear();
      idIndex.clear();
      idOrder.length = 0;
      idHead = 0;
      for (let i = 0; i < unreported.length; i++) unreported[i] = [];
    },
    accounts: (): WireAccountView[] => accounts.map((a, i) => ({ wire: 'infobip', account: a.name, senders: a.senders ? [...a.senders] : [], credit: balances[i]! })),
    setCredit(account, credit) {
      const index = byName.get(account);
      if (index === undefined) throw new Error(`Unknown Infobip sandbox account "${account}"`);
      balances[index] = credit;
    },
  };
}

function readDestinations(value: unknown, where: string, violations: { property: string; violation: string }[]): SendEntry['destinations'] {
  if (!Array.isArray(value) || value.length === 0) {
    violations.push({ property: `${where}.destinations`, violation: 'must not be empty' });
    return [];
  }
  return value.map((raw, j) => {
    const d = objectOf(raw) ?? {};
    if (typeof d.to !== 'string' || d.to.length === 0 || d.to.length > 64) violations.push({ property: `${where}.destinations[${j}].to`, violation: 'size must be between 1 and 64' });
    if (d.messageId !== undefined && (typeof d.messageId !== 'string' || d.messageId.length === 0 || d.messageId.length > 200)) {
      violations.push({ property: `${where}.destinations[${j}].messageId`, violation: 'size must be between 1 and 200' });
    }
    return { to: typeof d.to === 'string' ? d.to : '', messageId: typeof d.messageId === 'string' ? d.messageId : undefined };
  });
}

function readTurkeyIys(iys: Body | undefined, where: string, violations: { property: string; violation: string }[]): SendEntry['turkeyIys'] {
  if (!iys) return undefined;
  if (iys.recipientType !== 'BIREYSEL' && iys.recipientType !== 'TACIR') {
    violations.push({ property: `${where}.recipientType`, violation: 'must be BIREYSEL or TACIR' });
    return undefined;
  }
  if (iys.brandCode !== undefined && !Number.isInteger(iys.brandCode)) violations.push({ property: `${where}.brandCode`, violation: 'must be an integer' });
  return { recipientType: iys.recipientType, ...(Number.isInteger(iys.brandCode) ? { brandCode: iys.brandCode as number } : {}) };
}

/** `yyyy-MM-dd'T'HH:mm:ss.SSSZ` (`+0000` or `+00:00`); undefined when absent, null when unreadable. */
function readInstant(value: unknown): number | undefined | null {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') return null;
  const at = Date.parse(value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  return Number.isNaN(at) ? null : at;
}

const p2 = (n: number, width = 2): string => String(n).padStart(width, '0');

/** Infobip's `yyyy-MM-dd'T'HH:mm:ss.SSS+0000` (UTC). */
export function infobipDate(ms: number): string {
  const t = new Date(ms);
  return `${t.getUTCFullYear()}-${p2(t.getUTCMonth() + 1)}-${p2(t.getUTCDate())}T${p2(t.getUTCHours())}:${p2(t.getUTCMinutes())}:${p2(t.getUTCSeconds())}.${p2(t.getUTCMilliseconds(), 3)}+0000`;
}
