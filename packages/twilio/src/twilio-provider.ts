import {
  createStubProvider,
  maskPhoneNumber,
  parseProviderConfig,
  ProviderError,
  redactSecrets,
  refuseMalformedRequest,
  selectStubAccount,
  silentLogger,
  type AccountHealth,
  type DeliveryReport,
  type Encoding,
  type IysType,
  type Logger,
  type Provider,
  type ProviderCapabilities,
  type ProviderFactoryOptions,
  type ProviderHealth,
  type Selection,
  type SendOptions,
  type SendRequest,
  type SendResponse,
  type StatusRequest,
} from '@rota/provider';
import { WireTransportError } from '@rota/provider/http';
import { createTwilioClient, type TwilioAnswer, type TwilioClient } from './twilio-client.js';
import { errorAnswerError, errorCodeRow, transportError } from './twilio-codes.js';
import { TwilioConfigSchema, type TwilioConfig, type TwilioConfigInput } from './twilio-config.js';
import { authTokenSecret, TwilioCredentials } from './twilio-credentials.js';
import { readStatusCallback, toDeliveryReport, unsignedRefusal } from './twilio-reports.js';
import { MAX_VALIDITY_SECONDS } from './twilio-wire.js';

export const TWILIO_PROVIDER_ID = 'twilio';

/** Last by default (lower rank first); operators re-rank in configuration. */
export const DEFAULT_RANK = 5;

/** The Messages resource takes one `To` a request [spec]. */
export const MAX_RECIPIENTS_PER_REQUEST = 1;

/** Messages are read back one sid a request; this many side by side per status() call (Twilio throttles concurrency: 20429). */
export const STATUS_BATCH_SIZE = 10;

/**
 * Twilio documents no Turkish shift tables: a text outside GSM-7 goes as UCS-2.
 * The router then hands Twilio a Turkish text as UCS-2 (past 70 characters in two
 * to three times the segments; over 10 of them, not at all), so Twilio stays a last resort for it, and the result counts the
 * segments Twilio sends rather than the shift table's fewer.
 */
export const TWILIO_ENCODINGS: readonly Encoding[] = Object.freeze(['GSM7', 'UCS2'] as const);

export const TWILIO_CAPABILITIES: ProviderCapabilities = Object.freeze({
  maxRecipientsPerRequest: MAX_RECIPIENTS_PER_REQUEST,
  encodings: TWILIO_ENCODINGS,
  deliveryStatus: true,
  // Scheduling needs a Messaging Service (35118), which Rota does not configure: a future sendAt goes elsewhere.
  scheduling: false,
  statusBatchSize: STATUS_BATCH_SIZE,
});

/** One Twilio account per configuration; its id does not change when credentials rotate. */
export const TWILIO_ACCOUNT_ID = 'twilio';

export const INACTIVE_REASON = 'twilio: fromAddresses is empty (connector inactive)';

export type TwilioProviderOptions = ProviderFactoryOptions;

export interface TwilioProvider extends Provider {
  readonly campaignAccountIds: readonly string[];
  status(request: StatusRequest, options?: SendOptions): Promise<DeliveryReport[]>;
  health(options?: SendOptions): Promise<ProviderHealth>;
  close(): Promise<void>;
}

/**
 * Twilio as a `Provider`. With no fromAddresses it is inactive and `select`
 * refuses everything. Throws a `ProviderConfigError` naming every bad field.
 * With `simulate` (development only) the stub transport stands in for the wire.
 */
export function createTwilioProvider(config: TwilioConfigInput, options: TwilioProviderOptions = {}): Provider {
  const parsed = parseProviderConfig(TwilioConfigSchema, config, 'Twilio');
  const id = options.id ?? TWILIO_PROVIDER_ID;
  const inactive = parsed.fromAddresses.length === 0;
  if (inactive) options.logger?.info({ provider: id }, INACTIVE_REASON);
  if (parsed.simulate) {
    return createStubProvider({
      id,
      displayName: 'Twilio',
      accounts: [{ accountId: TWILIO_ACCOUNT_ID, iysTypes: parsed.iysTypes, senders: parsed.fromAddresses }],
      maxRecipientsPerRequest: MAX_RECIPIENTS_PER_REQUEST,
      encodings: TWILIO_ENCODINGS,
      simulate: parsed.simulate,
      inactiveReason: inactive ? INACTIVE_REASON : undefined,
      logger: options.logger,
    });
  }
  return buildProvider(parsed, id, options.logger ?? silentLogger);
}

interface Account {
  accountId: string;
  iysTypes: readonly IysType[];
  senders: readonly string[];
}

function buildProvider(config: TwilioConfig, providerId: string, logger: Logger): TwilioProvider {
  const client: TwilioClient = createTwilioClient({ baseUrl: config.baseUrl, connections: config.connections });
  const credentials = new TwilioCredentials(config.accountSid, config.authToken);
  const account: Account = { accountId: TWILIO_ACCOUNT_ID, iysTypes: config.iysTypes, senders: config.fromAddresses };
  const inactive = config.fromAddresses.length === 0;
  const label = `Twilio account ${TWILIO_ACCOUNT_ID}`;
  let closed = false;

  const check = (accountId: string, operation: string): void => {
    if (closed) throw new ProviderError('provider-unavailable', `Twilio ${operation}: the provider is closed`, { code: 'closed' });
    if (accountId !== TWILIO_ACCOUNT_ID) throw new ProviderError('provider-unavailable', `Twilio ${operation}: no account ${JSON.stringify(accountId)} (known: ${TWILIO_ACCOUNT_ID})`, { code: 'unknown-account' });
  };
  const refusal = (answer: Extract<TwilioAnswer<unknown>, { ok: false }>, context: string): ProviderError =>
    errorAnswerError({ ...answer, message: redactSecrets(answer.message, [authTokenSecret(credentials)]) }, context);
  const failure = (error: unknown, context: string): unknown => (error instanceof WireTransportError ? transportError(error, context) : error);

  async function readOne(sid: string, options: SendOptions, context: string): Promise<DeliveryReport> {
    const answer = await client.fetchMessage(credentials, sid, options);
    if (answer.ok) return toDeliveryReport(sid, answer.value.status, answer.value.errorCode, answer.value.to, answer.value.dateUpdated ? new Date(answer.value.dateUpdated) : undefined);
    // A sid Twilio does not know: not found, not final (as for every provider).
    if (answer.code === 20404 || answer.httpStatus === 404) return { providerMessageId: sid, state: 'unknown', reason: 'not-found', final: false, providerCode: String(answer.code) };
    throw refusal(answer, context);
  }

  const provider: TwilioProvider = {
    id: providerId,
    capabilities: TWILIO_CAPABILITIES,
    accountIds: Object.freeze([TWILIO_ACCOUNT_ID]),
    // Twilio checks no İYS consent: the account carries CAMPAIGN traffic only if an operator listed it, declaring it checked another way.
    campaignAccountIds: Object.freeze(config.iysTypes.includes('CAMPAIGN') ? [TWILIO_ACCOUNT_ID] : []),

    select(message): Selection {
      if (inactive) return { eligible: false, reason: INACTIVE_REASON };
      if (message.iysType === 'CAMPAIGN' && !config.iysTypes.includes('CAMPAIGN')) {
        return { eligible: false, reason: 'Twilio does not check İYS consent, and this account is not declared for CAMPAIGN traffic (iysTypes)' };
      }
      return selectStubAccount('Twilio', [account], TWILIO_ENCODINGS, message);
    },

    async send(request: SendRequest, sendOptions: SendOptions = {}): Promise<SendResponse> {
      check(request.accountId, 'send');
      if (inactive) throw new ProviderError('provider-unavailable', INACTIVE_REASON, { code: 'inactive' });
      const recipients = request.recipients;
      if (recipients.length === 0) return { receipts: [] };
      refuseMalformedRequest(providerId, request, [account], MAX_RECIPIENTS_PER_REQUEST);
      const to = recipients[0]!;
      const context = `${label} send to 1 recipient`;
      try {
        const answer = await client.createMessage(
          credentials,
          {
            to,
            from: request.sender,
            body: request.text,
            ...(config.statusCallbackUrl === undefined ? {} : { statusCallback: config.statusCallbackUrl }),
            ...(request.validUntil === undefined ? {} : { validityPeriod: validityOf(request.validUntil) }),
          },
          sendOptions,
        );
        if (!answer.ok) throw refusal(answer, context);
        const { sid, numSegments } = answer.value;
        logger.debug({ provider: providerId, accountId: TWILIO_ACCOUNT_ID, sid }, 'Twilio accepted a message');
        return { receipts: [numSegments !== undefined && numSegments > 0 ? { status: 'accepted', to, providerMessageId: sid, segmentsBilled: numSegments } : { status: 'accepted', to, providerMessageId: sid }] };
      } catch (error) {
        const mapped = failure(error, context);
        if (mapped instanceof ProviderError) {
          logger.warn({ provider: providerId, accountId: TWILIO_ACCOUNT_ID, kind: mapped.kind, code: mapped.code, recipient: maskPhoneNumber(to) }, 'Twilio send failed');
        }
        throw mapped;
      }
    },

    async status(request: StatusRequest, statusOptions: SendOptions = {}): Promise<DeliveryReport[]> {
      check(request.accountId, 'status');
      const ids = request.providerMessageIds;
      if (ids.length === 0) return [];
      const context = `${label} status of ${ids.length} message(s)`;
      try {
        // A lookup, not a queue: reads are idempotent and go side by side.
        return await Promise.all(ids.map((sid) => readOne(sid, statusOptions, context)));
      } catch (error) {
        throw failure(error, context);
      }
    },

    async health(healthOptions: SendOptions = {}): Promise<ProviderHealth> {
      const result = await accountHealth(client, credentials, label, healthOptions, closed);
      return { healthy: result.healthy, accounts: [result] };
    },

    receiveReports: (push) => readStatusCallback(push, credentials),
    checkPushOrigin: (origin) => unsignedRefusal(origin) ?? { ok: true },

    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await client.close();
    },
  };
  Object.defineProperty(provider, 'toJSON', {
    enumerable: false,
    value: () => ({ id: provider.id, accountIds: provider.accountIds, capabilities: provider.capabilities }),
  });
  return provider;
}

/** Seconds from now to validUntil, as Twilio's ValidityPeriod takes them (1–36,000). */
function validityOf(validUntil: Date): number {
  return Math.min(MAX_VALIDITY_SECONDS, Math.max(1, Math.ceil((validUntil.getTime() - Date.now()) / 1_000)));
}

async function accountHealth(client: TwilioClient, credentials: TwilioCredentials, label: string, options: SendOptions, closed: boolean): Promise<AccountHealth> {
  if (closed) return { accountId: TWILIO_ACCOUNT_ID, healthy: false, detail: `${label}: provider closed` };
  try {
    const answer = await client.balance(credentials, options);
    if (!answer.ok) return { accountId: TWILIO_ACCOUNT_ID, healthy: false, detail: `${label}: Twilio ${answer.code}: ${errorCodeRow(answer.code).description}` };
    const { balance, currency } = answer.value;
    // Subaccounts carry no balance of their own: the answer proves the credentials, and that is all it can.
    if (balance === undefined) return { accountId: TWILIO_ACCOUNT_ID, healthy: true, detail: `${label}: credentials work (no balance reported: a subaccount?)` };
    if (balance <= 0) return { accountId: TWILIO_ACCOUNT_ID, healthy: false, detail: `${label}: no balance left`, balance };
    return { accountId: TWILIO_ACCOUNT_ID, healthy: true, detail: `${label}: balance ${balance} ${currency}`, balance };
  } catch (error) {
    if (!(error instanceof WireTransportError)) throw error;
    return { accountId: TWILIO_ACCOUNT_ID, healthy: false, detail: `${label}: ${error.message}` };
  }
}
