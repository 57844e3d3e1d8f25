import {
  createStubProvider,
  fromTurkeyTime,
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
  type Selection,
  type SendOptions,
  type SendRequest,
  type SendResponse,
  type StatusRequest,
} from '@rota/provider';
import { groupPerNumberIds, perNumberId, WireTransportError, wireDigits } from '@rota/provider/http';
import { createMessageCenterClient, type MessageCenterClient } from './message-center-client.js';
import { messageStatusRow, ORDER_NOT_FOUND, ORDER_NOT_STARTED, ORDER_REFUSED_FOR_A_NUMBER, ORDER_STATUSES, statusCodeError, statusCodeRow, transportError } from './message-center-codes.js';
import { MessageCenterConfigSchema, type MessageCenterConfig, type MessageCenterConfigInput } from './message-center-config.js';
import { credentialSecrets, MessageCenterCredentials } from './message-center-credentials.js';
import { readPushedReports, reportFrom } from './message-center-reports.js';
import { MAX_REPORT_ROWS, STATUS_OK, type IysFlag, type ReportOrder } from './message-center-wire.js';

export const MESSAGE_CENTER_PROVIDER_ID = 'message-center';

/** Tried first by default (lower rank first); operators re-rank in configuration. */
export const DEFAULT_RANK = 1;

/** Recipients one order may name [one source: 50,000 per request]. */
export const MAX_RECIPIENTS_PER_REQUEST = 50_000;

/** A text over this many parts is refused (453) [sure]; select() refuses it first so the router tries the next provider. */
export const MAX_TEXT_PARTS = 7;

/** Message Center has no encoding field: encoding is an account setting, Turkish text included. */
export const MESSAGE_CENTER_ENCODINGS: readonly Encoding[] = Object.freeze(['GSM7', 'GSM7_TURKISH_SHIFT', 'UCS2'] as const);

export const MESSAGE_CENTER_CAPABILITIES: ProviderCapabilities = Object.freeze({
  maxRecipientsPerRequest: MAX_RECIPIENTS_PER_REQUEST,
  encodings: MESSAGE_CENTER_ENCODINGS,
  deliveryStatus: true,
  // sendAt goes as sendDateTime; there is no validity field, so validUntil is not sent.
  scheduling: true,
  // Ids of one order are read with one get-report call (pages of 1,000 rows).
  statusBatchSize: MAX_REPORT_ROWS,
  // Its wire names Turkish mobile numbers only (905…, +90 5…, 5…); a number abroad is answered "invalid number".
  turkishNumbersOnly: true,
});

export type MessageCenterProviderOptions = ProviderFactoryOptions;

export interface MessageCenterProvider extends Provider {
  readonly campaignAccountIds: readonly string[];
  status(request: StatusRequest, options?: SendOptions): Promise<DeliveryReport[]>;
  health(options?: SendOptions): Promise<ProviderHealth>;
  close(): Promise<void>;
}

/** The id of a configured account: from its sender and IYS types, never its credentials. */
export function messageCenterAccountId(account: Pick<MessageCenterConfig['accounts'][number], 'sender' | 'iysTypes'>): string {
  return senderAccountId(MESSAGE_CENTER_PROVIDER_ID, account.sender, account.iysTypes);
}

interface Account {
  accountId: string;
  iysTypes: readonly IysType[];
  senders: readonly string[];
  credentials: MessageCenterCredentials;
  /** The account's own undici Pool: a hung or throttled account cannot take another's connections. */
  client: MessageCenterClient;
  /** How errors and health name the account: its id, never a credential. */
  label: string;
}

/**
 * İleti Merkezi as a `Provider`. Throws a `ProviderConfigError` naming every
 * bad field. With `simulate` (development only) the stub transport stands in
 * for the wire.
 */
export function createMessageCenterProvider(config: MessageCenterConfigInput, options: MessageCenterProviderOptions = {}): Provider {
  const parsed = parseProviderConfig(MessageCenterConfigSchema, config, 'Message Center');
  const id = options.id ?? MESSAGE_CENTER_PROVIDER_ID;
  if (parsed.simulate) {
    return createStubProvider({
      id,
      displayName: 'Message Center',
      accounts: parsed.accounts.map((account) => ({ accountId: messageCenterAccountId(account), iysTypes: account.iysTypes, senders: [account.sender] })),
      maxRecipientsPerRequest: MAX_RECIPIENTS_PER_REQUEST,
      encodings: MESSAGE_CENTER_ENCODINGS,
      simulate: parsed.simulate,
      logger: options.logger,
    });
  }
  return buildProvider(parsed, id, options.logger ?? silentLogger);
}

function buildProvider(config: MessageCenterConfig, providerId: string, logger: Logger): MessageCenterProvider {
  const accounts: Account[] = config.accounts.map((entry) => {
    const accountId = messageCenterAccountId(entry);
    return {
      accountId,
      iysTypes: entry.iysTypes,
      senders: [entry.sender],
      credentials: entry.hash !== undefined ? new MessageCenterCredentials(entry.key, entry.hash) : MessageCenterCredentials.fromSecret(entry.key, entry.secret!),
      client: createMessageCenterClient({ baseUrl: config.baseUrl, connections: config.connections }),
      label: `Message Center account ${accountId}`,
    };
  });
  const byId = new Map(accounts.map((account) => [account.accountId, account]));
  const pushToken = config.pushToken === undefined ? undefined : new Secret(config.pushToken);
  let closed = false;

  const accountFor = (accountId: string, operation: string): Account => {
    if (closed) throw new ProviderError('provider-unavailable', `Message Center ${operation}: the provider is closed`, { code: 'closed' });
    const account = byId.get(accountId);
    if (!account) {
      throw new ProviderError('provider-unavailable', `Message Center ${operation}: no account ${JSON.stringify(accountId)} (known: ${[...byId.keys()].join(', ')})`, {
        code: 'unknown-account',
      });
    }
    return account;
  };
  const said = (account: Account, text: string): string => redactSecrets(text, credentialSecrets(account.credentials));
  /** A failure of the client as a ProviderError; anything that is not a transport error is a bug and goes through untouched. */
  const failure = (error: unknown, context: string): unknown => (error instanceof WireTransportError ? transportError(error, context) : error);

  /** Every asked id of one order, read through as many report pages as it takes to find them. */
  async function readOrder(account: Account, orderId: string, wanted: Map<string, string>, signal: AbortSignal | undefined, context: string): Promise<DeliveryReport[]> {
    const found = new Map<string, DeliveryReport>();
    let order: ReportOrder | undefined;
    for (let page = 1; ; page++) {
      const answer = await account.client.getReport(account.credentials, orderId, page, signal ? { signal } : {});
      if (answer.code === 455) return [...wanted.values()].map((id) => reportFrom(id, ORDER_NOT_FOUND, '455'));
      if (answer.code === 456) return [...wanted.values()].map((id) => reportFrom(id, ORDER_NOT_STARTED, '456'));
      if (answer.code !== STATUS_OK || !answer.order) throw statusCodeError(answer.code, said(account, answer.message), context, answer.retryAfterMs);
      order = answer.order;
      const orderRow = ORDER_STATUSES.get(order.status);
      const scheduled = isAhead(order.sendAt);
      for (const row of order.rows) {
        const id = wanted.get(wireDigits(row.number));
        if (id === undefined) continue;
        const code = String(row.status);
        const status = orderRow ?? (row.status === 110 && scheduled ? ORDER_NOT_STARTED : messageStatusRow(code));
        found.set(id, reportFrom(id, status, orderRow ? String(order.status) : code, `+${wireDigits(row.number)}`));
      }
      if (found.size === wanted.size || page * MAX_REPORT_ROWS >= order.total || order.rows.length === 0) break;
    }
    // An asked number the order does not list: not Message Center's to report (yet).
    return [...wanted.values()].map((id) => found.get(id) ?? reportFrom(id, ORDER_NOT_FOUND));
  }

  const provider: MessageCenterProvider = {
    id: providerId,
    capabilities: MESSAGE_CENTER_CAPABILITIES,
    accountIds: Object.freeze(accounts.map((account) => account.accountId)),
    // Message Center checks İYS consent itself for every order sent with iys "1".
    campaignAccountIds: Object.freeze(accounts.filter((account) => account.iysTypes.includes('CAMPAIGN')).map((account) => account.accountId)),

    select(message): Selection {
      if (message.analysis.segments > MAX_TEXT_PARTS) {
        return { eligible: false, field: 'text', reason: `text needs ${message.analysis.segments} SMS parts; Message Center takes at most ${MAX_TEXT_PARTS} (code 453)` };
      }
      return selectStubAccount('Message Center', accounts, MESSAGE_CENTER_ENCODINGS, message);
    },

    async send(request: SendRequest, sendOptions: SendOptions = {}): Promise<SendResponse> {
      const account = accountFor(request.accountId, 'send');
      const recipients = request.recipients;
      if (recipients.length === 0) return { receipts: [] };
      refuseMalformedRequest(providerId, request, accounts, MAX_RECIPIENTS_PER_REQUEST);
      const context = `${account.label} send to ${recipients.length} recipient(s)`;
      // CAMPAIGN: Message Center checks consent against the recipient type's list; NOTIFICATION: transactional, not checked.
      const flag: IysFlag = request.iysType === 'CAMPAIGN' ? { iys: '1', iysList: request.recipientType } : { iys: '0' };
      try {
        const answer = await account.client.sendSms(
          account.credentials,
          { sender: request.sender, flag, text: request.text, numbers: recipients, ...(request.sendAt ? { sendAt: request.sendAt } : {}) },
          sendOptions,
        );
        if (recipients.length > 1 && ORDER_REFUSED_FOR_A_NUMBER.has(answer.code)) {
          // The whole order refused for a number Message Center did not name: none of it was sent. Final for
          // them all would lose every good number for one bad one; each goes to the next provider, which
          // answers number by number, and the account's breaker does not count it (the order's fault, not its).
          const reason = `Message Center refused the whole order for a number it did not name (code ${answer.code}: ${statusCodeRow(answer.code).description}); the next provider is asked number by number`;
          logger.warn({ provider: providerId, accountId: account.accountId, recipients: recipients.length, code: answer.code }, 'Message Center refused an order for a number it did not name');
          return { receipts: recipients.map((to) => ({ status: 'not-taken', to, code: String(answer.code), reason, cause: 'request' })) };
        }
        if (answer.code !== STATUS_OK || answer.orderId === undefined) throw statusCodeError(answer.code, said(account, answer.message), context, answer.retryAfterMs);
        const orderId = answer.orderId;
        logger.debug({ provider: providerId, accountId: account.accountId, recipients: recipients.length, orderId }, 'Message Center accepted an order');
        return { receipts: recipients.map((to) => ({ status: 'accepted', to, providerMessageId: perNumberId(orderId, to) })) };
      } catch (error) {
        const mapped = failure(error, context);
        logSendFailure(logger, 'Message Center', providerId, account.accountId, mapped, recipients);
        throw mapped;
      }
    },

    async status(request: StatusRequest, statusOptions: SendOptions = {}): Promise<DeliveryReport[]> {
      const account = accountFor(request.accountId, 'status');
      const ids = request.providerMessageIds;
      if (ids.length === 0) return [];
      const context = `${account.label} status of ${ids.length} message(s)`;
      const grouped = groupPerNumberIds(ids);
      const byOrder = grouped.byRequest;
      const unreadable = grouped.unreadable.map((id) => reportFrom(id, ORDER_NOT_FOUND));
      let reports: DeliveryReport[][];
      try {
        // Reads are idempotent: the orders are read side by side.
        reports = await Promise.all([...byOrder].map(([orderId, wanted]) => readOrder(account, orderId, wanted, statusOptions.signal, context)));
      } catch (error) {
        throw failure(error, context);
      }
      const byId = new Map([...reports.flat(), ...unreadable].map((report) => [report.providerMessageId, report]));
      return ids.map((id) => byId.get(id) ?? reportFrom(id, ORDER_NOT_FOUND));
    },

    async health(healthOptions: SendOptions = {}): Promise<ProviderHealth> {
      const results = await Promise.all(accounts.map((account) => accountHealth(account, healthOptions, closed)));
      return { healthy: results.every((a) => a.healthy), accounts: results };
    },

    receiveReports: (push) => readPushedReports(push, pushToken),
    checkPushOrigin: (origin) => pushTokenRefusal(origin.url, pushToken, 'Message Center') ?? { ok: true },

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

async function accountHealth(account: Account, options: SendOptions, closed: boolean): Promise<AccountHealth> {
  if (closed) return { accountId: account.accountId, healthy: false, detail: `${account.label}: provider closed` };
  try {
    const answer = await account.client.getBalance(account.credentials, options);
    if (answer.code !== STATUS_OK) {
      return { accountId: account.accountId, healthy: false, detail: `${account.label}: code ${answer.code}: ${statusCodeRow(answer.code).description}` };
    }
    const credits = answer.sms ?? 0;
    const lira = answer.amount ?? 0;
    if (credits <= 0 && lira <= 0) return { accountId: account.accountId, healthy: false, detail: `${account.label}: no balance left`, balance: credits };
    return { accountId: account.accountId, healthy: true, detail: `${account.label}: ${credits} SMS credits, ${lira} TL`, balance: credits };
  } catch (error) {
    if (!(error instanceof WireTransportError)) throw error;
    return { accountId: account.accountId, healthy: false, detail: `${account.label}: ${error.message}` };
  }
}

/** Whether a report's `YYYY-MM-DD HH:MM:SS` (Turkey time) is still ahead. */
function isAhead(value: string | undefined): boolean {
  const m = value === undefined ? null : /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value);
  if (!m) return false;
  const at = fromTurkeyTime({ year: +m[1]!, month: +m[2]!, day: +m[3]!, hour: +m[4]!, minute: +m[5]!, second: +(m[6] ?? 0) });
  return at !== undefined && at.getTime() > Date.now();
}
