import { DeliveryReasonSchema, DeliveryStateSchema, EncodingSchema, IysTypeSchema, MessageSchema, ProviderError, SenderIdSchema, normalizePhoneNumber, type IysType, type Message, type Provider, type SendRequest, type SendResponse } from '@rota/provider';
import { sendRequest } from './send-request.js';

/**
 * Each check returns the list of contract violations it found (empty when the
 * provider conforms), so the jest suite can show every problem at once and the
 * checks themselves can be tested against deliberately broken providers.
 */
export type Problems = string[];

export interface ContractSubject {
  provider: Provider;
  /** False for stubs: every send must fail with a `provider-unavailable` ProviderError that says why. */
  expectsAcceptance: boolean;
  /** Numbers the subject's backend accepts; default: valid Turkish mobile numbers. */
  recipients?: string[];
  cleanup?: () => Promise<void>;
}

export const CONTRACT_RECIPIENTS: readonly string[] = ['+905321112233', '+905421112244', '+905051112255'];
export const CONTRACT_TEXT = 'Rota contract check: your code is 482913';
/** A valid sender ID that no provider configuration would contain. */
export const UNKNOWN_SENDER = 'NOSUCHSNDR';

const KEBAB_CASE = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

export function checkId(provider: Provider): Problems {
  const { id } = provider;
  if (typeof id !== 'string' || id.length === 0) return [`id must be a non-empty string, got ${show(id)}`];
  return KEBAB_CASE.test(id) ? [] : [`id "${id}" is not kebab-case (a-z, 0-9 and single dashes)`];
}

export function checkCapabilities(provider: Provider): Problems {
  const problems: Problems = [];
  const capabilities = provider.capabilities as Partial<Provider['capabilities']> | undefined;
  if (!capabilities) return ['capabilities is missing'];
  const { maxRecipientsPerRequest, encodings, deliveryStatus, scheduling } = capabilities;
  if (!Number.isInteger(maxRecipientsPerRequest) || (maxRecipientsPerRequest as number) < 1) {
    problems.push(`capabilities.maxRecipientsPerRequest must be an integer ≥ 1, got ${show(maxRecipientsPerRequest)}`);
  }
  if (!Array.isArray(encodings) || encodings.length === 0) {
    problems.push(`capabilities.encodings must be a non-empty array, got ${show(encodings)}`);
  } else {
    const known: readonly string[] = EncodingSchema.options;
    for (const encoding of encodings) {
      if (!known.includes(encoding)) problems.push(`capabilities.encodings contains unknown encoding ${show(encoding)} (known: ${known.join(', ')})`);
    }
    if (new Set(encodings).size !== encodings.length) problems.push(`capabilities.encodings lists an encoding twice: ${encodings.join(', ')}`);
  }
  if (typeof deliveryStatus !== 'boolean') problems.push(`capabilities.deliveryStatus must be a boolean, got ${show(deliveryStatus)}`);
  if (typeof scheduling !== 'boolean') problems.push(`capabilities.scheduling must be a boolean, got ${show(scheduling)}`);
  const { turkishNumbersOnly } = capabilities;
  if (turkishNumbersOnly !== undefined && typeof turkishNumbersOnly !== 'boolean') problems.push(`capabilities.turkishNumbersOnly must be a boolean when given, got ${show(turkishNumbersOnly)}`);
  if (deliveryStatus === true && typeof provider.status !== 'function') {
    problems.push('capabilities.deliveryStatus is true but the provider has no status() method');
  }
  return problems;
}

export function checkAccountIds(provider: Provider): Problems {
  const { accountIds } = provider;
  if (!Array.isArray(accountIds) || accountIds.length === 0) return [`accountIds must be a non-empty array, got ${show(accountIds)}`];
  const problems: Problems = [];
  const seen = new Set<string>();
  for (const accountId of accountIds) {
    if (typeof accountId !== 'string' || accountId.length === 0) problems.push(`accountIds contains ${show(accountId)}, not a non-empty string`);
    else if (seen.has(accountId)) problems.push(`accountIds lists "${accountId}" twice`);
    seen.add(accountId);
  }
  return problems;
}

/**
 * `campaignAccountIds` is declared, lists known accounts only, and `select`
 * never answers a CAMPAIGN message with an account outside it (the router
 * would refuse that account anyway; a provider must not rely on it).
 */
export function checkCampaignAccounts(provider: Provider): Problems {
  const declared: unknown = provider.campaignAccountIds;
  if (!Array.isArray(declared)) return [`campaignAccountIds must be declared (an array, empty when no account carries CAMPAIGN traffic), got ${show(declared)}`];
  const problems: Problems = [];
  for (const accountId of declared) {
    if (!provider.accountIds.includes(accountId)) problems.push(`campaignAccountIds lists ${show(accountId)}, which is not in accountIds`);
  }
  const selection = safeSelect(provider, contractMessage('CAMPAIGN'));
  if (typeof selection === 'string') return [...problems, selection];
  if (selection.eligible && !declared.includes(selection.accountId)) {
    problems.push(`select(CAMPAIGN) chose account "${selection.accountId}", which campaignAccountIds does not list (its traffic is not declared to be checked against IYS consent)`);
  }
  return problems;
}

export function checkSelect(provider: Provider, iysType: IysType): Problems {
  const message = contractMessage(iysType);
  const selection = safeSelect(provider, message);
  if (typeof selection === 'string') return [selection];
  if (!selection.eligible) return nonEmptyReason(selection.reason, `select(${iysType})`);

  const problems: Problems = [];
  if (!provider.accountIds.includes(selection.accountId)) {
    problems.push(`select(${iysType}) chose account ${show(selection.accountId)}, which is not in accountIds (${provider.accountIds.join(', ')})`);
  }
  const sender = SenderIdSchema.safeParse(selection.sender);
  if (!sender.success) {
    problems.push(`select(${iysType}) chose sender ${show(selection.sender)}, which is not a valid sender ID: ${sender.error.issues[0]?.message}`);
    return problems;
  }
  // The sender a provider picks by default must also be one it accepts when asked for by name.
  const again = safeSelect(provider, { ...message, sender: selection.sender });
  if (typeof again === 'string') problems.push(again);
  else if (!again.eligible) problems.push(`select(${iysType}) chose sender "${selection.sender}" but refuses it when asked for by name: ${again.reason}`);
  else if (again.sender !== selection.sender) problems.push(`select(${iysType}, sender "${selection.sender}") answered with sender "${again.sender}"`);
  return problems;
}

export function checkUnknownSender(provider: Provider): Problems {
  return IysTypeSchema.options.flatMap((iysType) => {
    const selection = safeSelect(provider, contractMessage(iysType, UNKNOWN_SENDER));
    if (typeof selection === 'string') return [selection];
    if (selection.eligible) return [`select(${iysType}) accepted sender "${UNKNOWN_SENDER}", which no account is configured with`];
    // When the provider cannot take this IYS type at all, that is the reason to give, not the sender.
    const withoutSender = safeSelect(provider, contractMessage(iysType));
    if (typeof withoutSender === 'string' || !withoutSender.eligible) return nonEmptyReason(selection.reason, `select(${iysType}, sender "${UNKNOWN_SENDER}")`);
    if (typeof selection.reason !== 'string' || !selection.reason.includes(UNKNOWN_SENDER)) {
      return [`select(${iysType}) refused sender "${UNKNOWN_SENDER}" but the reason does not name it: ${show(selection.reason)}`];
    }
    return [];
  });
}

export function checkUnsupportedEncodings(provider: Provider): Problems {
  const supported: readonly string[] = Array.isArray(provider.capabilities?.encodings) ? provider.capabilities.encodings : [];
  const unsupported = EncodingSchema.options.filter((encoding) => !supported.includes(encoding));
  return unsupported.flatMap((encoding) =>
    IysTypeSchema.options.flatMap((iysType) => {
      const message = contractMessage(iysType);
      const selection = safeSelect(provider, { ...message, analysis: { ...message.analysis, encoding } });
      if (typeof selection === 'string') return [selection];
      if (selection.eligible) return [`select(${iysType}) accepted a ${encoding} text, which capabilities.encodings does not list`];
      return nonEmptyReason(selection.reason, `select(${iysType}) for a ${encoding} text`);
    }),
  );
}

export async function checkSend(subject: ContractSubject): Promise<Problems> {
  const request = contractRequest(subject);
  if (typeof request === 'string') return [request];
  const outcome = await settle(() => subject.provider.send(request));
  if (!subject.expectsAcceptance) return expectUnavailable(outcome, 'send()');
  if (!outcome.ok) return [`send() was expected to accept but threw: ${describeError(outcome.error)}`];
  return checkReceipts(outcome.value, request);
}

export async function checkAbortedSend(subject: ContractSubject): Promise<Problems> {
  const request = contractRequest(subject);
  if (typeof request === 'string') return [request];
  const controller = new AbortController();
  controller.abort(new Error('aborted by the provider contract'));
  const outcome = await settle(() => subject.provider.send(request, { signal: controller.signal }));
  if (outcome.ok) return [`send() with an already-aborted signal returned ${outcome.value?.receipts?.length ?? 0} receipt(s) instead of rejecting`];
  return ProviderError.is(outcome.error) ? [] : [`send() with an already-aborted signal threw ${describeError(outcome.error)}, not a ProviderError`];
}

export async function checkStatus(subject: ContractSubject): Promise<Problems> {
  const { provider } = subject;
  if (typeof provider.status !== 'function') {
    return provider.capabilities?.deliveryStatus ? ['capabilities.deliveryStatus is true but status() is missing'] : [];
  }
  const status = provider.status.bind(provider);
  let accountId = provider.accountIds[0] ?? '';
  let providerMessageIds = ['contract-unknown-id'];
  if (subject.expectsAcceptance) {
    const request = contractRequest(subject);
    if (typeof request === 'string') return [request];
    const sent = await settle(() => provider.send(request));
    if (!sent.ok) return [`send() (to get ids for status()) threw: ${describeError(sent.error)}`];
    accountId = request.accountId;
    providerMessageIds = (sent.value?.receipts ?? []).flatMap((receipt) => (receipt.status === 'accepted' ? [receipt.providerMessageId] : []));
  }

  const outcome = await settle(() => status({ accountId, providerMessageIds }));
  if (!outcome.ok) {
    // A stub may refuse to read statuses, but only the way providers refuse anything.
    if (!subject.expectsAcceptance && ProviderError.is(outcome.error)) return [];
    return [`status() threw: ${describeError(outcome.error)}`];
  }
  const reports: unknown = outcome.value;
  if (!Array.isArray(reports)) return [`status() must return an array, got ${show(reports)}`];
  return reports.flatMap((report: Record<string, unknown>, index) => {
    const where = `status() report ${index}`;
    const problems: Problems = [];
    if (!providerMessageIds.includes(report?.providerMessageId as string)) {
      problems.push(`${where} is about ${show(report?.providerMessageId)}, which was not asked for`);
    }
    if (!DeliveryStateSchema.safeParse(report?.state).success) problems.push(`${where} has unknown state ${show(report?.state)}`);
    if (report?.reason !== undefined && !DeliveryReasonSchema.safeParse(report.reason).success) {
      problems.push(`${where} has unknown reason ${show(report.reason)}`);
    }
    if (typeof report?.final !== 'boolean') problems.push(`${where} has final ${show(report?.final)}, not a boolean`);
    return problems;
  });
}

export async function checkHealth(subject: ContractSubject): Promise<Problems> {
  const { provider } = subject;
  if (typeof provider.health !== 'function') return [];
  const health = provider.health.bind(provider);
  const outcome = await settle(() => health());
  if (!outcome.ok) return [`health() threw: ${describeError(outcome.error)}`];
  const value = outcome.value as Partial<Awaited<ReturnType<typeof health>>> | undefined;
  if (typeof value?.healthy !== 'boolean') return [`health().healthy must be a boolean, got ${show(value?.healthy)}`];
  if (!Array.isArray(value.accounts)) return [`health().accounts must be an array, got ${show(value.accounts)}`];
  return value.accounts.flatMap((account, index) => {
    const problems: Problems = [];
    if (!provider.accountIds.includes(account?.accountId)) {
      problems.push(`health().accounts[${index}] is about ${show(account?.accountId)}, which is not in accountIds`);
    }
    if (typeof account?.healthy !== 'boolean') problems.push(`health().accounts[${index}].healthy must be a boolean`);
    if (typeof account?.detail !== 'string') problems.push(`health().accounts[${index}].detail must be a string`);
    return problems;
  });
}

export async function checkClose(subject: ContractSubject): Promise<Problems> {
  const { provider } = subject;
  if (typeof provider.close !== 'function') return [];
  const close = provider.close.bind(provider);
  const problems: Problems = [];
  for (const attempt of ['first', 'second']) {
    const outcome = await settle(() => close());
    if (!outcome.ok) problems.push(`close() (${attempt} call) threw: ${describeError(outcome.error)}`);
  }
  return problems;
}

/** A message as the router would hand it to `select`: validated by core's schema, text analysed. */
export function contractMessage(iysType: IysType, sender?: string, to: string = CONTRACT_RECIPIENTS[0]!): Message {
  return MessageSchema.parse({ to, text: CONTRACT_TEXT, iysType, ...(sender === undefined ? {} : { sender }) });
}

/**
 * The request the router would send for the contract text: the first IYS type
 * the provider accepts. A stub accepts none, so it gets a request for its first
 * account, which it must refuse.
 */
export function contractRequest(subject: ContractSubject): SendRequest | string {
  const recipients = contractRecipients(subject);
  if (typeof recipients === 'string') return recipients;
  for (const iysType of IysTypeSchema.options) {
    const selection = safeSelect(subject.provider, contractMessage(iysType, undefined, recipients[0]));
    if (typeof selection !== 'string' && selection.eligible) {
      return sendRequest({ text: CONTRACT_TEXT, recipients, iysType, accountId: selection.accountId, sender: selection.sender });
    }
  }
  if (subject.expectsAcceptance) {
    return 'select() found no eligible account for a NOTIFICATION or a CAMPAIGN message, so an accepting subject cannot be sent to';
  }
  return sendRequest({ text: CONTRACT_TEXT, recipients, accountId: subject.provider.accountIds[0] ?? 'unknown', sender: 'ROTA' });
}

/** Frozen: the router hands providers its own list, which a provider must not change (a change throws here). */
function contractRecipients(subject: ContractSubject): readonly string[] | string {
  const given = subject.recipients ?? CONTRACT_RECIPIENTS;
  if (given.length === 0) return 'subject.recipients must not be empty';
  const recipients: string[] = [];
  for (const number of given) {
    const result = normalizePhoneNumber(number);
    if (!result.ok) return `subject.recipients: "${number}" ${result.reason}`;
    recipients.push(result.e164);
  }
  const max = subject.provider.capabilities?.maxRecipientsPerRequest;
  return Object.freeze(Number.isInteger(max) && max >= 1 ? recipients.slice(0, max) : recipients);
}

function checkReceipts(response: SendResponse | undefined, request: SendRequest): Problems {
  const receipts: unknown = response?.receipts;
  if (!Array.isArray(receipts)) return [`send() must resolve to { receipts: [...] }, got ${show(response)}`];
  const problems: Problems = [];
  if (receipts.length !== request.recipients.length) {
    problems.push(`send() returned ${receipts.length} receipt(s) for ${request.recipients.length} recipient(s)`);
  }
  const ids = new Set<string>();
  receipts.forEach((receipt: Record<string, unknown>, index) => {
    const where = `receipt ${index}`;
    const expectedTo = request.recipients[index];
    if (receipt?.to !== expectedTo) problems.push(`${where} is for ${show(receipt?.to)}; request recipient ${index} is ${show(expectedTo)}`);
    if (receipt?.status === 'accepted') {
      const id = receipt.providerMessageId;
      if (typeof id !== 'string' || id.length === 0) problems.push(`${where} is accepted without a providerMessageId`);
      else if (ids.has(id)) problems.push(`${where} repeats providerMessageId "${id}"`);
      else ids.add(id);
      const billed = receipt.segmentsBilled;
      if (billed !== undefined && (!Number.isInteger(billed) || (billed as number) < 1)) {
        problems.push(`${where} has segmentsBilled ${show(billed)}, not a positive integer`);
      }
    } else if (receipt?.status === 'rejected' || receipt?.status === 'not-taken') {
      if (typeof receipt.reason !== 'string' || receipt.reason.length === 0) problems.push(`${where} is ${receipt.status} without a reason`);
    } else {
      problems.push(`${where} has status ${show(receipt?.status)}, not "accepted", "rejected" or "not-taken"`);
    }
  });
  if (problems.length === 0 && ids.size === 0) problems.push('send() was expected to accept but every recipient was rejected');
  return problems;
}

function expectUnavailable(outcome: Settled<unknown>, what: string): Problems {
  if (outcome.ok) return [`${what} on a subject that does not expect acceptance resolved instead of failing with provider-unavailable`];
  const { error } = outcome;
  if (!ProviderError.is(error)) return [`${what} threw ${describeError(error)}; a provider may only throw a ProviderError`];
  const problems: Problems = [];
  if (error.kind !== 'provider-unavailable') problems.push(`${what} failed with kind "${error.kind}", expected "provider-unavailable"`);
  if (error.message.trim().length === 0) problems.push(`${what} failed without a reason in the error message`);
  return problems;
}

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

// Catches synchronous throws too: a provider method that throws before returning a promise is still a broken call.
async function settle<T>(run: () => Promise<T>): Promise<Settled<T>> {
  try {
    return { ok: true, value: await run() };
  } catch (error) {
    return { ok: false, error };
  }
}

type SelectInput = Parameters<Provider['select']>[0];

function safeSelect(provider: Provider, message: SelectInput): ReturnType<Provider['select']> | string {
  try {
    const selection = provider.select(message);
    if (selection?.eligible === true || selection?.eligible === false) return selection;
    return `select(${message.iysType}) returned ${show(selection)}, not { eligible: true, ... } or { eligible: false, reason }`;
  } catch (error) {
    return `select(${message.iysType}) threw ${describeError(error)}; it must answer with { eligible: false, reason } instead`;
  }
}

function nonEmptyReason(reason: unknown, what: string): Problems {
  return typeof reason === 'string' && reason.trim().length > 0 ? [] : [`${what} is not eligible but gives no reason (${show(reason)})`];
}

function describeError(error: unknown): string {
  if (ProviderError.is(error)) return `ProviderError(${error.kind}${error.code ? `, ${error.code}` : ''}: ${error.message})`;
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return show(error);
}

function show(value: unknown): string {
  if (typeof value === 'string') return `"${value}"`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
