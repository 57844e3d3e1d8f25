import { analyzeText } from '@rota/provider';
import { DELIVERY_STATUSES, MAX_RECIPIENTS_PER_REQUEST, RESPONSE_CODES, type DeliveryStatus, type ResponseCode } from './sandbox-codes.js';
import type { SandboxEndpoint } from './sandbox-faults.js';
import type { Batch, StoredMessage } from './sandbox-message-store.js';
import { networkOutcome } from './sandbox-delivery.js';
import type { SandboxState } from './sandbox-state.js';
import { formatWireDate, parseWireDate } from './sandbox-time.js';

// FigenSoft's JSON API: each handler takes the parsed request body and returns
// the complete response body. The transport (HTTP, faults) lives in the server.

type Body = Record<string, unknown>;
type Handler = (state: SandboxState, body: Body, now: number) => string;

export const API_HANDLERS: Record<SandboxEndpoint, Handler> = {
  Send_1_N: sendOneToMany,
  Send_N_N: sendManyToMany,
  Status: status,
  CreditBalance: creditBalance,
};

/**
 * A Turkish mobile in FigenSoft's wire form (12 digits starting 905) as a number,
 * or NaN for anything else, which is accepted but ends as -201. One pass over
 * the characters: this runs for every receiver of every request.
 */
function wireMobileNumber(receiver: string): number {
  if (receiver.length !== 12 || receiver.charCodeAt(0) !== 57 || receiver.charCodeAt(1) !== 48 || receiver.charCodeAt(2) !== 53) return NaN;
  let value = 905;
  for (let i = 3; i < 12; i++) {
    const digit = receiver.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return NaN;
    value = value * 10 + digit;
  }
  return value;
}

function failure(code: ResponseCode): string {
  return `{"StatusCode":${code.code},"StatusDescription":${JSON.stringify(code.description)},"Result":null}`;
}

function success(resultJson: string): string {
  return `{"StatusCode":200,"StatusDescription":"${RESPONSE_CODES.success.description}","Result":${resultJson}}`;
}

function sendOneToMany(state: SandboxState, body: Body, now: number): string {
  const accountIndex = state.authenticate(body.Username, body.Password);
  if (accountIndex === undefined) return failure(RESPONSE_CODES.badLogin);
  const text = body.Message;
  if (typeof text !== 'string' || text.length === 0) return failure(RESPONSE_CODES.messageEmpty);
  const receivers = body.Receivers;
  if (!Array.isArray(receivers) || receivers.length === 0) return failure(RESPONSE_CODES.receiversEmpty);
  if (receivers.length > MAX_RECIPIENTS_PER_REQUEST) return failure(RESPONSE_CODES.tooManyReceivers);
  const batch = readBatch(state, accountIndex, body, now);
  if ('code' in batch) return failure(batch);

  const count = receivers.length;
  const numbers = new Array<string>(count);
  for (let i = 0; i < count; i++) numbers[i] = wireReceiver(receivers[i]);
  return accept(state, batch, numbers, text, analyzeText(text).segments);
}

function sendManyToMany(state: SandboxState, body: Body, now: number): string {
  const accountIndex = state.authenticate(body.Username, body.Password);
  if (accountIndex === undefined) return failure(RESPONSE_CODES.badLogin);
  const messages = body.Messages;
  if (!Array.isArray(messages) || messages.length === 0) return failure(RESPONSE_CODES.messagesEmpty);
  if (messages.length > MAX_RECIPIENTS_PER_REQUEST) return failure(RESPONSE_CODES.tooManyReceivers);

  const count = messages.length;
  const numbers = new Array<string>(count);
  const texts = new Array<string>(count);
  const segments = new Array<number>(count);
  // Bulk N_N traffic is mostly one template with a few distinct texts; analyse each text once.
  let lastText = '';
  let lastSegments = 0;
  for (let i = 0; i < count; i++) {
    const entry: unknown = messages[i];
    const text = typeof entry === 'object' && entry !== null ? (entry as Body).Message : undefined;
    if (typeof text !== 'string' || text.length === 0) return failure(RESPONSE_CODES.messagesEmpty);
    if (text !== lastText) {
      lastText = text;
      lastSegments = analyzeText(text).segments;
    }
    numbers[i] = wireReceiver((entry as Body).Receiver);
    texts[i] = text;
    segments[i] = lastSegments;
  }
  const batch = readBatch(state, accountIndex, body, now);
  if ('code' in batch) return failure(batch);
  return accept(state, batch, numbers, texts, segments);
}

/** Numbers written as JSON numbers are taken at their digits; anything else is an invalid receiver. */
function wireReceiver(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  return '';
}

// Many clients send "" or null for an optional field they leave out.
function isAbsent(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

/** Checks what a whole send request shares (dates, originator) and returns its batch or the refusal. */
function readBatch(state: SandboxState, accountIndex: number, body: Body, now: number): Batch | ResponseCode {
  const { SendDate, ExpireDate, Originator, Channel } = body;
  const sendAt = isAbsent(SendDate) ? undefined : typeof SendDate === 'string' ? parseWireDate(SendDate) : undefined;
  if (!isAbsent(SendDate) && sendAt === undefined) return RESPONSE_CODES.badSendDate;
  const expireAt = isAbsent(ExpireDate) ? undefined : typeof ExpireDate === 'string' ? parseWireDate(ExpireDate) : undefined;
  if (!isAbsent(ExpireDate) && expireAt === undefined) return RESPONSE_CODES.badExpireDate;
  // Without an Originator the account's first sender stands in for the real service's default header.
  let originator = state.accounts[accountIndex]?.senders[0] as string;
  if (!isAbsent(Originator)) {
    if (typeof Originator !== 'string' || !state.senders[accountIndex]?.has(Originator)) return RESPONSE_CODES.badOriginator;
    originator = Originator;
  }
  const channel = typeof Channel === 'string' && Channel.length > 0 ? Channel : undefined;
  return { accountIndex, originator, acceptedAt: now, sendAt, expireAt, channel };
}

/**
 * Charges the account and stores one message per receiver, or refuses the whole
 * request when the credit does not cover it. `texts`/`segments` are one value for
 * Send_1_N and one per receiver for Send_N_N.
 */
function accept(
  state: SandboxState,
  batch: Batch,
  numbers: string[],
  texts: string | string[],
  segments: number | number[],
): string {
  const count = numbers.length;
  const mobiles = new Float64Array(count);
  let total = 0;
  for (let i = 0; i < count; i++) {
    const mobile = wireMobileNumber(numbers[i] as string);
    mobiles[i] = mobile;
    if (!Number.isNaN(mobile)) total += typeof segments === 'number' ? segments : (segments[i] as number);
  }
  const credit = state.credits[batch.accountIndex] as number;
  if (credit < total) return failure(RESPONSE_CODES.insufficientCredit);
  state.credits[batch.accountIndex] = credit - total;

  // One string holds every text of the request, so the store retains one
  // object per request instead of one per message.
  const textSource = typeof texts === 'string' ? texts : texts.join('');
  const { ids, store } = state;
  const first = store.reserve(batch, textSource, count);
  let textStart = 0;
  const entries = new Array<string>(count);
  for (let i = 0; i < count; i++) {
    const receiver = numbers[i] as string;
    const mobile = mobiles[i] as number;
    const isValid = !Number.isNaN(mobile);
    const charge = isValid ? (typeof segments === 'number' ? segments : (segments[i] as number)) : 0;
    const textLength = typeof texts === 'string' ? texts.length : (texts[i] as string).length;
    const counter = first + i;
    store.set(counter, mobile, receiver, textStart, textLength, charge);
    if (typeof texts !== 'string') textStart += textLength;
    // A valid number is digits only, so it needs no escaping; anything else goes through JSON.stringify.
    entries[i] =
      `{"MessageId":"${ids.format(counter, batch.accountIndex)}","Receiver":` +
      `${isValid ? `"${receiver}"` : JSON.stringify(receiver)},"Charge":${charge}}`;
  }
  if (state.pushUrl !== undefined) {
    const start = batch.sendAt !== undefined && batch.sendAt > batch.acceptedAt ? batch.sendAt : batch.acceptedAt;
    state.onAccepted?.(first, count, start + state.deliveryDelayMs);
  }
  return success(`[${entries.join(',')}]`);
}

interface StatusEntry {
  MessageId: string;
  Receiver: string;
  SmsStatus: string;
  SmsStatusDescription: string;
  IsFinalStatus: '0' | '1';
  StatusTime: string;
  SmsCharge: string;
}

function status(state: SandboxState, body: Body, now: number): string {
  const accountIndex = state.authenticate(body.Username, body.Password);
  if (accountIndex === undefined) return failure(RESPONSE_CODES.badLogin);
  const ids = body.MessageIds;
  if (!Array.isArray(ids)) return failure(RESPONSE_CODES.messageIdsMissing);
  const entries = ids.map((id: unknown): StatusEntry => {
    const messageId = typeof id === 'string' ? id : String(id);
    const parsed = state.ids.parse(messageId);
    const message = parsed && parsed.accountIndex === accountIndex ? state.store.get(parsed.counter) : undefined;
    // An id of another account is as unknown to this account as an id never issued.
    if (!message || message.batch.accountIndex !== accountIndex) {
      return { MessageId: messageId, Receiver: '', SmsStatus: '', SmsStatusDescription: '', IsFinalStatus: '0', StatusTime: '', SmsCharge: '' };
    }
    return statusEntry(state, messageId, message, parsed!.counter, now);
  });
  return success(JSON.stringify(entries));
}

/**
 * Where a message is on its way, computed from the clock rather than kept up to
 * date by timers: the first half of the delivery delay it is being sent, the
 * second half it is with the operator, then it is final. Consent is read at the
 * moment of the query, so a test may change it before the delay runs out.
 */
function deliveryOf(state: SandboxState, message: StoredMessage, counter: number, now: number): { status: DeliveryStatus; at: number } {
  const { batch } = message;
  if (!message.validNumber) return { status: DELIVERY_STATUSES.invalidNumber, at: batch.acceptedAt };
  if (batch.sendAt !== undefined && now < batch.sendAt) return { status: DELIVERY_STATUSES.waitingForSendTime, at: batch.acceptedAt };
  const start = batch.sendAt !== undefined && batch.sendAt > batch.acceptedAt ? batch.sendAt : batch.acceptedAt;
  const elapsed = now - start;
  const delay = state.deliveryDelayMs;
  if (elapsed < delay / 2) return { status: DELIVERY_STATUSES.beingSent, at: start };
  if (elapsed < delay) return { status: DELIVERY_STATUSES.atOperator, at: start + Math.floor(delay / 2) };
  return { status: finalStatus(state, message, counter), at: start + delay };
}

function finalStatus(state: SandboxState, message: StoredMessage, counter: number): DeliveryStatus {
  // Only CAMPAIGN traffic is checked against IYS consent (see figensoft-api.md).
  if (state.accounts[message.batch.accountIndex]?.iysType === 'CAMPAIGN') {
    if (state.optedOut.has(message.receiver)) return DELIVERY_STATUSES.optedOut;
    if (!state.approved.has(message.receiver)) return DELIVERY_STATUSES.notOnIysApprovedList;
  }
  return NETWORK_STATUSES[networkOutcome(state.outcomes, counter)];
}

const NETWORK_STATUSES = {
  delivered: DELIVERY_STATUSES.delivered,
  undelivered: DELIVERY_STATUSES.handsetError,
  expired: DELIVERY_STATUSES.expired,
  unknown: DELIVERY_STATUSES.unknownFinal,
} as const;

/**
 * Push mode: the Status entries of `count` messages from `first`, as the
 * push body (`{ Reports: [...] }`), read at `now` (their final time).
 */
export function pushBody(state: SandboxState, first: number, count: number, now: number): string {
  const reports: StatusEntry[] = [];
  for (let counter = first; counter < first + count; counter++) {
    const message = state.store.get(counter);
    if (message) reports.push(statusEntry(state, state.ids.format(counter, message.batch.accountIndex), message, counter, now));
  }
  return JSON.stringify({ Reports: reports });
}

function statusEntry(state: SandboxState, messageId: string, message: StoredMessage, counter: number, now: number): StatusEntry {
  const delivery = deliveryOf(state, message, counter, now);
  return {
    MessageId: messageId,
    Receiver: message.receiver,
    SmsStatus: delivery.status.code,
    SmsStatusDescription: delivery.status.description,
    IsFinalStatus: delivery.status.final ? '1' : '0',
    StatusTime: formatWireDate(delivery.at),
    SmsCharge: String(message.charge),
  };
}

function creditBalance(state: SandboxState, body: Body): string {
  const accountIndex = state.authenticate(body.Username, body.Password);
  if (accountIndex === undefined) return failure(RESPONSE_CODES.badLogin);
  return success(`{"Balance":${state.credits[accountIndex]}}`);
}
