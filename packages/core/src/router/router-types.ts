import { z } from 'zod';
import { IysTypeSchema, type DeliveryReport, type Logger, type ProviderHealth, type Encoding, type TurkishShift, type BulkMessage, type BulkMessageInput, type Message, type MessageInput, type ValidationIssue, type ProviderErrorKind, type Provider, type ProviderCapabilities, type MessageField, type PushedReports, type PushOrigin, type PushOriginCheck, type ReceivedReports } from '@rota/provider';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** Circuit breaker settings, one breaker per (provider, account). */
export const BreakerSettingsSchema = z.strictObject({
  /** Failures (within the rolling window) before the breaker may open. */
  volumeThreshold: z.number().int().min(1).default(5),
  /** Share of failed calls in the window that opens the breaker. */
  errorThresholdPercentage: z.number().min(1).max(100).default(50),
  /**
   * How long an open breaker waits before letting one probe through. At most a
   * day: past 2^31 ms (24.8 days) Node's timer fires at once, and a breaker
   * meant to stay open probed every millisecond (to keep a provider out, switch
   * it off or force its breaker open).
   */
  resetTimeoutMs: z.number().int().min(10).max(DAY_MS, `must be at most ${DAY_MS} (a day: to keep a provider out longer, switch it off or force its breaker open)`).default(30_000),
  /** Length of the rolling window the failures are counted in: at most an hour (its buckets are timers too). */
  rollingWindowMs: z.number().int().min(100).max(HOUR_MS, `must be at most ${HOUR_MS} (an hour)`).default(10_000),
});
export type BreakerSettings = z.output<typeof BreakerSettingsSchema>;

/** Retry settings for `retryable` failures on the same provider. */
export const RetrySettingsSchema = z
  .strictObject({
    /** Retries after the first try (so `retries: 2` means at most 3 tries). */
    retries: z.number().int().min(0).max(10).default(2),
    minDelayMs: z.number().int().min(0).max(HOUR_MS, `must be at most ${HOUR_MS} (an hour)`).default(100),
    maxDelayMs: z.number().int().min(0).max(HOUR_MS, `must be at most ${HOUR_MS} (an hour)`).default(2_000),
    factor: z.number().min(1).default(2),
    /** No retry starts after this much time has passed since the first try. */
    deadlineMs: z.number().int().min(1).max(DAY_MS, `must be at most ${DAY_MS} (a day)`).default(10_000),
  })
  // The backoff is capped by maxDelayMs: a minDelayMs above it was taken without a word, and the first retry came sooner than it said.
  .superRefine((retry, ctx) => {
    if (retry.minDelayMs > retry.maxDelayMs) {
      ctx.addIssue({ code: 'custom', path: ['minDelayMs'], message: `must be at most maxDelayMs (${retry.maxDelayMs}): the backoff never waits longer than maxDelayMs` });
    }
  });
export type RetrySettings = z.output<typeof RetrySettingsSchema>;

/**
 * A provider's place in the walk: lower is tried first. Whole numbers from 0:
 * the same rule in the library, the configuration file and the admin API.
 */
export const RankSchema = z
  .number({ error: 'must be a number' })
  .int('must be a whole number')
  .min(0, 'must be 0 or more')
  .max(1_000_000, 'must be at most 1000000');

export const UnknownOutcomePolicySchema = z.enum(['stop', 'failover'], { error: 'must be "stop" or "failover"' });
export type UnknownOutcomePolicy = z.infer<typeof UnknownOutcomePolicySchema>;

/** `stop` for every IYS type, or a policy per IYS type. */
export const UnknownOutcomeSettingsSchema = z.union(
  [UnknownOutcomePolicySchema, z.partialRecord(IysTypeSchema, UnknownOutcomePolicySchema, { error: 'must be "stop" or "failover" per IYS type, e.g. { NOTIFICATION: "failover" }' })],
  { error: 'must be "stop" or "failover", or one of them per IYS type (e.g. { NOTIFICATION: "failover" })' },
);
export type UnknownOutcomeSettings = z.input<typeof UnknownOutcomeSettingsSchema>;

export interface RoutedProvider {
  provider: Provider;
  /** Lower ranks are tried first. */
  rank: number;
  enabled?: boolean;
  breaker?: Partial<BreakerSettings>;
  retry?: Partial<RetrySettings>;
}

export interface RouterOptions {
  providers: readonly RoutedProvider[];
  breaker?: Partial<BreakerSettings>;
  retry?: Partial<RetrySettings>;
  unknownOutcome?: UnknownOutcomeSettings;
  /** How many provider requests a `sendBatch` keeps in flight. */
  batchConcurrency?: number;
  /**
   * Longest wait for one provider call — the one time limit on it (the
   * provider passes the router's signal to its wire client). Past it the call
   * is aborted; the provider's own verdict on the aborted call stands (retryable
   * if its request never left, outcome-unknown if it may have), and a provider
   * that does not settle soon after is given up on as `outcome-unknown`.
   */
  attemptTimeoutMs?: number;
  /** Where the router reports what it cannot throw (a listener that failed). Default: silent. */
  logger?: Logger;
  /**
   * Called once for each provider instance a `reconfigure` left out, after the
   * last call through it ended: its owner closes it then. The router never
   * closes a provider itself.
   */
  onProviderRetired?: (provider: Provider) => void;
}

/** What a send may be given besides the message. */
export interface RouteOptions {
  signal?: AbortSignal;
  /**
   * Called before every try a provider is about to be asked, with the provider,
   * the account and the positions (in the caller's input) of the recipients
   * the request carries; the request waits for it. A ledger records where the
   * message is going here, and a rate limiter holds the try back. If it
   * throws, nothing is sent: those recipients end `failed` with its reason.
   */
  beforeAttempt?: (attempt: AttemptTarget) => void | Promise<void>;
  /**
   * Called once per recipient as soon as its walk ends, with its position in
   * the caller's input and its result — before the send resolves, which a
   * batch or bulk does only when its slowest recipient is done. A ledger
   * writes results as they come here. A throw is reported to the router's
   * logger and changes nothing. Not called for a batch refused whole before
   * any walk (an invalid message, a closed router): the return value has those.
   */
  onResult?: (index: number, result: SendResult) => void;
  /**
   * Bounds the provider requests this call has out at once, in place of a
   * limiter of `batchConcurrency` of its own (a single send has none): a
   * caller that makes many calls side by side — the ledger's dispatcher —
   * shares one budget among them.
   */
  limit?: <T>(request: () => Promise<T>) => Promise<T>;
  /**
   * Whether the caller holds the recipient at this position (in its input)
   * when no route is open to it (see `noRoute`): a ledger's queue keeps such a
   * message and tries it again later. Its result is then `heldBack` too — not
   * a failed message, for listeners and metrics. Left out: nobody holds it.
   */
  holdsWithoutRoute?: (index: number) => boolean;
}

export interface AttemptTarget {
  providerId: string;
  accountId: string;
  /** Positions in the caller's input (0 for a single send). */
  index: readonly number[];
  /**
   * Aborts once an operator closes this route (switches the provider off,
   * forces the account's breaker open, reloads it away) while the hook waits
   * (a rate limit): the hook may stop waiting and return, and the try is then
   * not made — the message walks on down the ranks. Made on first read: a
   * hook that never waits never reads it.
   */
  readonly routeClosing: AbortSignal;
}

export type AttemptOutcome = 'accepted' | 'rejected' | 'failed' | 'unknown' | 'skipped';

/** One step of the walk down the ranks. */
export interface Attempt {
  providerId: string;
  accountId?: string;
  outcome: AttemptOutcome;
  errorKind?: ProviderErrorKind;
  code?: string;
  reason?: string;
  /** How long the provider asked to be left alone (Retry-After), when it did. */
  retryAfterMs?: number;
  /** On a skip: the message field the provider refused (see `Selection`). */
  field?: MessageField;
  tries: number;
  durationMs: number;
}

export interface EncodingSummary {
  encoding: Encoding;
  shift?: TurkishShift;
  segments: number;
}

export type SendResult =
  | ({
      status: 'accepted';
      to: string;
      providerId: string;
      accountId: string;
      providerMessageId: string;
      segments: number;
      encoding: Encoding;
      shift?: TurkishShift;
      simulated?: boolean;
      attempts: Attempt[];
    })
  | { status: 'rejected'; to?: string; reason: string; issues: ValidationIssue[]; providerId?: string; attempts: Attempt[] }
  | {
      status: 'failed';
      to?: string;
      reason: string;
      attempts: Attempt[];
      /**
       * No provider was asked, and the caller takes the message back: its
       * beforeAttempt refused every try, the router closed before one was
       * made, or no route was open and the caller holds it (holdsWithoutRoute).
       * Nothing was sent, and no provider failed it — a ledger queues such a
       * message again, and metrics do not count it as a failed message.
       */
      heldBack?: true;
      /**
       * No route was open to it: no provider was asked, and at least one
       * skip was for a closed route (its account's breaker open, its provider
       * switched off while it waited, or switched off and able to carry it),
       * the others refusals; or no provider is enabled at all. Nothing was sent, and a later try may find a route
       * open. (Every provider refusing it for good — a field of its own, a
       * CAMPAIGN no account checks consent for — is not this.)
       */
      noRoute?: true;
    }
  | ({
      status: 'unknown';
      to: string;
      providerId: string;
      accountId: string;
      /** The id the provider would know it by, when the request named it (Infobip): a report under it settles the outcome. */
      providerMessageId?: string;
      reason: string;
      attempts: Attempt[];
      /** With the text as that provider encodes it (what it sent and bills, if it sent it: UCS-2 where it has no Turkish shift tables), or none of it. */
    } & (EncodingSummary | { encoding?: undefined; shift?: undefined; segments?: undefined }));

export type SendStatus = SendResult['status'];

export type BreakerState = 'closed' | 'open' | 'half-open';
export type BreakerOverride = 'open' | 'closed' | 'auto';

export interface AccountStatus {
  accountId: string;
  breaker: BreakerState;
  /** Set while an operator forces the breaker; `auto` otherwise. */
  override: BreakerOverride;
}

export interface ProviderStatus {
  providerId: string;
  rank: number;
  enabled: boolean;
  accounts: AccountStatus[];
  /** Provider calls running now (sends, status reads, health checks). */
  inFlight: number;
  /** What the provider can do: whether it reads delivery status, and how many ids a read carries. */
  capabilities: Pick<ProviderCapabilities, 'deliveryStatus' | 'scheduling' | 'maxRecipientsPerRequest'> & { statusBatchSize: number };
  counts: Record<AttemptOutcome, number>;
  /** Mean duration of attempts that reached the provider, in ms. */
  meanLatencyMs: number;
}

export interface RouterEvents {
  /**
   * One provider tried for `recipients` messages (a single send has one; a batch chunk many). A
   * provider request whose recipients fared differently (some accepted, some refused one by one,
   * some `not-taken`) is told once an outcome; all but the first are `sameRequest`: count their
   * recipients, not another request.
   */
  attempt: { recipients: number; attempt: Attempt; sameRequest?: true };
  accepted: { result: Extract<SendResult, { status: 'accepted' }> };
  rejected: { result: Extract<SendResult, { status: 'rejected' }> };
  failed: { result: Extract<SendResult, { status: 'failed' }> };
  unknown: { result: Extract<SendResult, { status: 'unknown' }> };
  breaker: { providerId: string; accountId: string; state: BreakerState };
  /** A provider threw something that is not a ProviderError: a bug in that provider. */
  'provider-bug': { providerId: string; accountId: string; error: unknown };
  /** A try was answered with a Retry-After (a 429, say), told at once — a caller that paces the account holds it back for everyone. */
  'retry-after': { providerId: string; accountId: string; retryAfterMs: number };
  /**
   * The operator may have opened a route: a provider switched on, or the
   * configuration replaced. (A breaker that half-opens or closes is told by
   * `breaker`.) A caller holding messages for want of a route tries them now.
   */
  'routes-changed': { cause: 'enabled'; providerId: string } | { cause: 'reconfigured' };
}
export type RouterEventName = keyof RouterEvents;

export interface Router {
  /** Validates the message (an invalid one is answered `rejected` with its issues) and routes it. */
  send(message: MessageInput | unknown, options?: RouteOptions): Promise<SendResult>;
  /**
   * Routes a message `validateMessage` already accepted (the gateway validates
   * once, records the message, then routes it): no second validation. A plain
   * object that never went through it (no text analysis) is refused, rejected
   * with one issue at `(root)`, and nothing is sent.
   */
  sendChecked(message: Message, options?: RouteOptions): Promise<SendResult>;
  sendBatch(messages: readonly (MessageInput | unknown)[], options?: RouteOptions): Promise<SendResult[]>;
  /** `sendBatch` for messages `validateMessage` already accepted. */
  sendBatchChecked(messages: readonly Message[], options?: RouteOptions): Promise<SendResult[]>;
  /**
   * One text to many numbers (a campaign): checked and analysed once, sent in
   * chunks of each provider's batch size; one result per number, in order. One
   * invalid field or number refuses the whole bulk and nothing is sent.
   */
  sendBulk(bulk: BulkMessageInput | unknown, options?: RouteOptions): Promise<SendResult[]>;
  /** `sendBulk` for a bulk `validateBulkMessage` already accepted. */
  sendBulkChecked(bulk: BulkMessage, options?: RouteOptions): Promise<SendResult[]>;
  /** Provider requests one batch or bulk keeps in flight (`RouterOptions.batchConcurrency`, as a reconfigure left it). */
  readonly batchConcurrency: number;
  /** Delivery reports through the provider and account that accepted the messages, within the router's deadline. */
  deliveryStatus(
    request: { providerId: string; accountId: string; providerMessageIds: readonly string[] },
    options?: { signal?: AbortSignal },
  ): Promise<DeliveryReport[]>;
  /**
   * The provider's own health check (`undefined` when it has none), within the
   * router's deadline. It runs through the provider's slot, so a reload cannot
   * close the provider under it.
   */
  health(providerId: string, options?: { signal?: AbortSignal }): Promise<ProviderHealth | undefined>;
  /**
   * Delivery reports a provider pushed, checked and read by that provider
   * (`Provider.receiveReports`). Throws UnknownProviderError for a provider the
   * router does not have; a provider that takes no pushes refuses with 401.
   */
  receiveReports(providerId: string, push: PushedReports): ReceivedReports;
  /**
   * Before a push's body is read: whether it may be the provider's. Refused
   * (401) when the provider takes no pushes, or when its proof needs no body
   * and is missing or wrong (`Provider.checkPushOrigin`); otherwise only the
   * body can tell. Throws UnknownProviderError for a provider the router does
   * not have.
   */
  checkPushOrigin(providerId: string, origin: PushOrigin): PushOriginCheck;
  status(): ProviderStatus[];
  setEnabled(providerId: string, enabled: boolean): void;
  setRank(providerId: string, rank: number): void;
  forceBreaker(providerId: string, accountId: string, state: BreakerOverride): void;
  /**
   * Swaps in a new provider list and routing defaults atomically (validated
   * first). Providers passed as the same instance with unchanged breaker and
   * retry settings keep their breaker state; in-flight messages finish on the
   * providers they started with.
   */
  reconfigure(options: RouterOptions): void;
  on<E extends RouterEventName>(event: E, listener: (payload: RouterEvents[E]) => void): () => void;
  close(): Promise<void>;
}
