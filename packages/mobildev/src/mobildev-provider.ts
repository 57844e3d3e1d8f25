import {
  createStubProvider,
  EncodingSchema,
  logSendFailure,
  parseProviderConfig,
  ProviderError,
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
  shortened,
} from '@rota/provider';
import { groupPerNumberIds, perNumberId, WireTransportError, wireDigits } from '@rota/provider/http';
import { createMobildevClient, type MobildevClient } from './mobildev-client.js';
import { codeError, codeRow, NOT_READY, REPORT_NOT_READY, reportStatusRow, transportError, type StatusRow } from './mobildev-codes.js';
import { MobildevConfigSchema, type MobildevConfig, type MobildevConfigInput, type MobildevEncoding } from './mobildev-config.js';
import { MobildevCredentials } from './mobildev-credentials.js';
import { MAX_REPORT_IDS, MESSAGE_TYPES, RECIPIENT_TYPES, type ReportLine } from './mobildev-wire.js';

export const MOBILDEV_PROVIDER_ID = 'mobildev';

/** Second by default (lower rank first); operators re-rank in configuration. */
export const DEFAULT_RANK = 2;

/**
 * ASSUMPTION [one source, for Mobildev's international API]: about 30,000
 * numbers a request is what Mobildev recommends. One constant to change.
 */
export const MAX_RECIPIENTS_PER_REQUEST = 30_000;

/** Ids of many packets are read per status() call, in reports of at most 25 packets each. */
export const STATUS_BATCH_SIZE = 1_000;

/**
 * What each connector encoding setting can carry. A GSM7 account has neither
 * the Turkish shift tables nor Unicode, so a text with ç, ğ, ı or ş must go
 * elsewhere; UTF-8 leaves the choice of alphabet to Mobildev.
 */
export const MOBILDEV_ENCODINGS: Readonly<Record<MobildevEncoding, readonly Encoding[]>> = Object.freeze({
  'UTF-8': ['GSM7', 'GSM7_TURKISH_SHIFT', 'UCS2'],
  GSM7: ['GSM7'],
});

export type MobildevProviderOptions = ProviderFactoryOptions;

export interface MobildevProvider extends Provider {
  readonly campaignAccountIds: readonly string[];
  status(request: StatusRequest, options?: SendOptions): Promise<DeliveryReport[]>;
  health(options?: SendOptions): Promise<ProviderHealth>;
  close(): Promise<void>;
}

/**
 * The id the router knows an account by. From the IYS type, not the username,
 * so that rotating credentials keeps the breaker and the metrics; unique
 * because the schema allows one account per IYS type.
 */
export function mobildevAccountId(iysType: IysType): string {
  return `${MOBILDEV_PROVIDER_ID}-${iysType.toLowerCase()}`;
}

interface Account {
  accountId: string;
  iysTypes: readonly IysType[];
  senders: readonly string[];
  encodings: readonly Encoding[];
  credentials: MobildevCredentials;
  /** The account's own undici Pool: a hung or throttled account cannot take another's connections. */
  client: MobildevClient;
  label: string;
}

/**
 * Mobildev as a `Provider`. Throws a `ProviderConfigError` naming every bad
 * field. With `simulate` (development only) the stub transport stands in for
 * the wire.
 */
export function createMobildevProvider(config: MobildevConfigInput, options: MobildevProviderOptions = {}): Provider {
  const parsed = parseProviderConfig(MobildevConfigSchema, config, 'Mobildev');
  const id = options.id ?? MOBILDEV_PROVIDER_ID;
  const accounts = parsed.accounts.map((account) => ({
    accountId: mobildevAccountId(account.smsIysMessageType),
    iysTypes: [account.smsIysMessageType],
    senders: account.senderList,
    encodings: MOBILDEV_ENCODINGS[account.encoding],
  }));
  if (parsed.simulate) {
    return createStubProvider({ id, displayName: 'Mobildev', accounts, maxRecipientsPerRequest: MAX_RECIPIENTS_PER_REQUEST, encodings: encodingsOf(accounts), simulate: parsed.simulate, logger: options.logger });
  }
  return buildProvider(parsed, id, options.logger ?? silentLogger);
}

/** Whatever any account can carry, cheapest first. */
function encodingsOf(accounts: readonly { encodings: readonly Encoding[] }[]): readonly Encoding[] {
  const carried = new Set(accounts.flatMap((account) => account.encodings));
  return Object.freeze(EncodingSchema.options.filter((encoding) => carried.has(encoding)));
}

function buildProvider(config: MobildevConfig, providerId: string, logger: Logger): MobildevProvider {
  const accounts: Account[] = config.accounts.map((entry) => {
    const accountId = mobildevAccountId(entry.smsIysMessageType);
    return {
      accountId,
      iysTypes: [entry.smsIysMessageType],
      senders: entry.senderList,
      encodings: MOBILDEV_ENCODINGS[entry.encoding],
      credentials: MobildevCredentials.forAccount(entry.username, entry.companyCode, entry.password),
      client: createMobildevClient({ baseUrl: config.baseUrl, connections: config.connections }),
      label: `Mobildev account ${accountId}`,
    };
  });
  const encodings = encodingsOf(accounts);
  const capabilities: ProviderCapabilities = Object.freeze({
    maxRecipientsPerRequest: MAX_RECIPIENTS_PER_REQUEST,
    encodings,
    deliveryStatus: true,
    // SDate schedules a packet, EDate ends its validity.
    scheduling: true,
    statusBatchSize: STATUS_BATCH_SIZE,
  });
  const byId = new Map(accounts.map((account) => [account.accountId, account]));
  let closed = false;

  const accountFor = (accountId: string, operation: string): Account => {
    if (closed) throw new ProviderError('provider-unavailable', `Mobildev ${operation}: the provider is closed`, { code: 'closed' });
    const account = byId.get(accountId);
    if (!account) throw new ProviderError('provider-unavailable', `Mobildev ${operation}: no account ${JSON.stringify(accountId)} (known: ${[...byId.keys()].join(', ')})`, { code: 'unknown-account' });
    return account;
  };
  const failure = (error: unknown, context: string): unknown => (error instanceof WireTransportError ? transportError(error, context) : error);
  const report = (id: string, row: StatusRow, providerCode?: string, to?: string): DeliveryReport => {
    const r: DeliveryReport = { providerMessageId: id, state: row.state, final: row.final };
    if (row.reason) r.reason = row.reason;
    if (providerCode !== undefined) r.providerCode = providerCode;
    if (to !== undefined) r.to = to;
    return r;
  };

  /** One Action 3 call for up to 25 packets: a report for every asked id of them. */
  async function readPackets(account: Account, packets: Map<string, Map<string, string>>, options: SendOptions, context: string): Promise<DeliveryReport[]> {
    const answer = await account.client.report(account.credentials, [...packets.keys()], options);
    const reports: DeliveryReport[] = [];
    if (!answer.ok) {
      if (answer.code !== REPORT_NOT_READY) throw codeError(answer.code, context);
      for (const wanted of packets.values()) for (const id of wanted.values()) reports.push(report(id, NOT_READY, REPORT_NOT_READY));
      return reports;
    }
    const found = new Set<string>();
    for (const line of answer.lines) {
      const id = packets.get(line.packetId)?.get(wireDigits(line.number));
      if (id === undefined || found.has(id)) continue;
      found.add(id);
      reports.push(report(id, reportStatusRow(line.status), providerCodeOf(line), `+${wireDigits(line.number)}`));
    }
    // A packet (or a number) the report does not list yet: not processed yet, as Mobildev's 02 says.
    for (const wanted of packets.values()) for (const id of wanted.values()) if (!found.has(id)) reports.push(report(id, NOT_READY));
    return reports;
  }

  const provider: MobildevProvider = {
    id: providerId,
    capabilities,
    accountIds: Object.freeze(accounts.map((account) => account.accountId)),
    // A CAMPAIGN account's packets go with MessageType C: Mobildev checks İYS consent on its side.
    campaignAccountIds: Object.freeze(accounts.filter((account) => account.iysTypes.includes('CAMPAIGN')).map((account) => account.accountId)),

    select(message): Selection {
      return selectStubAccount('Mobildev', accounts, encodings, message);
    },

    async send(request: SendRequest, sendOptions: SendOptions = {}): Promise<SendResponse> {
      const account = accountFor(request.accountId, 'send');
      const recipients = request.recipients;
      if (recipients.length === 0) return { receipts: [] };
      refuseMalformedRequest(providerId, request, accounts, MAX_RECIPIENTS_PER_REQUEST);
      const context = `${account.label} send to ${recipients.length} recipient(s)`;
      const commercial = request.iysType === 'CAMPAIGN';
      try {
        const answer = await account.client.send(
          account.credentials,
          {
            text: request.text,
            numbers: recipients,
            originator: request.sender,
            encoding: request.analysis.encoding,
            messageType: MESSAGE_TYPES[request.iysType],
            ...(commercial ? { recipientType: RECIPIENT_TYPES[request.recipientType] } : {}),
            ...(request.sendAt ? { sendAt: request.sendAt } : {}),
            ...(request.validUntil ? { validUntil: request.validUntil } : {}),
          },
          sendOptions,
        );
        if (!answer.ok) throw codeError(answer.code, context);
        const packetId = answer.packetId;
        logger.debug({ provider: providerId, accountId: account.accountId, recipients: recipients.length, packetId }, 'Mobildev accepted a packet');
        return { receipts: recipients.map((to) => ({ status: 'accepted', to, providerMessageId: perNumberId(packetId, to) })) };
      } catch (error) {
        const mapped = failure(error, context);
        logSendFailure(logger, 'Mobildev', providerId, account.accountId, mapped, recipients);
        throw mapped;
      }
    },

    async status(request: StatusRequest, statusOptions: SendOptions = {}): Promise<DeliveryReport[]> {
      const account = accountFor(request.accountId, 'status');
      const ids = request.providerMessageIds;
      if (ids.length === 0) return [];
      const context = `${account.label} status of ${ids.length} message(s)`;
      const grouped = groupPerNumberIds(ids);
      const byPacket = grouped.byRequest;
      const unreadable = grouped.unreadable.map((id): DeliveryReport => ({ providerMessageId: id, state: 'unknown', reason: 'not-found', final: false }));
      const groups: Map<string, Map<string, string>>[] = [];
      for (const [packetId, wanted] of byPacket) {
        let group = groups.at(-1);
        if (!group || group.size >= MAX_REPORT_IDS) groups.push((group = new Map()));
        group.set(packetId, wanted);
      }
      let reports: DeliveryReport[][];
      try {
        reports = await Promise.all(groups.map((group) => readPackets(account, group, statusOptions, context)));
      } catch (error) {
        throw failure(error, context);
      }
      const byId = new Map([...reports.flat(), ...unreadable].map((r) => [r.providerMessageId, r]));
      return ids.map((id) => byId.get(id) ?? report(id, NOT_READY));
    },

    async health(healthOptions: SendOptions = {}): Promise<ProviderHealth> {
      const results = await Promise.all(accounts.map((account) => accountHealth(account, healthOptions, closed)));
      return { healthy: results.every((a) => a.healthy), accounts: results };
    },

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
 * The report line's status, and for an undelivered message the columns after
 * it as they came (the Reason among them): kept for support tickets, not
 * interpreted — the column set differs between sources and the codes are unknown.
 */
function providerCodeOf(line: ReportLine): string {
  if (line.status !== '3' || line.rest.length === 0) return line.status;
  const tail = line.rest.join(' ');
  return `3 ${shortened(tail, 80, '')}`;
}

async function accountHealth(account: Account, options: SendOptions, closed: boolean): Promise<AccountHealth> {
  if (closed) return { accountId: account.accountId, healthy: false, detail: `${account.label}: provider closed` };
  try {
    const answer = await account.client.userInfo(account.credentials, options);
    if (!answer.ok) return { accountId: account.accountId, healthy: false, detail: `${account.label}: code ${answer.code}: ${codeRow(answer.code).description}` };
    if (answer.credit <= 0) return { accountId: account.accountId, healthy: false, detail: `${account.label}: no credit left`, balance: answer.credit };
    return { accountId: account.accountId, healthy: true, detail: `${account.label}: credit ${answer.credit}, ${answer.originators.length} approved originator(s)`, balance: answer.credit };
  } catch (error) {
    if (!(error instanceof WireTransportError)) throw error;
    return { accountId: account.accountId, healthy: false, detail: `${account.label}: ${error.message}` };
  }
}
