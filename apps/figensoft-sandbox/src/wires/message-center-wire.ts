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
 * İleti Merkezi's ("Message Center") JSON API, as message-center-api.md gives
 * it: `POST /v1/{send-sms,get-report,get-balance}/json`, authentication in the
 * body, the HTTP status mirroring `response.status.code`, an order id per
 * request and no per-number id, reports per order (pull) or one JSON POST per
 * message to the account's notification URL (push, unsigned).
 */

export const MessageCenterAccountSchema = z.strictObject({
  key: z.string().min(1, 'must not be empty'),
  hash: z.string().min(1, 'must not be empty'),
  /** Approved sender IDs ("başlık"). */
  senders: z.array(z.string().min(1).max(11)).min(1, 'must list at least one sender'),
  /** SMS credits; a send needing more answers 402. */
  credit: z.number().int('must be a whole number').min(0, 'must not be negative').default(1_000_000),
  /** Whether the account's İYS code is set in the panel; without it an `iys: "1"` order answers 470. */
  iysCodeSet: z.boolean().default(true),
});
export type MessageCenterAccountInput = z.input<typeof MessageCenterAccountSchema>;

export const MessageCenterWireSchema = z.strictObject({
  accounts: z.array(MessageCenterAccountSchema).min(1, 'must hold at least one account'),
  /** The same text to the same recipients within this window answers 451 (10 minutes on the real service); 0 turns the check off. */
  duplicateWindowMs: z.number().int().min(0).default(600_000),
  /** The notification URL of every account (Settings → API in the panel): one POST per message when it is final. */
  pushUrl: z.url('must be an absolute URL').optional(),
});
export type MessageCenterWireOptions = z.output<typeof MessageCenterWireSchema>;
export type MessageCenterWireInput = z.input<typeof MessageCenterWireSchema>;

/** The codes the sandbox answers with (message-center-api.md). */
export const MESSAGE_CENTER_CODES = {
  ok: [200, 'İşlem başarılı'],
  unreadable: [400, 'İstek çözümlenemedi'],
  auth: [401, 'Üyelik bilgileri hatalı'],
  credit: [402, 'Bakiye yetersiz'],
  notFound: [404, 'Geçersiz URL'],
  senderNotApproved: [450, 'Gönderilen başlık kullanıma uygun değil'],
  duplicate: [451, 'Tekrar eden sipariş'],
  recipients: [452, 'Mesaj alıcıları hatalı'],
  tooLong: [453, 'Sipariş boyutu aşıldı'],
  emptyText: [454, 'Mesaj metni boş'],
  orderNotFound: [455, 'Sipariş bulunamadı'],
  notStarted: [456, 'Sipariş gönderim tarihi henüz gelmedi'],
  badDate: [457, 'Gönderim tarihinin formatı hatalı'],
  senderEmpty: [459, 'Mesaj başlığı boş'],
  senderInvalid: [460, 'Mesaj başlığı hatalı'],
  invalidNumber: [466, 'Geçersiz numara'],
  iysMissing: [468, 'İYS alanı eksik'],
  iysListMissing: [469, 'İYS listesi eksik'],
  iysCodeMissing: [470, 'Hesabın İYS kodu tanımlı değil'],
} as const satisfies Record<string, readonly [number, string]>;
type Code = (typeof MESSAGE_CENTER_CODES)[keyof typeof MESSAGE_CENTER_CODES];

/** Message statuses in a report; order statuses 113 (sending), 114 (finished). */
export const MESSAGE_CENTER_STATUSES = { waiting: 110, delivered: 111, undelivered: 112, orderSending: 113, orderFinished: 114 } as const;

const MAX_PARTS = 7;
const MAX_ROWS = 1_000;
const TURKISH_LETTERS = /[çÇğĞıİöÖşŞüÜ]/;
const SEND_DATE = /^(\d{2})\/(\d{2})\/(\d{4}) (\d{2}):(\d{2})(:\d{2})?$/;
const TURKEY_MS = 3 * 3_600_000;

interface Meta {
  orderId: string;
}
type Batch = WireBatch<Meta>;

const answer = ([code, message]: Code, extra: Record<string, unknown> = {}): WireAnswer =>
  json(code, { response: { status: { code: String(code), message }, ...extra } });

type Body = Record<string, unknown>;
const objectOf = (value: unknown): Body | undefined => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Body) : undefined);

export function createMessageCenterWire(options: MessageCenterWireOptions, ctx: WireContext, maxRecords: number): Wire {
  const accounts = options.accounts;
  const credits = accounts.map((account) => account.credit);
  const byKey = new Map(accounts.map((account, index) => [account.key, index]));
  // Order ids are counters; starting from the clock keeps them unique across restarts.
  const store = new MessageStore<Batch>(maxRecords, Date.now() * 1_000);
  const recent = new Map<string, number>();

  function authenticate(request: Body): number | undefined {
    const auth = objectOf(request.authentication);
    const index = typeof auth?.key === 'string' ? byKey.get(auth.key) : undefined;
    return index !== undefined && accounts[index]!.hash === auth?.hash ? index : undefined;
  }

  function send(index: number, order: Body | undefined, now: number): WireAnswer {
    if (!order) return answer(MESSAGE_CENTER_CODES.unreadable);
    const sender = order.sender;
    if (typeof sender !== 'string' || sender === '') return answer(MESSAGE_CENTER_CODES.senderEmpty);
    if (sender.length > 11 || TURKISH_LETTERS.test(sender)) return answer(MESSAGE_CENTER_CODES.senderInvalid);
    if (!accounts[index]!.senders.includes(sender)) return answer(MESSAGE_CENTER_CODES.senderNotApproved);
    const iys = order.iys;
    if (iys !== '1' && iys !== 1 && iys !== '0' && iys !== 0) return answer(MESSAGE_CENTER_CODES.iysMissing);
    const commercial = iys === '1' || iys === 1;
    let recipientType: RecipientType | undefined;
    if (commercial) {
      if (order.iysList !== 'BIREYSEL' && order.iysList !== 'TACIR') return answer(MESSAGE_CENTER_CODES.iysListMissing);
      if (!accounts[index]!.iysCodeSet) return answer(MESSAGE_CENTER_CODES.iysCodeMissing);
      recipientType = order.iysList;
    }
    const sendAt = readSendDate(order.sendDateTime, now);
    if (sendAt === null) return answer(MESSAGE_CENTER_CODES.badDate);

    // `message` is one object or a list of them, one per distinct text.
    const entries = Array.isArray(order.message) ? order.message : [order.message];
    const texts: string[] = [];
    const numbers: { mobile: number; receiver: string }[] = [];
    const textOf: number[] = [];
    const segmentsOf: number[] = [];
    let total = 0;
    for (const raw of entries) {
      const entry = objectOf(raw);
      const text = entry?.text;
      if (typeof text !== 'string' || text.trim() === '') return answer(MESSAGE_CENTER_CODES.emptyText);
      const segments = analyzeText(text).segments;
      if (segments > MAX_PARTS) return answer(MESSAGE_CENTER_CODES.tooLong);
      const list = objectOf(entry!.receipents)?.number;
      if (!Array.isArray(list) || list.length === 0) return answer(MESSAGE_CENTER_CODES.recipients);
      for (const number of list) {
        const read = receiverOf(typeof number === 'string' ? number : String(number));
        if (Number.isNaN(read.mobile)) return answer(MESSAGE_CENTER_CODES.invalidNumber);
        numbers.push(read);
        textOf.push(texts.length);
        segmentsOf.push(segments);
        total += segments;
      }
      texts.push(text);
    }
    if (credits[index]! < total) return answer(MESSAGE_CENTER_CODES.credit);
    if (options.duplicateWindowMs > 0) {
      const key = `${texts.join('\u0000')}\u0001${numbers.map((n) => n.receiver).sort().join(',')}`;
      const seen = recent.get(key);
      if (seen !== undefined && now - seen < options.duplicateWindowMs) return answer(MESSAGE_CENTER_CODES.duplicate);
      recent.set(key, now);
      if (recent.size > 100_000) for (const [k, at] of recent) if (now - at >= options.duplicateWindowMs) recent.delete(k);
    }
    credits[index]! -= total;

    const first = store.nextCounter;
    const batch: Batch = {
      accountIndex: index,
      originator: sender,
      acceptedAt: now,
      sendAt,
      expireAt: undefined,
      channel: undefined,
      first,
      count: numbers.length,
      commercial,
      recipientType,
      meta: { orderId: String(first) },
    };
    const textSource = texts.length === 1 ? texts[0]! : texts.join('');
    const starts: number[] = [];
    for (let t = 0, at = 0; t < texts.length; at += texts[t]!.length, t++) starts.push(at);
    store.reserve(batch, textSource, numbers.length);
    for (let i = 0; i < numbers.length; i++) {
      const t = textOf[i]!;
      store.set(first + i, numbers[i]!.mobile, numbers[i]!.receiver, starts[t]!, texts[t]!.length, segmentsOf[i]!);
    }
    const pushUrl = ctx.pushUrl('message-center');
    if (pushUrl !== undefined) ctx.later(finalAt(batch, ctx.deliveryDelayMs) - now, () => push(batch));
    return answer(MESSAGE_CENTER_CODES.ok, { order: { id: batch.meta.orderId } });
  }

  /** One POST per message when it is final, as the real service notifies (unsigned); a message whose end is unknown is never pushed. */
  function push(batch: Batch): void {
    const url = ctx.pushUrl('message-center');
    if (url === undefined) return;
    for (let counter = batch.first; counter < batch.first + batch.count; counter++) {
      const message = store.get(counter);
      if (!message) continue;
      const status = statusWord(verdictOf(ctx, batch.commercial, message.receiver, counter));
      if (status === undefined) continue;
      const body = JSON.stringify({ report: { id: counter, packet_id: Number(batch.meta.orderId), status, to: `+${message.receiver}`, body: message.text } });
      ctx.post('message-center', url, body, { 'content-type': 'application/json' });
    }
  }

  function report(index: number, order: Body | undefined, now: number): WireAnswer {
    const counter = Number(order?.id);
    const head = Number.isSafeInteger(counter) ? store.get(counter) : undefined;
    const batch = head?.batch;
    if (!batch || batch.first !== counter || batch.accountIndex !== index) return answer(MESSAGE_CENTER_CODES.orderNotFound);
    if (phaseOf(batch, ctx.deliveryDelayMs, now).phase === 'scheduled') return answer(MESSAGE_CENTER_CODES.notStarted);
    const rowCount = Math.min(MAX_ROWS, Math.max(1, Number(order?.rowCount) || MAX_ROWS));
    const page = Math.max(1, Number(order?.page) || 1);
    let delivered = 0;
    let undelivered = 0;
    let price = 0;
    const rows: { number: string; status: number }[] = [];
    for (let i = 0; i < batch.count; i++) {
      const message = store.get(batch.first + i);
      if (!message) continue;
      const status = statusCode(batch, message.receiver, batch.first + i, now);
      if (status === MESSAGE_CENTER_STATUSES.delivered) delivered++;
      else if (status === MESSAGE_CENTER_STATUSES.undelivered) undelivered++;
      price += message.charge;
      if (i >= (page - 1) * rowCount && i < page * rowCount) rows.push({ number: `+${message.receiver}`, status });
    }
    const waiting = batch.count - delivered - undelivered;
    return answer(MESSAGE_CENTER_CODES.ok, {
      order: {
        id: batch.meta.orderId,
        status: waiting > 0 ? MESSAGE_CENTER_STATUSES.orderSending : MESSAGE_CENTER_STATUSES.orderFinished,
        total: batch.count,
        delivered,
        undelivered,
        waiting,
        submitAt: reportDate(batch.acceptedAt),
        sendAt: reportDate(batch.sendAt ?? batch.acceptedAt),
        sender: batch.originator,
        price,
        message: rows,
      },
    });
  }

  function statusCode(batch: Batch, receiver: string, counter: number, now: number): number {
    if (phaseOf(batch, ctx.deliveryDelayMs, now).phase !== 'final') return MESSAGE_CENTER_STATUSES.waiting;
    const word = statusWord(verdictOf(ctx, batch.commercial, receiver, counter));
    return word === 'delivered' ? MESSAGE_CENTER_STATUSES.delivered : word === 'undelivered' ? MESSAGE_CENTER_STATUSES.undelivered : MESSAGE_CENTER_STATUSES.waiting;
  }

  const ROUTES: Record<string, string> = { '/v1/send-sms/json': 'send-sms', '/v1/get-report/json': 'get-report', '/v1/get-balance/json': 'get-balance' };

  return {
    name: 'message-center',
    prefix: '/message-center',
    prepare(request: WireRequest): PreparedRequest | WireAnswer {
      const endpoint = ROUTES[request.path];
      if (endpoint === undefined) return answer(MESSAGE_CENTER_CODES.notFound);
      if (request.method !== 'POST') return json(405, { error: `${endpoint} accepts POST only` }, ['allow', 'POST']);
      let parsed: unknown;
      try {
        parsed = JSON.parse(request.body.toString('utf8'));
      } catch {
        return answer(MESSAGE_CENTER_CODES.unreadable);
      }
      const body = objectOf(objectOf(parsed)?.request);
      if (!body) return answer(MESSAGE_CENTER_CODES.unreadable);
      const key = objectOf(body.authentication)?.key;
      return {
        endpoint,
        account: typeof key === 'string' ? key : undefined,
        run(now) {
          const index = authenticate(body);
          if (index === undefined) return answer(MESSAGE_CENTER_CODES.auth);
          if (endpoint === 'send-sms') return send(index, objectOf(body.order), now);
          if (endpoint === 'get-report') return report(index, objectOf(body.order), now);
          return answer(MESSAGE_CENTER_CODES.ok, { balance: { amount: '0', sms: String(credits[index]) } });
        },
      };
    },
    codeAnswer: (code) => json(code >= 100 && code <= 599 ? code : 400, { response: { status: { code: String(code), message: 'Injected fault' } } }),
    garbledAnswer: () => ({ status: 200, body: '{"response":{"status":{"code":"200","message":"İşlem başarılı"},"order":{"id":"' }),
    records(): WireRecord[] {
      const records: WireRecord[] = [];
      for (const [, message] of store.entries()) {
        const { batch } = message;
        const record: WireRecord = {
          wire: 'message-center',
          account: accounts[batch.accountIndex]!.key,
          receiver: message.receiver,
          text: message.text,
          sender: batch.originator,
          messageId: `${batch.meta.orderId}+${message.receiver}`,
          commercial: batch.commercial,
          acceptedAt: batch.acceptedAt,
        };
        if (batch.recipientType) record.recipientType = batch.recipientType;
        if (batch.sendAt !== undefined) record.sendAt = batch.sendAt;
        records.push(record);
      }
      return records;
    },
    clear: () => {
      store.clear();
      recent.clear();
    },
    accounts: (): WireAccountView[] => accounts.map((account, i) => ({ wire: 'message-center', account: account.key, senders: [...account.senders], credit: credits[i]! })),
    setCredit(account, credit) {
      const index = byKey.get(account);
      if (index === undefined) throw new Error(`Unknown Message Center sandbox account "${account}"`);
      credits[index] = credit;
    },
  };
}

/** The push word for a verdict: `undefined` while the end is unknown (the real service keeps such a message waiting). */
function statusWord(verdict: Verdict): 'delivered' | 'undelivered' | undefined {
  if (verdict === 'delivered') return 'delivered';
  if (verdict === 'unknown') return undefined;
  // Expired, consent refusals and carrier failures are not told apart (message-center-api.md).
  return 'undelivered';
}

/**
 * `sendDateTime`: empty or absent = now; `DD/MM/YYYY HH:MM` Turkey time (a one-element
 * list as the docs show, or a string as the SDKs send); with seconds the schedule is
 * ignored and the order goes now [one]. Null when unreadable (457).
 */
function readSendDate(value: unknown, now: number): number | undefined | null {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || text === null || text === '') return undefined;
  if (typeof text !== 'string') return null;
  const m = SEND_DATE.exec(text);
  if (!m) return null;
  if (m[6] !== undefined) return undefined;
  const [day, month, year, hour, minute] = [m[1], m[2], m[3], m[4], m[5]].map(Number) as [number, number, number, number, number];
  const utc = Date.UTC(year, month - 1, day, hour, minute);
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || new Date(utc).getUTCDate() !== day) return null;
  const at = utc - TURKEY_MS;
  return at > now ? at : undefined;
}

const p2 = (n: number): string => String(n).padStart(2, '0');

/** `YYYY-MM-DD HH:MM:SS` in Turkey time, as reports write dates. */
function reportDate(ms: number): string {
  const t = new Date(ms + TURKEY_MS);
  return `${t.getUTCFullYear()}-${p2(t.getUTCMonth() + 1)}-${p2(t.getUTCDate())} ${p2(t.getUTCHours())}:${p2(t.getUTCMinutes())}:${p2(t.getUTCSeconds())}`;
}
