import { ProviderError, type Provider, type SendRequest } from '@rota/provider';
import { createFakeProvider } from '../src/index.js';
import {
  UNKNOWN_SENDER,
  checkAbortedSend,
  checkAccountIds,
  checkCampaignAccounts,
  checkCapabilities,
  checkClose,
  checkHealth,
  checkId,
  checkSelect,
  checkSend,
  checkStatus,
  checkUnknownSender,
  checkUnsupportedEncodings,
  contractRequest,
  type ContractSubject,
} from '../src/provider-contract-checks.js';

// The contract suite is only worth something if it catches broken providers; each case breaks one promise.

/** A working fake with some members replaced. */
function providerWith(overrides: Record<string, unknown> = {}): Provider {
  const fake = createFakeProvider({ id: 'fake' });
  const base: Provider = {
    id: fake.id,
    capabilities: fake.capabilities,
    accountIds: fake.accountIds,
    campaignAccountIds: fake.campaignAccountIds,
    select: (message) => fake.select(message),
    send: (request, options) => fake.send(request, options),
    status: (request, options) => fake.status(request, options),
    health: (options) => fake.health(options),
    close: () => fake.close(),
  };
  return { ...base, ...overrides } as Provider;
}

const accepting = (provider: Provider): ContractSubject => ({ provider, expectsAcceptance: true });
const stub = (provider: Provider): ContractSubject => ({ provider, expectsAcceptance: false });

function problemsOf(problems: string[]): string {
  expect(problems.length).toBeGreaterThan(0);
  return problems.join('\n');
}

describe('identity checks', () => {
  it.each([
    ['', 'non-empty string'],
    ['Fake_Provider', 'not kebab-case'],
    ['fake--double', 'not kebab-case'],
  ])('flags the id %j', (id, expected) => {
    expect(problemsOf(checkId(providerWith({ id })))).toContain(expected);
  });

  it('flags insane capabilities', () => {
    const problems = checkCapabilities(
      providerWith({
        capabilities: { maxRecipientsPerRequest: 0, encodings: ['GSM7', 'GSM8', 'GSM7'], deliveryStatus: true, scheduling: 'no' },
        status: undefined,
      }),
    );
    expect(problems).toEqual([
      'capabilities.maxRecipientsPerRequest must be an integer ≥ 1, got 0',
      'capabilities.encodings contains unknown encoding "GSM8" (known: GSM7, GSM7_TURKISH_SHIFT, UCS2)',
      'capabilities.encodings lists an encoding twice: GSM7, GSM8, GSM7',
      'capabilities.scheduling must be a boolean, got "no"',
      'capabilities.deliveryStatus is true but the provider has no status() method',
    ]);
  });

  it('flags empty encodings', () => {
    const problems = checkCapabilities(providerWith({ capabilities: { maxRecipientsPerRequest: 1, encodings: [], deliveryStatus: false, scheduling: false } }));
    expect(problemsOf(problems)).toContain('capabilities.encodings must be a non-empty array');
  });

  it.each([
    [[], 'must be a non-empty array'],
    [['a', 'b', 'a'], 'lists "a" twice'],
    [['a', ''], 'not a non-empty string'],
  ])('flags the account ids %j', (accountIds, expected) => {
    expect(problemsOf(checkAccountIds(providerWith({ accountIds })))).toContain(expected);
  });
});

describe('select checks', () => {
  it('flags an account that is not in accountIds', () => {
    const provider = providerWith({ select: () => ({ eligible: true, accountId: 'ghost', sender: 'ROTA' }) });
    expect(problemsOf(checkSelect(provider, 'NOTIFICATION'))).toContain('account "ghost", which is not in accountIds');
  });

  it('flags an invalid sender ID', () => {
    const provider = providerWith({ select: () => ({ eligible: true, accountId: 'fake-campaign', sender: 'ŞİRKET' }) });
    expect(problemsOf(checkSelect(provider, 'CAMPAIGN'))).toContain('not a valid sender ID');
  });

  it('flags a default sender the provider refuses when asked for by name', () => {
    const fake = createFakeProvider({ id: 'fake' });
    const provider = providerWith({
      select: (message: Parameters<Provider['select']>[0]) =>
        message.sender === undefined ? { eligible: true, accountId: 'fake-notification', sender: 'OTHER' } : fake.select(message),
    });
    expect(problemsOf(checkSelect(provider, 'NOTIFICATION'))).toContain('chose sender "OTHER" but refuses it when asked for by name');
  });

  it('flags a refusal without a reason, a throw and a malformed answer', () => {
    expect(problemsOf(checkSelect(providerWith({ select: () => ({ eligible: false, reason: ' ' }) }), 'NOTIFICATION'))).toContain('gives no reason');
    const throwing = providerWith({
      select: () => {
        throw new Error('boom');
      },
    });
    expect(problemsOf(checkSelect(throwing, 'NOTIFICATION'))).toContain('threw Error: boom');
    expect(problemsOf(checkSelect(providerWith({ select: () => ({ ok: true }) }), 'CAMPAIGN'))).toContain('returned {"ok":true}');
  });

  it('flags a provider that accepts any sender, or refuses it without naming it', () => {
    const fake = createFakeProvider({ id: 'fake' });
    const anySender = providerWith({
      select: (message: Parameters<Provider['select']>[0]) => ({ ...fake.select({ ...message, sender: undefined }), ...(message.sender ? { sender: message.sender } : {}) }),
    });
    expect(problemsOf(checkUnknownSender(anySender))).toContain(`accepted sender "${UNKNOWN_SENDER}"`);

    const vague = providerWith({
      select: (message: Parameters<Provider['select']>[0]) => (message.sender ? { eligible: false, reason: 'sender not allowed' } : fake.select(message)),
    });
    expect(problemsOf(checkUnknownSender(vague))).toContain('the reason does not name it');
  });

  it('flags a provider that accepts a text in an encoding it does not declare', () => {
    const provider = providerWith({ capabilities: { maxRecipientsPerRequest: 800, encodings: ['GSM7'], deliveryStatus: true, scheduling: false } });
    const problems = checkUnsupportedEncodings(provider);
    expect(problemsOf(problems)).toContain('select(NOTIFICATION) accepted a UCS2 text');
    expect(problems.join('\n')).toContain('select(CAMPAIGN) accepted a GSM7_TURKISH_SHIFT text');
  });
});

describe('CAMPAIGN account checks', () => {
  it('flags a provider that does not declare campaignAccountIds', () => {
    expect(problemsOf(checkCampaignAccounts(providerWith({ campaignAccountIds: undefined })))).toContain('campaignAccountIds must be declared');
  });

  it('flags a declared account that is not in accountIds', () => {
    expect(problemsOf(checkCampaignAccounts(providerWith({ campaignAccountIds: ['fake-campaign', 'ghost'] })))).toContain('lists "ghost", which is not in accountIds');
  });

  it('flags a select() that picks an undeclared account for a CAMPAIGN message', () => {
    const provider = providerWith({ select: () => ({ eligible: true, accountId: 'fake-notification', sender: 'ROTA' }) });
    expect(problemsOf(checkCampaignAccounts(provider))).toContain('select(CAMPAIGN) chose account "fake-notification", which campaignAccountIds does not list');
  });

  it('accepts a provider with no CAMPAIGN account that refuses CAMPAIGN', () => {
    const fake = createFakeProvider({ id: 'fake', accounts: [{ accountId: 'n', iysType: 'NOTIFICATION' }] });
    expect(checkCampaignAccounts(fake)).toEqual([]);
    expect(fake.campaignAccountIds).toEqual([]);
  });
});

describe('send checks', () => {
  async function sendProblems(send: Provider['send'], expectsAcceptance = true): Promise<string> {
    return problemsOf(await checkSend({ provider: providerWith({ send }), expectsAcceptance }));
  }

  it('flags receipts out of order, missing or without ids', async () => {
    const fake = createFakeProvider({ id: 'fake' });
    expect(
      await sendProblems(async (request) => {
        const { receipts } = await fake.send(request);
        return { receipts: [...receipts].reverse() };
      }),
    ).toContain('receipt 0 is for "+905051112255"; request recipient 0 is "+905321112233"');
    expect(
      await sendProblems(async (request) => {
        const { receipts } = await fake.send(request);
        return { receipts: receipts.slice(1) };
      }),
    ).toContain('send() returned 2 receipt(s) for 3 recipient(s)');
    expect(
      await sendProblems(async (request) => ({ receipts: request.recipients.map((to) => ({ status: 'accepted' as const, to, providerMessageId: '' })) })),
    ).toContain('receipt 0 is accepted without a providerMessageId');
    expect(
      await sendProblems(async (request) => ({ receipts: request.recipients.map((to) => ({ status: 'accepted' as const, to, providerMessageId: 'same' })) })),
    ).toContain('receipt 1 repeats providerMessageId "same"');
  });

  it('flags a provider that changes the recipient list it was handed (the router shares it with the results)', async () => {
    const fake = createFakeProvider({ id: 'fake' });
    const problems = await sendProblems(async (request) => {
      (request.recipients as string[]).sort();
      return fake.send(request);
    });
    expect(problems).toContain('expected to accept but threw');
    expect(problems).toContain('read only');
  });

  it('flags an accepting subject whose every recipient is rejected, or that throws', async () => {
    expect(await sendProblems(async (request) => ({ receipts: request.recipients.map((to) => ({ status: 'rejected' as const, to, reason: 'no' })) }))).toContain(
      'every recipient was rejected',
    );
    expect(
      await sendProblems(async () => {
        throw new ProviderError('retryable', 'busy', { code: '503' });
      }),
    ).toContain('expected to accept but threw: ProviderError(retryable, 503: busy)');
  });

  it('flags a stub that accepts, throws a plain error or fails with the wrong kind', async () => {
    const fake = createFakeProvider({ id: 'fake' });
    expect(await sendProblems((request) => fake.send(request), false)).toContain('resolved instead of failing with provider-unavailable');
    expect(
      await sendProblems(async () => {
        throw new TypeError('undefined is not a function');
      }, false),
    ).toContain('threw TypeError: undefined is not a function; a provider may only throw a ProviderError');
    expect(
      await sendProblems(async () => {
        throw new ProviderError('retryable', 'not yet');
      }, false),
    ).toContain('failed with kind "retryable", expected "provider-unavailable"');
    expect(
      await sendProblems(async () => {
        throw new ProviderError('provider-unavailable', '');
      }, false),
    ).toContain('without a reason');
  });

  it('flags a provider that ignores an aborted signal or throws a plain error for it', async () => {
    const fake = createFakeProvider({ id: 'fake' });
    const ignoring = providerWith({ send: (request: SendRequest) => fake.send(request) });
    expect(problemsOf(await checkAbortedSend(accepting(ignoring)))).toContain('returned 3 receipt(s) instead of rejecting');
    const plain = providerWith({
      send: async (_request: SendRequest, options?: { signal?: AbortSignal }) => {
        options?.signal?.throwIfAborted();
        throw new Error('unreachable');
      },
    });
    expect(problemsOf(await checkAbortedSend(stub(plain)))).toContain('not a ProviderError');
  });

  it('cannot build a request for an accepting subject that nothing is eligible for', () => {
    const provider = providerWith({ select: () => ({ eligible: false, reason: 'closed for the holidays' }) });
    expect(contractRequest(accepting(provider))).toContain('found no eligible account');
    expect(contractRequest(stub(provider))).toMatchObject({ accountId: 'fake-notification', recipients: ['+905321112233', '+905421112244', '+905051112255'] });
  });

  it('normalises the subject recipients, flags bad ones and respects the recipient cap', () => {
    const provider = createFakeProvider({ id: 'fake', maxRecipientsPerRequest: 2 });
    expect(contractRequest({ provider, expectsAcceptance: true, recipients: ['0532 111 22 33', '905421112244', '5051112255'] })).toMatchObject({
      recipients: ['+905321112233', '+905421112244'],
    });
    expect(contractRequest({ provider, expectsAcceptance: true, recipients: ['0212 111 22 33'] })).toContain('subject.recipients: "0212 111 22 33"');
  });
});

describe('status, health and close checks', () => {
  it('flags a status() that does not return an array or returns bad reports', async () => {
    expect(problemsOf(await checkStatus(accepting(providerWith({ status: async () => ({}) }))))).toContain('must return an array');
    const bad = providerWith({ status: async () => [{ providerMessageId: 'elsewhere-1', state: 'lost', final: 'yes', reason: 'because' }] });
    const problems = await checkStatus(accepting(bad));
    expect(problems).toEqual([
      'status() report 0 is about "elsewhere-1", which was not asked for',
      'status() report 0 has unknown state "lost"',
      'status() report 0 has unknown reason "because"',
      'status() report 0 has final "yes", not a boolean',
    ]);
  });

  it('lets a stub refuse status() with a ProviderError, but not with anything else', async () => {
    const refusing = providerWith({
      send: async () => {
        throw new ProviderError('provider-unavailable', 'stub');
      },
      status: async () => {
        throw new ProviderError('provider-unavailable', 'stub');
      },
    });
    expect(await checkStatus(stub(refusing))).toEqual([]);
    const buggy = providerWith({
      status: async () => {
        throw new Error('oops');
      },
    });
    expect(problemsOf(await checkStatus(stub(buggy)))).toContain('status() threw: Error: oops');
  });

  it('flags health() about unknown accounts or without a boolean', async () => {
    const unknown = providerWith({ health: async () => ({ healthy: true, accounts: [{ accountId: 'ghost', healthy: true, detail: 'ok' }] }) });
    expect(problemsOf(await checkHealth(accepting(unknown)))).toContain('"ghost", which is not in accountIds');
    const vague = providerWith({ health: async () => ({ healthy: 'mostly', accounts: [] }) });
    expect(problemsOf(await checkHealth(accepting(vague)))).toContain('health().healthy must be a boolean');
  });

  it('flags a close() that fails the second time', async () => {
    let closed = false;
    const provider = providerWith({
      close: async () => {
        if (closed) throw new Error('already closed');
        closed = true;
      },
    });
    expect(await checkClose(accepting(provider))).toEqual(['close() (second call) threw: Error: already closed']);
  });

  it('finds nothing wrong with the fake', async () => {
    const subject = accepting(createFakeProvider({ id: 'fake' }));
    const all = [
      ...checkId(subject.provider),
      ...checkCapabilities(subject.provider),
      ...checkAccountIds(subject.provider),
      ...checkCampaignAccounts(subject.provider),
      ...checkSelect(subject.provider, 'NOTIFICATION'),
      ...checkSelect(subject.provider, 'CAMPAIGN'),
      ...checkUnknownSender(subject.provider),
      ...checkUnsupportedEncodings(subject.provider),
      ...(await checkSend(subject)),
      ...(await checkAbortedSend(subject)),
      ...(await checkStatus(subject)),
      ...(await checkHealth(subject)),
      ...(await checkClose(subject)),
    ];
    expect(all).toEqual([]);
  });
});
