import { logSendFailure, parseProviderConfig, ProviderError, pushTokenRefusal, Secret, silentLogger, type AccountHealth, type DeliveryReport, type IysType, type Logger, type Provider, type ProviderFactoryOptions, type ProviderCapabilities, type ProviderHealth, type RecipientReceipt, type Selection, type SendOptions, type SendRequest, type SendResponse, type StatusRequest } from '@rota/provider';
import { createFigenSoftClient, FIGENSOFT_DEFAULT_BASE_URL, MAX_MESSAGE_IDS_PER_STATUS_REQUEST, MAX_RECEIVERS_PER_REQUEST, type FigenSoftClient } from './figensoft-client.js';
import { FigenSoftCredentials, redactPassword } from './figensoft-credentials.js';
import { FigenSoftTransportError } from './figensoft-transport-error.js';
import {
  bodyStatusError,
  bodyStatusRow,
  MAX_TURKISH_TEXT_CHARACTERS,
  smsStatusRow,
  transportError,
} from './figensoft-codes.js';
import {
  figensoftAccountId,
  FigenSoftConfigSchema,
  type FigenSoftConfig,
  type FigenSoftConfigInput,
} from './figensoft-config.js';
import { readPushedReports, toDeliveryReport } from './figensoft-reports.js';
import { STATUS_OK, toWireNumber, type SendResultEntry, type StatusResultEntry } from './figensoft-wire.js';

export const FIGENSOFT_PROVIDER_ID = 'figensoft';

export const FIGENSOFT_CAPABILITIES: ProviderCapabilities = Object.freeze({
  maxRecipientsPerRequest: MAX_RECEIVERS_PER_REQUEST,
  encodings: Object.freeze(['GSM7', 'GSM7_TURKISH_SHIFT', 'UCS2'] as const),
  deliveryStatus: true,
  scheduling: true,
  statusBatchSize: MAX_MESSAGE_IDS_PER_STATUS_REQUEST,
});

/** FigenSoft's place in providers.md: after Message Center (1) and Mobildev (2). */
export const DEFAULT_RANK = 3;

export type FigenSoftSelectable = Parameters<Provider['select']>[0];

export type FigenSoftProviderOptions = ProviderFactoryOptions;

export interface FigenSoftProvider extends Provider {
  select(message: FigenSoftSelectable): Selection;
  status(request: StatusRequest, options?: SendOptions): Promise<DeliveryReport[]>;
  health(options?: SendOptions): Promise<ProviderHealth>;
  close(): Promise<void>;
}

interface Account {
  id: string;
  username: string;
  iysType: IysType;
  senders: readonly string[];
  senderSet: ReadonlySet<string>;
  credentials: FigenSoftCredentials;
  client: FigenSoftClient;
  /** Where otp messages go: the otpBaseUrl client when configured, else `client`. */
  otpClient: FigenSoftClient;
  /**
   * How error messages and health name the account: its id only. Messages reach
   * API clients (a result's reason) and must not show them the account's
   * username; operators map the id to the configuration.
   */
  label: string;
}

export function createFigenSoftProvider(config: FigenSoftConfigInput, options: FigenSoftProviderOptions = {}): FigenSoftProvider {
  const parsed = parseProviderConfig(FigenSoftConfigSchema, config, 'FigenSoft');
  return buildProvider(parsed, options.id ?? FIGENSOFT_PROVIDER_ID, options.logger ?? silentLogger);
}

function buildProvider(config: FigenSoftConfig, providerId: string, logger: Logger): FigenSoftProvider {
  // One client (one undici Pool) per API origin and path, shared by the accounts that use it.
  const clients = new Map<string, FigenSoftClient>();
  const clientFor = (baseUrl: string): FigenSoftClient => {
    const key = new URL(baseUrl).href;
    let client = clients.get(key);
    if (!client) {
      client = createFigenSoftClient({ baseUrl, connections: config.connections });
      clients.set(key, client);
    }
    return client;
  };

  const byIysType = new Map<IysType, Account>();
  const byId = new Map<string, Account>();
  for (const entry of config.accounts) {
    const id = figensoftAccountId(entry.smsIysMessageType);
    const client = clientFor(entry.customApiActive && entry.customApiUrl ? entry.customApiUrl : FIGENSOFT_DEFAULT_BASE_URL);
    const account: Account = {
      id,
      username: entry.username,
      iysType: entry.smsIysMessageType,
      senders: Object.freeze([...entry.senderList]),
      senderSet: new Set(entry.senderList),
      credentials: new FigenSoftCredentials(entry.username, entry.password),
      client,
      otpClient: config.otpBaseUrl ? clientFor(config.otpBaseUrl) : client,
      label: `FigenSoft account ${id}`,
    };
    byIysType.set(account.iysType, account);
    byId.set(id, account);
  }
  const otpChannel = config.otpChannel;
  let closed = false;
  const pushToken = config.pushToken === undefined ? undefined : new Secret(config.pushToken);

  const accountFor = (accountId: string, operation: string): Account => {
    if (closed) throw new ProviderError('provider-unavailable', `FigenSoft ${operation}: the provider is closed`, { code: 'closed' });
    const account = byId.get(accountId);
    if (!account) {
      throw new ProviderError('provider-unavailable', `FigenSoft ${operation}: no account ${JSON.stringify(accountId)} (known: ${[...byId.keys()].join(', ')})`, {
        code: 'unknown-account',
      });
    }
    return account;
  };

  /** A failure of the client as a ProviderError; anything that is not a transport error is a bug and goes through untouched. */
  const failure = (error: unknown, context: string): unknown => {
    if (!(error instanceof FigenSoftTransportError)) return error;
    if (error.acceptedReceivers > 0) return partialFailure(context, error.acceptedReceivers, error.failure);
    return transportError(error, context);
  };

  const provider: FigenSoftProvider = {
    id: providerId,
    capabilities: FIGENSOFT_CAPABILITIES,
    accountIds: Object.freeze([...byId.keys()]),
    // A CAMPAIGN account's traffic is checked against IYS consent on FigenSoft's side (figensoft-api.md).
    campaignAccountIds: Object.freeze([...byId.values()].filter((account) => account.iysType === 'CAMPAIGN').map((account) => account.id)),

    select(message: FigenSoftSelectable): Selection {
      const account = byIysType.get(message.iysType);
      if (!account) return { eligible: false, reason: `no FigenSoft account for IYS type ${message.iysType}` };
      const sender = message.sender ?? account.senders[0]!;
      if (!account.senderSet.has(sender)) {
        return { eligible: false, field: 'sender', reason: `sender "${sender}" is not in the sender list of ${account.label}` };
      }
      if (exceedsTurkishTextLimit(message)) {
        return {
          eligible: false,
          field: 'text',
          reason: `text with Turkish characters is longer than ${MAX_TURKISH_TEXT_CHARACTERS} characters, which FigenSoft refuses (status -447)`,
        };
      }
      return { eligible: true, accountId: account.id, sender };
    },

    async send(request: SendRequest, sendOptions: SendOptions = {}): Promise<SendResponse> {
      const account = accountFor(request.accountId, 'send');
      const recipients = request.recipients;
      if (recipients.length === 0) return { receipts: [] };
      const context = `${account.label} send to ${recipients.length} recipient(s)`;
      const client = request.otp ? account.otpClient : account.client;
      try {
        const outcome = await client.send1N(
          {
            credentials: account.credentials,
            message: request.text,
            receivers: recipients,
            originator: request.sender,
            sendDate: request.sendAt,
            expireDate: request.validUntil,
            channel: request.otp && otpChannel ? 'OTP' : undefined,
          },
          sendOptions,
        );
        if (outcome.statusCode !== STATUS_OK) {
          if (outcome.acceptedReceivers > 0) throw partialFailure(context, outcome.acceptedReceivers, `StatusCode ${outcome.statusCode}`);
          throw bodyStatusError(outcome.statusCode, redactPassword(account.credentials, outcome.statusDescription), context);
        }
        const receipts = toReceipts(recipients, outcome.result, context);
        logger.debug({ provider: providerId, accountId: account.id, recipients: recipients.length, requests: outcome.requests }, 'FigenSoft accepted a send');
        return { receipts };
      } catch (error) {
        const mapped = failure(error, context);
        logSendFailure(logger, 'FigenSoft', providerId, account.id, mapped, recipients);
        throw mapped;
      }
    },

    async status(request: StatusRequest, statusOptions: SendOptions = {}): Promise<DeliveryReport[]> {
      const account = accountFor(request.accountId, 'status');
      const ids = request.providerMessageIds;
      if (ids.length === 0) return [];
      const context = `${account.label} status of ${ids.length} message(s)`;
      let outcome;
      try {
        outcome = await account.client.status({ credentials: account.credentials, messageIds: ids }, statusOptions);
      } catch (error) {
        throw failure(error, context);
      }
      if (outcome.statusCode !== STATUS_OK) {
        throw bodyStatusError(outcome.statusCode, redactPassword(account.credentials, outcome.statusDescription), context);
      }
      const entries = new Map<string, StatusResultEntry>();
      for (const entry of outcome.result) entries.set(entry.MessageId, entry);
      // One report per asked id, in the asked order; an id FigenSoft left out is reported as not found.
      return ids.map((id) => toDeliveryReport(id, entries.get(id)));
    },

    async health(healthOptions: SendOptions = {}): Promise<ProviderHealth> {
      const accounts = await Promise.all([...byId.values()].map((account) => accountHealth(account, healthOptions, closed)));
      return { healthy: accounts.every((a) => a.healthy), accounts };
    },

    receiveReports: (push) => readPushedReports(push, pushToken),
    checkPushOrigin: (origin) => pushTokenRefusal(origin.url, pushToken, 'FigenSoft') ?? { ok: true },

    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await Promise.all([...clients.values()].map((client) => client.close()));
    },
  };
  // Nothing secret is reachable from the object itself (credentials live in closures),
  // but say so explicitly for serialisers that walk getters or prototypes.
  Object.defineProperty(provider, 'toJSON', {
    enumerable: false,
    value: () => ({ id: provider.id, accountIds: provider.accountIds, capabilities: provider.capabilities }),
  });
  return provider;
}

const TURKISH_LETTER = /[çğıöşüÇĞİÖŞÜ]/;

/**
 * A text FigenSoft would refuse (−447) after taking it: one not in plain GSM-7, or one with a Turkish
 * letter. GSM-7 itself holds Ç, Ö, Ü, ö and ü, but FigenSoft's "Turkish characters" most likely
 * counts them too; its refusal would come in the delivery report, final, with no other provider asked.
 */
function exceedsTurkishTextLimit(message: FigenSoftSelectable): boolean {
  if (message.text.length <= MAX_TURKISH_TEXT_CHARACTERS) return false;
  return message.analysis.encoding !== 'GSM7' || TURKISH_LETTER.test(message.text);
}

/**
 * A split send (more than 800 recipients — the router never does this, it reads
 * maxRecipientsPerRequest) failed after earlier parts were accepted. Throwing
 * anything but outcome-unknown would let the router resend the accepted part.
 */
function partialFailure(context: string, accepted: number, what: string): ProviderError {
  return new ProviderError(
    'outcome-unknown',
    `${context}: the first ${accepted} recipient(s) were accepted, then a later request failed (${what}); not resending any of them`,
    { code: 'partial' },
  );
}

function toReceipts(recipients: readonly string[], entries: readonly SendResultEntry[], context: string): RecipientReceipt[] {
  if (entries.length !== recipients.length) {
    throw resultMismatch(context, `${entries.length} result entries for ${recipients.length} receivers`);
  }
  const receipts = new Array<RecipientReceipt>(recipients.length);
  for (let i = 0; i < recipients.length; i++) {
    const to = recipients[i]!;
    const entry = entries[i]!;
    if (!entry.MessageId || !sameNumber(to, entry.Receiver)) {
      throw resultMismatch(context, `result entry ${i} does not belong to receiver ${i}`);
    }
    // Charge 0: nothing billed (FigenSoft will report the number as invalid); there is no segment count to report.
    receipts[i] =
      entry.Charge > 0
        ? { status: 'accepted', to, providerMessageId: entry.MessageId, segmentsBilled: entry.Charge }
        : { status: 'accepted', to, providerMessageId: entry.MessageId };
  }
  return receipts;
}

/** StatusCode 200 but a Result we cannot line up with our receivers: we cannot tell who was accepted. */
function resultMismatch(context: string, detail: string): ProviderError {
  return new ProviderError('outcome-unknown', `${context}: FigenSoft accepted the request but ${detail}; cannot tell which recipients were accepted`, {
    code: 'result-mismatch',
  });
}

const NON_DIGITS = /\D/g;
const NATIONAL_DIGITS = 10;

/**
 * Whether FigenSoft's `Receiver` is the number we sent. It normally echoes it;
 * ASSUMPTION: it might answer in another common form (with a 0 or without the
 * country code), so numbers that agree on their last 10 digits also match.
 */
function sameNumber(to: string, answered: string): boolean {
  // The usual case, without allocating: `to` is `+` followed by exactly what FigenSoft echoes.
  if (answered.length === to.length - 1 && to.endsWith(answered)) return true;
  const sent = toWireNumber(to);
  const a = answered.replace(NON_DIGITS, '');
  if (a === sent) return true;
  return a.length >= NATIONAL_DIGITS && sent.length >= NATIONAL_DIGITS && a.slice(-NATIONAL_DIGITS) === sent.slice(-NATIONAL_DIGITS);
}

async function accountHealth(account: Account, options: SendOptions, closed: boolean): Promise<AccountHealth> {
  if (closed) return { accountId: account.id, healthy: false, detail: `${account.label}: provider closed` };
  try {
    const outcome = await account.client.creditBalance({ credentials: account.credentials }, options);
    if (outcome.statusCode !== STATUS_OK) {
      const row = bodyStatusRow(outcome.statusCode);
      return { accountId: account.id, healthy: false, detail: `${account.label}: StatusCode ${outcome.statusCode}: ${row.description}` };
    }
    if (outcome.balance === undefined) {
      return { accountId: account.id, healthy: false, detail: `${account.label}: CreditBalance answered without a balance` };
    }
    if (outcome.balance <= 0) {
      return { accountId: account.id, healthy: false, detail: `${account.label}: no credit left`, balance: outcome.balance };
    }
    return { accountId: account.id, healthy: true, detail: `${account.label}: credit balance ${outcome.balance}`, balance: outcome.balance };
  } catch (error) {
    if (!(error instanceof FigenSoftTransportError)) throw error;
    return { accountId: account.id, healthy: false, detail: `${account.label}: ${error.message}` };
  }
}
