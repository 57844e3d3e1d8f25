import { jest } from '@jest/globals';
import { z } from 'zod';
import { analyzeText } from '../encoding/analyze-text.js';
import type { Logger } from '../logging/logger.js';
import { MessageSchema, type IysType } from '../message/message.js';
import { ProviderError } from '../provider/provider-error.js';
import type { SendRequest } from '../provider/provider.js';
import { providerErrorOf } from '@rota/testkit';
import { IysTypeListSchema, ProviderConfigError, checkSenderIysOverlap, parseProviderConfig, senderAccountId } from './provider-config.js';
import { SimulateSchema, STUB_UNAVAILABLE_MESSAGE, createStubProvider, selectStubAccount, type StubAccount, type StubProviderOptions } from './stub-provider.js';

const ALL = ['GSM7', 'GSM7_TURKISH_SHIFT', 'UCS2'] as const;

const accounts: StubAccount[] = [
  { accountId: 'notify', iysTypes: ['NOTIFICATION'], senders: ['ACME', 'ACMEOTP'] },
  { accountId: 'notify-gsm', iysTypes: ['NOTIFICATION'], senders: ['PLAIN'], encodings: ['GSM7'] },
  { accountId: 'both', iysTypes: ['NOTIFICATION', 'CAMPAIGN'], senders: ['SHOP'] },
];

function message(iysType: IysType, extra: { sender?: string; text?: string } = {}) {
  return MessageSchema.parse({ to: '05321112233', text: extra.text ?? 'Kodunuz 4711', iysType, sender: extra.sender });
}

function request(overrides: Partial<SendRequest> = {}): SendRequest {
  const text = 'Kodunuz 4711';
  return {
    accountId: 'notify',
    sender: 'ACME',
    text,
    analysis: analyzeText(text),
    iysType: 'NOTIFICATION',
    recipientType: 'BIREYSEL',
    recipients: ['+905321112233', '+905421112244'],
    otp: false,
    ...overrides,
  };
}

function stub(overrides: Partial<StubProviderOptions> = {}) {
  return createStubProvider({ id: 'acme', displayName: 'Acme', accounts, maxRecipientsPerRequest: 5, encodings: ALL, ...overrides });
}

function recordingLogger() {
  const lines: { level: string; fields: Record<string, unknown>; message: string }[] = [];
  const at = (level: string) => (fields: Record<string, unknown>, text: string) => void lines.push({ level, fields, message: text });
  const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  return { logger, lines };
}

describe('SimulateSchema', () => {
  it('fills the defaults', () => {
    expect(SimulateSchema.parse({})).toEqual({ latencyMs: 20, failRate: 0, failKind: 'provider-unavailable' });
  });

  it.each([
    [{ failRate: 1.5 }, 'failRate', 'must be between 0 and 1'],
    [{ latencyMs: -1 }, 'latencyMs', 'must not be negative'],
    [{ latencyMs: 2.5 }, 'latencyMs', 'must be a whole number of milliseconds'],
    [{ failKind: 'exploded' }, 'failKind', 'Invalid option'],
    [{ jitter: 5 }, '', 'jitter'],
  ])('refuses %j, naming the field', (input, path, reason) => {
    const result = SimulateSchema.safeParse(input);
    expect(result.success).toBe(false);
    const issue = result.error!.issues[0]!;
    expect(issue.path.join('.')).toBe(path);
    expect(issue.message).toContain(reason);
  });
});

describe('IysTypeListSchema', () => {
  it('takes a non-empty list of distinct IYS types', () => {
    expect(IysTypeListSchema.parse(['CAMPAIGN', 'NOTIFICATION'])).toEqual(['CAMPAIGN', 'NOTIFICATION']);
    expect(IysTypeListSchema.safeParse([]).error?.issues[0]?.message).toBe('must list at least one IYS type');
    expect(IysTypeListSchema.safeParse(['CAMPAIGN', 'CAMPAIGN']).error?.issues[0]?.message).toBe('must not list an IYS type twice');
    expect(IysTypeListSchema.safeParse('CAMPAIGN').error?.issues[0]?.message).toBe('must be a list of IYS types (NOTIFICATION, CAMPAIGN)');
  });
});

describe('selectStubAccount', () => {
  const select = (iysType: IysType, extra?: { sender?: string; text?: string }) => selectStubAccount('Acme', accounts, ALL, message(iysType, extra));

  it("takes the first account of the message's IYS type and its first sender", () => {
    expect(select('NOTIFICATION')).toEqual({ eligible: true, accountId: 'notify', sender: 'ACME' });
    expect(select('CAMPAIGN')).toEqual({ eligible: true, accountId: 'both', sender: 'SHOP' });
  });

  it('takes the account that has the named sender', () => {
    expect(select('NOTIFICATION', { sender: 'ACMEOTP' })).toEqual({ eligible: true, accountId: 'notify', sender: 'ACMEOTP' });
    expect(select('NOTIFICATION', { sender: 'SHOP' })).toEqual({ eligible: true, accountId: 'both', sender: 'SHOP' });
  });

  it('refuses a sender no account of that type has, naming it and the allowed ones', () => {
    expect(select('CAMPAIGN', { sender: 'ACME' })).toEqual({
      eligible: false,
      field: 'sender',
      reason: 'sender "ACME" is not allowed on any Acme CAMPAIGN account (allowed: SHOP)',
    });
  });

  it('refuses an IYS type no account serves', () => {
    const notifyOnly = accounts.slice(0, 2);
    expect(selectStubAccount('Acme', notifyOnly, ALL, message('CAMPAIGN'))).toEqual({
      eligible: false,
      reason: 'no Acme account for IYS type CAMPAIGN',
    });
  });

  it('skips accounts that cannot carry the encoding, and refuses an encoding the provider lacks', () => {
    const gsmOnly = accounts.slice(1, 2);
    const turkish = message('NOTIFICATION', { text: 'Şifreniz 4711' });
    expect(turkish.analysis.encoding).toBe('GSM7_TURKISH_SHIFT');
    expect(selectStubAccount('Acme', gsmOnly, ALL, turkish)).toEqual({
      eligible: false,
      field: 'text',
      reason: 'no Acme NOTIFICATION account can send GSM7_TURKISH_SHIFT text',
    });
    expect(selectStubAccount('Acme', accounts, ['GSM7', 'UCS2'], turkish)).toEqual({
      eligible: false,
      field: 'text',
      reason: 'Acme cannot send GSM7_TURKISH_SHIFT text (supports GSM7, UCS2)',
    });
    expect(selectStubAccount('Acme', accounts, ALL, message('NOTIFICATION', { sender: 'PLAIN' }))).toMatchObject({ accountId: 'notify-gsm' });
  });
});

describe('senderAccountId and checkSenderIysOverlap', () => {
  const Accounts = z
    .array(z.object({ sender: z.string(), iysTypes: z.array(z.enum(['NOTIFICATION', 'CAMPAIGN'])) }))
    .superRefine(checkSenderIysOverlap);

  it('derives ids from sender and IYS types, never from credentials', () => {
    expect(senderAccountId('acme', 'ACME', ['NOTIFICATION', 'CAMPAIGN'])).toBe('acme-ACME');
    expect(senderAccountId('acme', 'ACME', ['CAMPAIGN'])).toBe('acme-ACME-campaign');
  });

  it('refuses a second account for a (sender, IYS type) pair already served, at its own path', () => {
    const result = Accounts.safeParse([
      { sender: 'ACME', iysTypes: ['NOTIFICATION'] },
      { sender: 'ACME', iysTypes: ['CAMPAIGN'] },
      { sender: 'SHOP', iysTypes: ['CAMPAIGN'] },
      { sender: 'ACME', iysTypes: ['NOTIFICATION', 'CAMPAIGN'] },
    ]);
    expect(result.error?.issues.map((issue) => [issue.path.join('.'), issue.message])).toEqual([
      ['3.iysTypes', 'sender "ACME" already serves NOTIFICATION in accounts.0; a second account for the same sender and IYS type would never be chosen'],
      ['3.iysTypes', 'sender "ACME" already serves CAMPAIGN in accounts.1; a second account for the same sender and IYS type would never be chosen'],
    ]);
    expect(Accounts.safeParse([{ sender: 'ACME', iysTypes: ['NOTIFICATION'] }, { sender: 'ACME', iysTypes: ['CAMPAIGN'] }]).success).toBe(true);
  });
});

describe('parseProviderConfig', () => {
  const Schema = z.strictObject({ username: z.string().min(1, 'must not be empty'), password: z.string().min(8, 'must be at least 8 characters') });

  it('returns the parsed value', () => {
    expect(parseProviderConfig(Schema, { username: 'u', password: 'p4ssw0rd!' }, 'Acme')).toEqual({ username: 'u', password: 'p4ssw0rd!' });
  });

  it('throws a ProviderConfigError naming every field and reason, and no value', () => {
    let error: unknown;
    try {
      parseProviderConfig(Schema, { username: '', password: 'short', extra: true }, 'Acme');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ProviderConfigError);
    const configError = error as ProviderConfigError;
    expect(configError.provider).toBe('Acme');
    expect(configError.issues).toEqual([
      { path: 'username', reason: 'must not be empty' },
      { path: 'password', reason: 'must be at least 8 characters' },
      { path: 'extra', reason: 'is not a known field' },
    ]);
    expect(configError.message).toBe(
      'invalid Acme configuration: username: must not be empty; password: must be at least 8 characters; extra: is not a known field',
    );
    expect(JSON.stringify({ message: configError.message, issues: configError.issues })).not.toContain('short');
  });
});

describe('createStubProvider without simulate', () => {
  it('declares its capabilities and accounts, and sends nothing', async () => {
    const provider = stub();
    expect(provider.capabilities).toEqual({ maxRecipientsPerRequest: 5, encodings: ALL, deliveryStatus: false, scheduling: false });
    expect(provider.accountIds).toEqual(['notify', 'notify-gsm', 'both']);
    const error = await providerErrorOf(provider.send(request()));
    expect(error).toMatchObject({ kind: 'provider-unavailable', message: STUB_UNAVAILABLE_MESSAGE, code: 'stub' });
  });

  it('logs nothing', () => {
    const { logger, lines } = recordingLogger();
    stub({ logger });
    expect(lines).toEqual([]);
  });

  it('refuses every message with the inactive reason when switched off', () => {
    const provider = stub({ inactiveReason: 'acme: switched off' });
    expect(provider.select(message('NOTIFICATION'))).toEqual({ eligible: false, reason: 'acme: switched off' });
  });
});

describe('createStubProvider with simulate', () => {
  const simulate = (input: z.input<typeof SimulateSchema> = {}) => SimulateSchema.parse({ latencyMs: 1, ...input });

  it('warns once at creation, naming the provider', () => {
    const { logger, lines } = recordingLogger();
    stub({ logger, simulate: simulate() });
    expect(lines).toEqual([
      {
        level: 'warn',
        fields: { provider: 'acme', latencyMs: 1, failRate: 0, failKind: 'provider-unavailable' },
        message: 'acme: SIMULATED transport — messages are not delivered',
      },
    ]);
  });

  it('accepts with one simulated receipt per recipient, in order, with fresh ids', async () => {
    const provider = stub({ simulate: simulate() });
    const first = await provider.send(request());
    const second = await provider.send(request({ recipients: ['+905051112255'] }));
    expect(first.receipts).toEqual([
      { status: 'accepted', to: '+905321112233', providerMessageId: 'sim-acme-1', segmentsBilled: 1, simulated: true },
      { status: 'accepted', to: '+905421112244', providerMessageId: 'sim-acme-2', segmentsBilled: 1, simulated: true },
    ]);
    expect(second.receipts).toEqual([
      { status: 'accepted', to: '+905051112255', providerMessageId: 'sim-acme-3', segmentsBilled: 1, simulated: true },
    ]);
  });

  it('fails the chosen fraction of calls with the chosen kind', async () => {
    const draws = [0.1, 0.9, 0.29, 0.3];
    const provider = stub({ simulate: simulate({ failRate: 0.3, failKind: 'retryable' }), random: () => draws.shift()! });
    const outcomes: string[] = [];
    for (let i = 0; i < 4; i += 1) {
      outcomes.push(await provider.send(request()).then(() => 'accepted', (error: ProviderError) => `${error.kind}/${error.code}`));
    }
    expect(outcomes).toEqual(['retryable/simulated', 'accepted', 'retryable/simulated', 'accepted']);
  });

  it('fails every call with failRate 1', async () => {
    const provider = stub({ simulate: simulate({ failRate: 1, failKind: 'outcome-unknown' }) });
    for (let i = 0; i < 3; i += 1) {
      expect(await providerErrorOf(provider.send(request()))).toMatchObject({ kind: 'outcome-unknown', code: 'simulated' });
    }
  });

  it('reports an abort during the latency as outcome-unknown and leaves no timer behind', async () => {
    jest.useFakeTimers();
    try {
      const provider = stub({ simulate: simulate({ latencyMs: 60_000 }) });
      const controller = new AbortController();
      const sending = provider.send(request(), { signal: controller.signal });
      expect(jest.getTimerCount()).toBe(1);
      controller.abort(new Error('caller gave up'));
      expect(await providerErrorOf(sending)).toMatchObject({ kind: 'outcome-unknown', code: 'aborted' });
      expect(jest.getTimerCount()).toBe(0);
    } finally {
      jest.useRealTimers();
    }
  });

  it('refuses an already-aborted call as retryable: nothing was sent', async () => {
    const provider = stub({ simulate: simulate() });
    const controller = new AbortController();
    controller.abort();
    expect(await providerErrorOf(provider.send(request(), { signal: controller.signal }))).toMatchObject({ kind: 'retryable', code: 'aborted' });
  });

  it('cancels a call in flight on close, clearing its timer, and refuses calls afterwards', async () => {
    jest.useFakeTimers();
    try {
      const provider = stub({ simulate: simulate({ latencyMs: 60_000 }) });
      const sending = provider.send(request());
      await provider.close!();
      expect(await providerErrorOf(sending)).toMatchObject({ kind: 'outcome-unknown', code: 'closed' });
      expect(jest.getTimerCount()).toBe(0);
      expect(await providerErrorOf(provider.send(request()))).toMatchObject({ kind: 'provider-unavailable', code: 'closed' });
      await provider.close!();
    } finally {
      jest.useRealTimers();
    }
  });

  it.each([
    [{ accountId: 'nope' }, 'provider-unavailable', 'unknown-account'],
    [{ iysType: 'CAMPAIGN' as const }, 'message-rejected', 'iys-type-not-served'],
    [{ sender: 'SHOP' }, 'message-rejected', 'sender-not-allowed'],
    [{ recipients: [] }, 'message-rejected', 'no-recipients'],
    [{ recipients: Array.from({ length: 6 }, (_, i) => `+90532111220${i}`) }, 'message-rejected', 'too-many-recipients'],
  ])('refuses a request the caller should never have made: %j', async (overrides, kind, code) => {
    const provider = stub({ simulate: simulate() });
    expect(await providerErrorOf(provider.send(request(overrides)))).toMatchObject({ kind, code });
  });
});
