import { z } from 'zod';
import type { Encoding } from '../encoding/encoding.js';
import type { Logger } from '../logging/logger.js';
import type { IysType } from '../message/message.js';
import type {
  Provider,
  ProviderCapabilities,
  RecipientReceipt,
  Selection,
  SendOptions,
  SendRequest,
  SendResponse,
} from '../provider/provider.js';
import { ProviderError, ProviderErrorKindSchema } from '../provider/provider-error.js';
import { refuseMalformedRequest } from './request-checks.js';

/**
 * The machinery shared by the provider packages that have a real configuration
 * schema but no wire client yet (Message Center, Mobildev, Infobip, Twilio):
 * account selection by IYS type, encoding and sender; the "no transport yet"
 * failure; and an opt-in development transport that accepts or fails without
 * sending anything. When a stub gets a real client it keeps `selectStubAccount`
 * and replaces the rest.
 */

/**
 * The `simulate` block of a stub's configuration. Development only: the gateway
 * refuses it unless started with an explicit development flag, because a
 * simulated acceptance looks like a sent message to everything upstream.
 */
export const SimulateSchema = z.strictObject({
  latencyMs: z
    .number()
    .int('must be a whole number of milliseconds')
    .min(0, 'must not be negative')
    .max(60_000, 'must be at most 60000 (one minute)')
    .default(20)
    .describe('Simulated time before each answer, in milliseconds.'),
  failRate: z
    .number()
    .min(0, 'must be between 0 and 1')
    .max(1, 'must be between 0 and 1')
    .default(0)
    .describe('Fraction of calls that fail (0 to 1).'),
  failKind: ProviderErrorKindSchema.default('provider-unavailable').describe('The ProviderError kind simulated failures have.'),
});
export type SimulateInput = z.input<typeof SimulateSchema>;
export type SimulateSettings = z.output<typeof SimulateSchema>;

/** The message every stub without `simulate` fails with. */
export const STUB_UNAVAILABLE_MESSAGE = 'stub: no transport yet';

/** An account as the stub machinery sees it; each package maps its own configuration onto this. */
export interface StubAccount {
  accountId: string;
  /** IYS message types this account may send. */
  iysTypes: readonly IysType[];
  /** Sender IDs the account may use; the first is the default. */
  senders: readonly string[];
  /** Encodings this account can carry; default: all of the provider's. */
  encodings?: readonly Encoding[];
}

export interface StubProviderOptions {
  /** Kebab-case provider id, e.g. `message-center`. */
  id: string;
  /** How reasons name the provider, e.g. `Message Center`. */
  displayName: string;
  accounts: readonly StubAccount[];
  maxRecipientsPerRequest: number;
  encodings: readonly Encoding[];
  /** Turns the development transport on. */
  simulate?: SimulateSettings;
  /** When set, the connector is configured but switched off: `select` refuses every message with this reason. */
  inactiveReason?: string;
  logger?: Logger;
  /** Source of randomness for `failRate`; [0, 1). Tests inject it. */
  random?: () => number;
}

type SelectInput = Parameters<Provider['select']>[0];

/**
 * Picks the account for a message: the first one that serves its IYS type and
 * carries its encoding, and — when the message names a sender — has that sender.
 * Without a sender, that account's first sender.
 */
export function selectStubAccount(
  displayName: string,
  accounts: readonly StubAccount[],
  providerEncodings: readonly Encoding[],
  message: SelectInput,
): Selection {
  const { iysType } = message;
  const { encoding } = message.analysis;
  if (!providerEncodings.includes(encoding)) {
    return { eligible: false, field: 'text', reason: `${displayName} cannot send ${encoding} text (supports ${providerEncodings.join(', ')})` };
  }
  const forType = accounts.filter((account) => account.iysTypes.includes(iysType));
  if (forType.length === 0) return { eligible: false, reason: `no ${displayName} account for IYS type ${iysType}` };

  const candidates = forType.filter((account) => (account.encodings ?? providerEncodings).includes(encoding));
  if (candidates.length === 0) {
    return { eligible: false, field: 'text', reason: `no ${displayName} ${iysType} account can send ${encoding} text` };
  }

  const { sender } = message;
  if (sender === undefined) {
    const account = candidates.find((candidate) => candidate.senders.length > 0);
    if (!account) return { eligible: false, reason: `no ${displayName} ${iysType} account has a sender configured` };
    return { eligible: true, accountId: account.accountId, sender: account.senders[0]! };
  }
  const account = candidates.find((candidate) => candidate.senders.includes(sender));
  if (!account) {
    const allowed = [...new Set(candidates.flatMap((candidate) => candidate.senders))].join(', ') || 'none';
    return { eligible: false, field: 'sender', reason: `sender "${sender}" is not allowed on any ${displayName} ${iysType} account (allowed: ${allowed})` };
  }
  return { eligible: true, accountId: account.accountId, sender };
}

/** A `Provider` for a stub package: real selection, and either no transport or the simulated one. */
export function createStubProvider(options: StubProviderOptions): Provider {
  return new StubProvider(options);
}

class StubProvider implements Provider {
  readonly id: string;
  readonly capabilities: ProviderCapabilities;
  readonly accountIds: readonly string[];
  readonly campaignAccountIds: readonly string[];

  private readonly options: StubProviderOptions;
  private readonly inFlight = new Set<(error: ProviderError) => void>();
  private messageCounter = 0;
  private closed = false;

  constructor(options: StubProviderOptions) {
    this.options = options;
    this.id = options.id;
    this.accountIds = options.accounts.map((account) => account.accountId);
    this.campaignAccountIds = options.accounts.filter((account) => account.iysTypes.includes('CAMPAIGN')).map((account) => account.accountId);
    this.capabilities = {
      maxRecipientsPerRequest: options.maxRecipientsPerRequest,
      encodings: options.encodings,
      // Both need a wire client; a stub promises neither.
      deliveryStatus: false,
      scheduling: false,
    };
    if (options.simulate) {
      const { latencyMs, failRate, failKind } = options.simulate;
      options.logger?.warn(
        { provider: options.id, latencyMs, failRate, failKind },
        `${options.id}: SIMULATED transport — messages are not delivered`,
      );
    }
  }

  select(message: SelectInput): Selection {
    if (this.options.inactiveReason !== undefined) return { eligible: false, reason: this.options.inactiveReason };
    return selectStubAccount(this.options.displayName, this.options.accounts, this.options.encodings, message);
  }

  async send(request: SendRequest, options: SendOptions = {}): Promise<SendResponse> {
    if (this.closed) throw new ProviderError('provider-unavailable', `${this.id}: the provider is closed`, { code: 'closed' });
    const { simulate } = this.options;
    if (!simulate) throw new ProviderError('provider-unavailable', STUB_UNAVAILABLE_MESSAGE, { code: 'stub' });
    if (this.options.inactiveReason !== undefined) {
      throw new ProviderError('provider-unavailable', this.options.inactiveReason, { code: 'inactive' });
    }
    const { signal } = options;
    if (signal?.aborted) {
      throw new ProviderError('retryable', `${this.id}: the call was aborted before anything was sent`, { code: 'aborted', cause: signal.reason });
    }
    this.checkRequest(request);

    await this.wait(simulate.latencyMs, signal);
    const random = this.options.random ?? Math.random;
    if (random() < simulate.failRate) {
      throw new ProviderError(simulate.failKind, `${this.id}: simulated ${simulate.failKind} failure`, { code: 'simulated' });
    }
    return {
      receipts: request.recipients.map(
        (to): RecipientReceipt => ({
          status: 'accepted',
          to,
          providerMessageId: `sim-${this.id}-${++this.messageCounter}`,
          segmentsBilled: request.analysis.segments,
          simulated: true,
        }),
      ),
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const cancel of this.inFlight) {
      cancel(new ProviderError('outcome-unknown', `${this.id}: the provider was closed during a simulated call`, { code: 'closed' }));
    }
  }

  private checkRequest(request: SendRequest): void {
    refuseMalformedRequest(this.id, request, this.options.accounts, this.capabilities.maxRecipientsPerRequest);
  }


  /**
   * The simulated network time. An abort here means the request counts as sent
   * (a real one would be on the wire), hence outcome-unknown. The timer is
   * cleared however the wait ends, so nothing outlives the call.
   */
  private wait(ms: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const finish = (error?: ProviderError): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.inFlight.delete(finish);
        if (error) reject(error);
        else resolve();
      };
      const onAbort = (): void =>
        finish(
          new ProviderError('outcome-unknown', `${this.id}: the simulated call was aborted in flight`, { code: 'aborted', cause: signal?.reason }),
        );
      const timer = setTimeout(() => finish(), ms);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.inFlight.add(finish);
    });
  }
}
