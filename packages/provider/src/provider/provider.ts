import type { DeliveryReport } from '../delivery/delivery-status.js';
import type { Encoding, TextAnalysis } from '../encoding/encoding.js';
import type { Logger } from '../logging/logger.js';
import type { Message } from '../message/message.js';

/** What a provider can do; the router reads it to decide eligibility before spending a request. */
export interface ProviderCapabilities {
  /** Recipients one `send` request may carry (FigenSoft: 800). */
  maxRecipientsPerRequest: number;
  /** Encodings the provider can carry; a text in another encoding is not offered to it. */
  encodings: readonly Encoding[];
  /** Whether `status()` can read delivery reports. */
  deliveryStatus: boolean;
  /** Whether `sendAt` / `validUntil` are honoured. */
  scheduling: boolean;
  /** Most message ids one `status()` request carries (FigenSoft: 500); a collector batches to it. Default: 1. */
  statusBatchSize?: number;
  /**
   * Whether it takes Turkish numbers (+90) only: any other recipient is not
   * offered to it, but to the next provider (its refusal, "invalid number",
   * would otherwise end the message `rejected` with no other provider asked).
   * Default: false.
   */
  turkishNumbersOnly?: boolean;
}

/**
 * `select`'s answer: the account that would send this message, or why none can.
 * `field` names the message field this provider refuses (a sender it does not
 * allow, a text it cannot carry), as opposed to a refusal about the provider
 * itself (no account for the IYS type, switched off). When every provider
 * refuses a message for its own fields, no retry can help: the router answers
 * `rejected` naming them, not `failed`.
 */
export type Selection = { eligible: true; accountId: string; sender: string } | { eligible: false; reason: string; field?: MessageField };

/** A field of a message a provider may refuse it for. */
export type MessageField = 'to' | 'text' | 'sender' | 'sendAt' | 'validUntil' | 'recipientType' | 'otp';

/** One text to one or more recipients, through one account. */
export interface SendRequest {
  accountId: string;
  sender: string;
  text: string;
  analysis: TextAnalysis;
  iysType: Message['iysType'];
  recipientType: Message['recipientType'];
  /**
   * E.164 numbers; a provider answers with one receipt per entry, in this order.
   * The router's own list, not a copy (a bulk may name 100,000): a provider must
   * not change it — the results and any later provider read the same list.
   */
  recipients: readonly string[];
  otp: boolean;
  sendAt?: Date;
  validUntil?: Date;
}

/**
 * What the provider did with one recipient of a request it answered:
 * - `accepted`: it has the message (a delivery report may follow);
 * - `rejected`: refused for a reason about this recipient (a bad number, an
 *   opt-out or blocklist): final, no other provider is asked;
 * - `not-taken`: refused for a reason about the provider's side (the
 *   account's credit or sender, a route): not sent, and the router asks the
 *   next provider for this recipient, as for a failed request. An answer that
 *   took none counts against the account's breaker, unless every not-taken
 *   receipt says `cause: 'request'`: the provider refused the request whole for
 *   something in it it did not name (one invalid number in a bulk order), which
 *   says nothing of the account (the breaker takes it as a refused message: not
 *   a failure), and each number is better asked elsewhere.
 */
export type RecipientReceipt =
  | { status: 'accepted'; to: string; providerMessageId: string; segmentsBilled?: number; simulated?: boolean }
  | { status: 'rejected'; to: string; code?: string; reason: string }
  | { status: 'not-taken'; to: string; code?: string; reason: string; cause?: 'request' };

export interface SendResponse {
  /** One entry per request recipient, in the request's order. */
  receipts: RecipientReceipt[];
}

export interface SendOptions {
  signal?: AbortSignal;
}

export interface StatusRequest {
  accountId: string;
  providerMessageIds: readonly string[];
}

export interface AccountHealth {
  accountId: string;
  healthy: boolean;
  detail: string;
  balance?: number;
}

export interface ProviderHealth {
  healthy: boolean;
  accounts: AccountHealth[];
}

/** Delivery reports a provider pushed to Rota, as they arrived. */
export interface PushedReports {
  /** The URL the provider called, as it called it (scheme, host, path and query): some providers sign it, some put a secret in it. */
  url: string;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The raw body: signatures are over the bytes, not over re-serialised JSON. */
  body: Buffer;
}

/** A push read: its reports, or why it was refused (401: not from the provider; 400: not readable). */
export type ReceivedReports = { ok: true; reports: DeliveryReport[] } | { ok: false; status: 400 | 401; reason: string };

/** A push as far as it is known before its body is read. */
export type PushOrigin = Omit<PushedReports, 'body'>;

/** Whether a push may be from the provider, as far as its URL and headers tell (401: it is not). */
export type PushOriginCheck = { ok: true } | { ok: false; status: 401; reason: string };

/** What every provider package's factory takes besides its configuration. */
export interface ProviderFactoryOptions {
  /** Where the provider logs (pino-compatible); it never logs a secret or an unmasked number. */
  logger?: Logger;
  /** The provider's id in routing, metrics and records; default: the package's own (e.g. `figensoft`). Two contracts with one provider need two ids. */
  id?: string;
}

/**
 * The contract every provider package implements. Failures are reported by
 * throwing a `ProviderError`; anything else thrown is treated as a bug.
 */
export interface Provider {
  readonly id: string;
  readonly capabilities: ProviderCapabilities;
  /** Every account this provider may send with; one circuit breaker each. */
  readonly accountIds: readonly string[];
  /**
   * The accounts that may carry CAMPAIGN (commercial) traffic: those whose
   * messages the provider checks against IYS consent. The router sends a
   * CAMPAIGN message through no other account, whatever `select` answers, and
   * says so in the attempt trail. Every provider package declares it; a
   * provider that leaves it out is trusted to refuse CAMPAIGN in `select`.
   */
  readonly campaignAccountIds?: readonly string[];
  select(message: Pick<Message, 'iysType' | 'sender' | 'text' | 'analysis' | 'recipientType' | 'otp'>): Selection;
  send(request: SendRequest, options?: SendOptions): Promise<SendResponse>;
  status?(request: StatusRequest, options?: SendOptions): Promise<DeliveryReport[]>;
  health?(options?: SendOptions): Promise<ProviderHealth>;
  /**
   * For a provider that pushes delivery reports: checks a push came from it
   * (a signature, or a secret in the callback URL, as the provider specifies)
   * and reads its reports, normalised like `status()`'s. Never throws.
   */
  receiveReports?(push: PushedReports): ReceivedReports;
  /**
   * For a provider whose proof needs no body (a secret in the callback URL):
   * the same check, made before the body is read, so a push without the
   * proof costs the gateway no memory and holds no place among the pushes
   * being read. A provider that signs the body leaves it out. Never throws.
   */
  checkPushOrigin?(origin: PushOrigin): PushOriginCheck;
  close?(): Promise<void>;
}
