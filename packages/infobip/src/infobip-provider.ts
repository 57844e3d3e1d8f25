import { randomBytes } from 'node:crypto';
import {
  createStubProvider,
  logSendFailure,
  parseProviderConfig,
  ProviderError,
  redactSecrets,
  refuseMalformedRequest,
  Secret,
  pushTokenRefusal,
  selectStubAccount,
  senderAccountId,
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
  type RecipientReceipt,
  type Selection,
  type SendOptions,
  type SendRequest,
  type SendResponse,
  type StatusRequest,
} from '@rota/provider';
import { WireTransportError } from '@rota/provider/http';
import { createInfobipClient, type InfobipAnswer, type InfobipClient } from './infobip-client.js';
import { errorAnswerError, statusRow, transportError, type StatusRow } from './infobip-codes.js';
import { InfobipConfigSchema, type InfobipConfig, type InfobipConfigInput } from './infobip-config.js';
import { apiKeySecret, InfobipCredentials } from './infobip-credentials.js';
import { readPushedReports, toDeliveryReport } from './infobip-reports.js';
import { toWireNumber, type SendEntry, type SentEntry } from './infobip-wire.js';

export const INFOBIP_PROVIDER_ID = 'infobip';

/** Fourth by default (lower rank first); operators re-rank in configuration. */
export const DEFAULT_RANK = 4;

/**
 * ASSUMPTION [guess]: Infobip's spec sets no limit on destinations per request;
 * a thousand keeps a request's body and answer moderate. One constant to change.
 */
export const MAX_RECIPIENTS_PER_REQUEST = 1_000;

/** Reports are read one message id a request (`/sms/3/reports` filters by one id); this many go side by side per status() call. */
export const STATUS_BATCH_SIZE = 20;

/** The validity Infobip keeps at most: 48 hours [spec]. */
export const MAX_VALIDITY_MINUTES = 2_880;

/** Infobip carries Turkish text with the Turkish language tables (`language: { languageCode: "TR" }`) or as Unicode. */
export const INFOBIP_ENCODINGS: readonly Encoding[] = Object.freeze(['GSM7', 'GSM7_TURKISH_SHIFT', 'UCS2'] as const);

export const INFOBIP_CAPABILITIES: ProviderCapabilities = Object.freeze({
  maxRecipientsPerRequest: MAX_RECIPIENTS_PER_REQUEST,
  encodings: INFOBIP_ENCODINGS,
  deliveryStatus: true,
  scheduling: true,
  statusBatchSize: STATUS_BATCH_SIZE,
});

export type InfobipProviderOptions = ProviderFactoryOptions;

export interface InfobipProvider extends Provider {
  readonly campaignAccountIds: readonly string[];
  status(request: StatusRequest, options?: SendOptions): Promise<DeliveryReport[]>;
  health(options?: SendOptions): Promise<ProviderHealth>;
  close(): Promise<void>;
}

/** The id of a configured account: from its sender and IYS types, never its API key. */
export function infobipAccountId(account: Pick<InfobipConfig['accounts'][number], 'from' | 'iysTypes'>): string {
  return senderAccountId(INFOBIP_PROVIDER_ID, account.from, account.iysTypes);
}

interface Account {
  accountId: string;
  iysTypes: readonly IysType[];
  senders: readonly string[];
  brandCode: number | undefined;
  credentials: InfobipCredentials;
  client: InfobipClient;
  label: string;
}

/**
 * Infobip as a `Provider`. Throws a `ProviderConfigError` naming every bad
 * field. With `simulate` (development only) the stub transport stands in for
 * the wire.
 */
export function createInfobipProvider(config: InfobipConfigInput, options: InfobipProviderOptions = {}): Provider {
  const parsed = parseProviderConfig(InfobipConfigSchema, config, 'Infobip');
  const id = options.id ?? INFOBIP_PROVIDER_ID;
  if (parsed.simulate) {
    return createStubProvider({
      id,
      displayName: 'Infobip',
      accounts: parsed.accounts.map((account) => ({ accountId: infobipAccountId(account), iysTypes: account.iysTypes, senders: [account.from] })),
      maxRecipientsPerRequest: MAX_RECIPIENTS_PER_REQUEST,
      encodings: INFOBIP_ENCODINGS,
      simulate: parsed.simulate,
      logger: options.logger,
    });
  }
  return buildProvider(parsed, id, options.logger ?? silentLogger);
}

function buildProvider(config: InfobipConfig, providerId: string, logger: Logger): InfobipProvider {
  const accounts: Account[] = config.accounts.map((entry) => {
    const accountId = infobipAccountId(entry);
    return {
      accountId,
      iysTypes: entry.iysTypes,
      senders: [entry.from],
      brandCode: entry.brandCode,
      credentials: new InfobipCredentials(entry.apiKey),
      // The account's own undici Pool: a hung or throttled account cannot take another's connections.
      client: createInfobipClient({ baseUrl: entry.baseUrl, connections: config.connections }),
      label: `Infobip account ${accountId}`,
    };
  });
  const byId = new Map(accounts.map((account) => [account.accountId, account]));
  const pushToken = config.pushToken === undefined ? undefined : new Secret(config.pushToken);
  const webhookUrl = config.deliveryReportUrl === undefined || config.pushToken === undefined ? undefined : `${config.deliveryReportUrl}?token=${encodeURIComponent(config.pushToken)}`;
  // Message ids are ours (Infobip echoes them in every report): unique per process start, then counted.
  const idPrefix = `rota-${randomBytes(5).toString('hex')}`;
  let bulks = 0;
  let closed = false;

  const accountFor = (accountId: string, operation: string): Account => {
    if (closed) throw new ProviderError('provider-unavailable', `Infobip ${operation}: the provider is closed`, { code: 'closed' });
    const account = byId.get(accountId);
    if (!account) {
      throw new ProviderError('provider-unavailable', `Infobip ${operation}: no account ${JSON.stringify(accountId)} (known: ${[...byId.keys()].join(', ')})`, { code: 'unknown-account' });
    }
    return account;
  };
  /** An error answer as a ProviderError, Infobip's text scrubbed of the key (and of the push token it may echo). */
  const refusal = (account: Account, answer: Extract<InfobipAnswer<unknown>, { ok: false }>, context: string): ProviderError =>
    errorAnswerError({ ...answer, text: redactSecrets(answer.text, pushToken ? [apiKeySecret(account.credentials), pushToken] : [apiKeySecret(account.credentials)]) }, context);
  const failure = (error: unknown, context: string): unknown => (error instanceof WireTransportError ? transportError(error, context) : error);

  /** The entries of one send: CAMPAIGN traffic to Turkish numbers carries turkeyIys; anything else goes without. */
  function entriesFor(account: Account, request: SendRequest, ids: readonly string[]): SendEntry[] {
    const validityMinutes = request.validUntil === undefined ? undefined : validityOf(request.validUntil, request.sendAt);
    const base = {
      sender: request.sender,
      text: request.text,
      analysis: request.analysis,
      callbackData: account.accountId,
      ...(validityMinutes === undefined ? {} : { validityMinutes }),
      ...(webhookUrl === undefined ? {} : { webhookUrl }),
    };
    const destinations = request.recipients.map((to, i) => ({ to: toWireNumber(to), messageId: ids[i]! }));
    if (request.iysType !== 'CAMPAIGN') return [{ ...base, destinations }];
    const turkeyIys = { ...(account.brandCode === undefined ? {} : { brandCode: account.brandCode }), recipientType: request.recipientType };
    const turkish = destinations.filter((d) => d.to.startsWith('90'));
    const abroad = destinations.filter((d) => !d.to.startsWith('90'));
    const entries: SendEntry[] = [];
    if (turkish.length > 0) entries.push({ ...base, destinations: turkish, turkeyIys });
    if (abroad.length > 0) entries.push({ ...base, destinations: abroad });
    return entries;
  }

  /** One receipt per recipient from the answer's entries, or the failure the answer amounts to. */
  function receiptsOf(request: SendRequest, ids: readonly string[], entries: readonly SentEntry[], context: string): RecipientReceipt[] {
    const matched = matchEntries(ids, entries);
    if (!matched) {
      throw new ProviderError('outcome-unknown', `${context}: Infobip answered ${entries.length} entries that do not match the ${ids.length} destinations sent; cannot tell which were accepted`, { code: 'result-mismatch' });
    }
    const rows = new Array<StatusRow>(matched.length);
    let anyTaken = false;
    let refusedIndex = -1;
    for (let i = 0; i < matched.length; i++) {
      const row = statusRow(matched[i]!.status);
      rows[i] = row;
      if (row.send !== 'refused') anyTaken = true;
      else {
        if (row.kind === 'outcome-unknown') {
          const status = matched[i]!.status;
          throw new ProviderError('outcome-unknown', `${context}: Infobip answered status ${status.groupName || status.groupId}/${status.name || status.id}, which Rota does not know; not resending`, { code: `${status.groupId}/${status.id}` });
        }
        if (refusedIndex === -1) refusedIndex = i;
      }
    }
    if (!anyTaken) {
      // Every destination refused for the account's or the route's reasons: the request failed, and its breaker counts it.
      const row = rows[refusedIndex]!;
      const status = matched[refusedIndex]!.status;
      throw new ProviderError(row.kind!, `${context}: Infobip refused the request: ${row.description} [${row.side} side]`, { code: `${status.groupId}/${status.id}` });
    }
    return request.recipients.map((to, i): RecipientReceipt => {
      const entry = matched[i]!;
      const row = rows[i]!;
      const code = `${entry.status.groupId}/${entry.status.id}`;
      if (row.send === 'accepted') {
        return entry.messageCount !== undefined && entry.messageCount > 0
          ? { status: 'accepted', to, providerMessageId: entry.messageId, segmentsBilled: entry.messageCount }
          : { status: 'accepted', to, providerMessageId: entry.messageId };
      }
      // The recipient's or the message's own refusal (a bad number, DND, a blocklist, a flooding cap, a length): final everywhere.
      if (row.send === 'recipient-rejected') return { status: 'rejected', to, code, reason: `Infobip refused it: ${row.description}` };
      // The account's or the route's (credit ran out mid-request, a sender): the next provider may send it.
      return { status: 'not-taken', to, code, reason: `Infobip refused the destination: ${row.description} [${row.side} side]` };
    });
  }

  const provider: InfobipProvider = {
    id: providerId,
    capabilities: INFOBIP_CAPABILITIES,
    accountIds: Object.freeze(accounts.map((account) => account.accountId)),
    // Accounts listing CAMPAIGN: their promotional traffic to Turkey goes with turkeyIys, which Infobip checks against İYS.
    campaignAccountIds: Object.freeze(accounts.filter((account) => account.iysTypes.includes('CAMPAIGN')).map((account) => account.accountId)),

    select(message): Selection {
      return selectStubAccount('Infobip', accounts, INFOBIP_ENCODINGS, message);
    },

    async send(request: SendRequest, sendOptions: SendOptions = {}): Promise<SendResponse> {
      const account = accountFor(request.accountId, 'send');
      const recipients = request.recipients;
      if (recipients.length === 0) return { receipts: [] };
      refuseMalformedRequest(providerId, request, accounts, MAX_RECIPIENTS_PER_REQUEST);
      const context = `${account.label} send to ${recipients.length} recipient(s)`;
      const bulkId = `${idPrefix}-${(bulks++).toString(36)}`;
      const ids = recipients.map((_, i) => `${bulkId}-${i.toString(36)}`);
      try {
        const answer = await account.client.send(
          account.credentials,
          { entries: entriesFor(account, request, ids), bulkId, ...(request.sendAt ? { sendAt: request.sendAt } : {}) },
          sendOptions,
        );
        if (!answer.ok) throw refusal(account, answer, context);
        const receipts = receiptsOf(request, ids, answer.value, context);
        logger.debug({ provider: providerId, accountId: account.accountId, recipients: recipients.length, bulkId }, 'Infobip accepted a send');
        return { receipts };
      } catch (error) {
        const mapped = withOurIds(failure(error, context), ids);
        logSendFailure(logger, 'Infobip', providerId, account.accountId, mapped, recipients);
        throw mapped;
      }
    },

    /**
     * Each id's report, if Infobip has one waiting. Infobip hands a report out
     * once: an id with nothing waiting is left out of the answer (nothing new
     * to say), and reports already fetched are returned even if another id's
     * read failed — a failed read throws only when nothing came back.
     */
    async status(request: StatusRequest, statusOptions: SendOptions = {}): Promise<DeliveryReport[]> {
      const account = accountFor(request.accountId, 'status');
      const ids = request.providerMessageIds;
      if (ids.length === 0) return [];
      const context = `${account.label} status of ${ids.length} message(s)`;
      const settled = await Promise.allSettled(
        ids.map(async (id) => {
          const answer = await account.client.report(account.credentials, id, statusOptions);
          if (!answer.ok) throw refusal(account, answer, context);
          return answer.value.filter((report) => report.messageId === id).map(toDeliveryReport);
        }),
      );
      const reports = settled.flatMap((outcome) => (outcome.status === 'fulfilled' ? outcome.value : []));
      const failed = settled.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
      if (failed && reports.length === 0) throw failure(failed.reason, context);
      if (failed) logger.warn({ provider: providerId, accountId: account.accountId, failed: settled.filter((o) => o.status === 'rejected').length }, 'Infobip: some report reads failed; those ids are read again later');
      return reports;
    },

    async health(healthOptions: SendOptions = {}): Promise<ProviderHealth> {
      const results = await Promise.all(accounts.map((account) => accountHealth(account, healthOptions, closed)));
      return { healthy: results.every((a) => a.healthy), accounts: results };
    },

    receiveReports: (push) => readPushedReports(push, pushToken),
    checkPushOrigin: (origin) => pushTokenRefusal(origin.url, pushToken, 'Infobip') ?? { ok: true },

    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await Promise.all(accounts.map((account) => account.client.close()));
    },
  };
  Object.defineProperty(provider, 'toJSON', {
    enumerable: false,
    value: () => ({ id: provider.id, accountIds: provider.accountIds, capabilities: provider.capabilities }),
  });
  return provider;
}

/**
 * A send whose outcome is unknown, with the messageIds Rota gave its
 * destinations: Infobip keeps the client's ids, so a report under one of
 * them later shows Infobip has that message.
 */
function withOurIds(error: unknown, ids: readonly string[]): unknown {
  if (!(error instanceof ProviderError) || error.kind !== 'outcome-unknown') return error;
  return new ProviderError(error.kind, error.message, { code: error.code, retryAfterMs: error.retryAfterMs, cause: error.cause, providerMessageIds: ids });
}

/** Minutes from the send time (or now) to validUntil, at least 1, at most 48 hours. */
function validityOf(validUntil: Date, sendAt: Date | undefined): number {
  const from = sendAt?.getTime() ?? Date.now();
  return Math.min(MAX_VALIDITY_MINUTES, Math.max(1, Math.ceil((validUntil.getTime() - from) / 60_000)));
}

async function accountHealth(account: Account, options: SendOptions, closed: boolean): Promise<AccountHealth> {
  if (closed) return { accountId: account.accountId, healthy: false, detail: `${account.label}: provider closed` };
  try {
    const answer = await account.client.balance(account.credentials, options);
    if (!answer.ok) return { accountId: account.accountId, healthy: false, detail: `${account.label}: HTTP ${answer.httpStatus} ${answer.code}` };
    const { balance, currency } = answer.value;
    if (balance <= 0) return { accountId: account.accountId, healthy: false, detail: `${account.label}: no balance left`, balance };
    return { accountId: account.accountId, healthy: true, detail: `${account.label}: balance ${balance} ${currency}`, balance };
  } catch (error) {
    if (!(error instanceof WireTransportError)) throw error;
    return { accountId: account.accountId, healthy: false, detail: `${account.label}: ${error.message}` };
  }
}

/**
 * The answer's entry for each id sent, in the order sent; undefined when the
 * entries are not exactly the ids. Infobip answers in request order, so that
 * is checked first, without a map of a thousand entries per bulk.
 */
function matchEntries(ids: readonly string[], entries: readonly SentEntry[]): readonly SentEntry[] | undefined {
  if (entries.length !== ids.length) return undefined;
  let inOrder = true;
  for (let i = 0; i < ids.length && inOrder; i++) inOrder = entries[i]!.messageId === ids[i];
  if (inOrder) return entries;
  const byMessageId = new Map(entries.map((entry) => [entry.messageId, entry]));
  if (byMessageId.size !== ids.length) return undefined;
  const matched: SentEntry[] = [];
  for (const id of ids) {
    const entry = byMessageId.get(id);
    if (!entry) return undefined;
    matched.push(entry);
  }
  return matched;
}
