import { inspect } from 'node:util';
import { createRouter } from '@rota/core';
import { analyzeText, maskPhoneNumber, ProviderError, type Logger } from '@rota/provider';
import { startSandbox, type Sandbox } from '@rota/figensoft-sandbox';
import { createFakeProvider, providerErrorOf, startRecordingServer } from '@rota/testkit';
import { createMessageCenterProvider as create, MESSAGE_CENTER_CAPABILITIES, type MessageCenterConfigInput, type MessageCenterProvider, type MessageCenterProviderOptions } from '../src/index.js';
import { APPROVED, CONSENT, configFor, HASH, KEY, mobileNumbers, NOT_APPROVED, OPTED_OUT, OTP_HASH, OTP_KEY, PUSH_TOKEN, requestFor, SANDBOX_ACCOUNTS, waitFor } from './fixtures.js';

/** Without `simulate` the factory builds the real provider, with status, health and close. */
const createMessageCenterProvider = (config: MessageCenterConfigInput, options?: MessageCenterProviderOptions) => create(config, options) as MessageCenterProvider;

let sandbox: Sandbox;
let provider: MessageCenterProvider;

beforeAll(async () => {
  sandbox = await startSandbox({ messageCenter: { accounts: SANDBOX_ACCOUNTS, duplicateWindowMs: 0 }, deliveryDelayMs: 0, consent: CONSENT });
  provider = createMessageCenterProvider(configFor(sandbox.urls.messageCenter, { pushToken: PUSH_TOKEN }));
});
afterAll(async () => {
  await provider.close();
  await sandbox.close();
});
afterEach(() => {
  sandbox.clearFaults();
  sandbox.clearRecords();
});

const notification = (extra: Record<string, unknown> = {}) => requestFor(provider, { to: '+905321112233', text: 'Kodunuz: 482913', iysType: 'NOTIFICATION', ...extra });
const campaign = (to: string, extra: Record<string, unknown> = {}) => requestFor(provider, { to, text: 'Kış indirimi başladı', iysType: 'CAMPAIGN', ...extra });
const records = () => sandbox.wireRecords('message-center');

describe('identity', () => {
  it('is message-center, with account ids from sender and IYS types, and its capabilities', () => {
    expect(provider.id).toBe('message-center');
    expect(provider.accountIds).toEqual(['message-center-ROTAOTP-notification', 'message-center-ROTA']);
    expect(provider.campaignAccountIds).toEqual(['message-center-ROTA']);
    expect(provider.capabilities).toEqual({ maxRecipientsPerRequest: 50_000, encodings: ['GSM7', 'GSM7_TURKISH_SHIFT', 'UCS2'], deliveryStatus: true, scheduling: true, statusBatchSize: 1_000, turkishNumbersOnly: true });
    expect(MESSAGE_CENTER_CAPABILITIES).toBe(provider.capabilities);
  });
});

describe('select', () => {
  const message = (iysType: 'NOTIFICATION' | 'CAMPAIGN', text = 'Merhaba', sender?: string) => ({ iysType, recipientType: 'BIREYSEL' as const, otp: false, text, analysis: analyzeText(text), ...(sender ? { sender } : {}) });

  it('takes the first account serving the IYS type, with its sender', () => {
    expect(provider.select(message('NOTIFICATION'))).toEqual({ eligible: true, accountId: 'message-center-ROTAOTP-notification', sender: 'ROTAOTP' });
    expect(provider.select(message('CAMPAIGN'))).toEqual({ eligible: true, accountId: 'message-center-ROTA', sender: 'ROTA' });
    expect(provider.select(message('NOTIFICATION', 'x', 'ROTA'))).toEqual({ eligible: true, accountId: 'message-center-ROTA', sender: 'ROTA' });
  });

  it('refuses a sender no account of that type has, naming it', () => {
    expect(provider.select(message('CAMPAIGN', 'x', 'ROTAOTP'))).toMatchObject({ eligible: false, field: 'sender', reason: expect.stringContaining('"ROTAOTP"') });
  });

  it('refuses a text over 7 parts (453), so the router tries the next provider', () => {
    expect(provider.select(message('NOTIFICATION', 'a'.repeat(7 * 153)))).toMatchObject({ eligible: true });
    expect(provider.select(message('NOTIFICATION', 'a'.repeat(7 * 153 + 1)))).toEqual({ eligible: false, field: 'text', reason: expect.stringContaining('at most 7') });
  });
});

describe('send', () => {
  it('sends a NOTIFICATION as iys "0": one order, one accepted receipt per recipient, ids the reports can be matched by', async () => {
    const recipients = ['+905321112233', '+905421112244'];
    const { receipts } = await provider.send({ ...notification(), recipients });
    const sent = records();
    expect(sent.map((r) => [r.account, r.sender, r.text, r.commercial])).toEqual(recipients.map(() => [OTP_KEY, 'ROTAOTP', 'Kodunuz: 482913', false]));
    expect(receipts).toEqual(recipients.map((to, i) => ({ status: 'accepted', to, providerMessageId: sent[i]!.messageId })));
  });

  it('sends a CAMPAIGN as iys "1" with the recipient type as iysList', async () => {
    await provider.send(campaign(APPROVED, { recipientType: 'TACIR' }));
    expect(records()).toEqual([expect.objectContaining({ account: KEY, commercial: true, recipientType: 'TACIR', receiver: APPROVED.slice(1) })]);
  });

  it('passes sendAt as sendDateTime', async () => {
    const sendAt = new Date(Date.now() + 3_600_000);
    sendAt.setUTCSeconds(0, 0);
    await provider.send(notification({ sendAt }));
    expect(records()[0]!.sendAt).toBe(sendAt.getTime());
  });

  it('answers no receipts for no recipients, without a request', async () => {
    const before = sandbox.requestCount();
    expect(await provider.send({ ...notification(), recipients: [] })).toEqual({ receipts: [] });
    expect(sandbox.requestCount()).toBe(before);
  });

  it('is not offered a number abroad (its wire answers "invalid number", final): the router passes it to the next rank', async () => {
    const next = createFakeProvider({ id: 'elsewhere' });
    const router = createRouter({ providers: [{ provider, rank: 1 }, { provider: next, rank: 2 }] });
    try {
      const before = sandbox.requestCount();
      const result = await router.send({ to: '+447911123456', text: 'Your code: 1234', iysType: 'NOTIFICATION' });
      expect(result).toMatchObject({ status: 'accepted', providerId: 'elsewhere' });
      expect(sandbox.requestCount()).toBe(before);
    } finally {
      await router.close();
    }
  });

  it('the router sends a bulk in the fewest orders the wire allows: 50,001 numbers in 2 requests', async () => {
    const router = createRouter({ providers: [{ provider, rank: 1 }] });
    try {
      const numbers = mobileNumbers(50_001);
      const before = sandbox.requestCount();
      const results = await router.sendBulk({ to: numbers, text: 'Toplu duyuru', iysType: 'NOTIFICATION' });
      expect(sandbox.requestCount() - before).toBe(2);
      expect(results.every((r) => r.status === 'accepted')).toBe(true);
      expect(records()).toHaveLength(50_001);
      expect(new Set(results.map((r) => r.status === 'accepted' && r.providerMessageId)).size).toBe(50_001);
    } finally {
      await router.close();
    }
  });
});

describe('send failures: every code of the table, as the sandbox answers it', () => {
  it.each([
    [400, 'provider-unavailable'],
    [401, 'provider-unavailable'],
    [402, 'provider-unavailable'],
    [403, 'provider-unavailable'],
    [404, 'provider-unavailable'],
    [422, 'provider-unavailable'],
    [429, 'retryable'],
    [450, 'provider-unavailable'],
    [451, 'outcome-unknown'],
    [452, 'message-rejected'],
    [453, 'provider-unavailable'],
    [454, 'message-rejected'],
    [455, 'provider-unavailable'],
    [456, 'retryable'],
    [457, 'provider-unavailable'],
    [458, 'provider-unavailable'],
    [459, 'provider-unavailable'],
    [460, 'provider-unavailable'],
    [466, 'message-rejected'],
    [468, 'provider-unavailable'],
    [469, 'provider-unavailable'],
    [470, 'provider-unavailable'],
    [503, 'retryable'],
    [471, 'outcome-unknown'],
    [500, 'retryable'],
    [502, 'retryable'],
  ])('code %i → %s, carrying the code and the account id', async (code, kind) => {
    sandbox.injectFault({ kind: 'status-code', statusCode: code, wire: 'message-center', endpoint: 'send-sms' });
    const error = await providerErrorOf(provider.send(notification()));
    expect(error).toMatchObject({ kind, code: String(code) });
    expect(error.message).toContain('message-center-ROTAOTP-notification');
  });

  it.each([429, 503])('code %i in the envelope with Retry-After → retryable, waiting as long as Message Center asks', async (code) => {
    sandbox.injectFault({ kind: 'status-code', statusCode: code, retryAfterSeconds: 3, wire: 'message-center', endpoint: 'send-sms' });
    expect(await providerErrorOf(provider.send(notification()))).toMatchObject({ kind: 'retryable', code: String(code), retryAfterMs: 3_000 });
  });

  it('real refusals: a bad hash 401, no credit 402, an invalid number 466, a duplicate order 451', async () => {
    const bad = createMessageCenterProvider(configFor(sandbox.urls.messageCenter, { accounts: [{ key: OTP_KEY, hash: 'Wr0ng-Hash-Value', sender: 'ROTAOTP', iysTypes: ['NOTIFICATION'] }] }));
    try {
      const error = await providerErrorOf(bad.send(requestFor(bad, { to: '+905321112233', text: 'x', iysType: 'NOTIFICATION' })));
      expect(error).toMatchObject({ kind: 'provider-unavailable', code: '401' });
      expect(error.message).toContain('[account side]');
      expect(error.message).not.toContain('Wr0ng-Hash-Value');
    } finally {
      await bad.close();
    }
    sandbox.setWireCredit('message-center', OTP_KEY, 0);
    try {
      expect(await providerErrorOf(provider.send(notification()))).toMatchObject({ kind: 'provider-unavailable', code: '402' });
    } finally {
      sandbox.setWireCredit('message-center', OTP_KEY, 1_000_000);
    }
    expect(await providerErrorOf(provider.send({ ...notification(), recipients: ['+4915112345678'] }))).toMatchObject({ kind: 'message-rejected', code: '466' });
    const strict = await startSandbox({ messageCenter: { accounts: SANDBOX_ACCOUNTS }, deliveryDelayMs: 0 });
    const twice = createMessageCenterProvider(configFor(strict.urls.messageCenter));
    try {
      await twice.send(requestFor(twice, { to: '+905321112233', text: 'aynı metin', iysType: 'NOTIFICATION' }));
      expect(await providerErrorOf(twice.send(requestFor(twice, { to: '+905321112233', text: 'aynı metin', iysType: 'NOTIFICATION' })))).toMatchObject({
        kind: 'outcome-unknown',
        code: '451',
      });
    } finally {
      await twice.close();
      await strict.close();
    }
  });

  it('an order of many numbers refused for one it did not name (466): each number goes to the next provider, none lost, the breaker not counting it', async () => {
    const good = '+905321112233';
    // A Turkish landline: a valid number to Rota, not a mobile to Message Center.
    const landline = '+902122223344';
    const { receipts } = await provider.send({ ...notification(), recipients: [good, landline] });
    expect(receipts).toEqual([
      { status: 'not-taken', to: good, code: '466', reason: expect.stringContaining('refused the whole order for a number it did not name'), cause: 'request' },
      { status: 'not-taken', to: landline, code: '466', reason: expect.stringContaining('refused the whole order for a number it did not name'), cause: 'request' },
    ]);
    // 452 (every number invalid or blacklisted) stays final for the whole order: no number of it is good, and an
    // opted-out one must not go through another provider.
    sandbox.injectFault({ kind: 'status-code', statusCode: 452, wire: 'message-center', endpoint: 'send-sms' });
    expect(await providerErrorOf(provider.send({ ...notification(), recipients: [good, '+905421112244'] }))).toMatchObject({ kind: 'message-rejected', code: '452' });
    sandbox.clearFaults();
    // Through the router (which refuses a landline itself): Message Center answering 466 to orders of good numbers.
    sandbox.injectFault({ kind: 'status-code', statusCode: 466, wire: 'message-center', endpoint: 'send-sms' });
    const next = createFakeProvider({ id: 'next' });
    const router = createRouter({ providers: [{ provider, rank: 1 }, { provider: next, rank: 2 }], retry: { retries: 0 }, breaker: { volumeThreshold: 2, errorThresholdPercentage: 50, resetTimeoutMs: 60_000 } });
    try {
      for (let i = 0; i < 3; i++) {
        const results = await router.sendBulk({ to: mobileNumbers(2), text: 'Toplu duyuru', iysType: 'NOTIFICATION' });
        expect(results.map((r) => [r.status, 'providerId' in r ? r.providerId : undefined])).toEqual([
          ['accepted', 'next'],
          ['accepted', 'next'],
        ]);
      }
      // Asked each time: three such orders did not open the account's breaker.
      expect(router.status()[0]!.accounts.every((a) => a.breaker === 'closed')).toBe(true);
      expect(next.callCount).toBe(3);
    } finally {
      await router.close();
    }
  });

  it('an account without an İYS code: 470 on CAMPAIGN', async () => {
    const other = await startSandbox({ messageCenter: { accounts: [{ ...SANDBOX_ACCOUNTS[0]!, iysCodeSet: false }] }, deliveryDelayMs: 0 });
    const subject = createMessageCenterProvider(configFor(other.urls.messageCenter));
    try {
      expect(await providerErrorOf(subject.send(requestFor(subject, { to: APPROVED, text: 'Kampanya', iysType: 'CAMPAIGN' })))).toMatchObject({ kind: 'provider-unavailable', code: '470' });
    } finally {
      await subject.close();
      await other.close();
    }
  });

  it.each([
    [503, 'retryable', 3_000],
    [429, 'retryable', 3_000],
    [500, 'provider-unavailable', undefined],
    [502, 'provider-unavailable', undefined],
    [504, 'outcome-unknown', undefined],
  ])('a bare HTTP %i (no Message Center envelope) → %s', async (httpStatus, kind, retryAfterMs) => {
    sandbox.injectFault({ kind: 'http-error', httpStatus, retryAfterSeconds: 3, wire: 'message-center' });
    expect(await providerErrorOf(provider.send(notification()))).toMatchObject({ kind, code: `HTTP_${httpStatus}`, retryAfterMs });
  });

  it('the caller\'s time limit after the write, a reset after acceptance and a garbled 200 → outcome-unknown; an abort before → retryable', async () => {
    sandbox.injectFault({ kind: 'hang', wire: 'message-center' });
    expect(await providerErrorOf(provider.send(notification(), { signal: AbortSignal.timeout(150) }))).toMatchObject({ kind: 'outcome-unknown', code: 'aborted' });
    sandbox.clearFaults();
    sandbox.injectFault({ kind: 'reset', afterAccept: true, wire: 'message-center' });
    expect((await providerErrorOf(provider.send(notification()))).kind).toBe('outcome-unknown');
    expect(records()).toHaveLength(1);
    sandbox.clearFaults();
    sandbox.injectFault({ kind: 'garbled', wire: 'message-center' });
    expect(await providerErrorOf(provider.send(notification()))).toMatchObject({ kind: 'outcome-unknown', code: 'garbled-response' });
    expect(await providerErrorOf(provider.send(notification(), { signal: AbortSignal.abort() }))).toMatchObject({ kind: 'retryable', code: 'aborted' });
  });

  it('each account has its own connections: one account hanging does not hold up another', async () => {
    // One connection each; with one pool for both, the second send would queue behind the hung one.
    const subject = createMessageCenterProvider(configFor(sandbox.urls.messageCenter, { connections: 1 }));
    sandbox.injectFault({ kind: 'hang', wire: 'message-center', account: OTP_KEY });
    try {
      const hung = providerErrorOf(subject.send(requestFor(subject, { to: '+905321112233', text: 'x', iysType: 'NOTIFICATION', sender: 'ROTAOTP' }), { signal: AbortSignal.timeout(1_500) }));
      await new Promise((resolve) => setTimeout(resolve, 50)); // the hung request goes first
      const other = await subject.send(requestFor(subject, { to: '+905421112244', text: 'x', iysType: 'NOTIFICATION', sender: 'ROTA' }), { signal: AbortSignal.timeout(1_000) });
      expect(other.receipts).toEqual([expect.objectContaining({ status: 'accepted' })]);
      expect(await hung).toMatchObject({ kind: 'outcome-unknown', code: 'aborted' });
    } finally {
      sandbox.clearFaults();
      await subject.close();
    }
  });

  it('connection refused → retryable', async () => {
    const probe = await startRecordingServer();
    const origin = probe.origin;
    await probe.close();
    const refused = createMessageCenterProvider(configFor(origin));
    try {
      expect(await providerErrorOf(refused.send(requestFor(refused, { to: '+905321112233', text: 'x', iysType: 'NOTIFICATION' })))).toMatchObject({ kind: 'retryable', code: 'ECONNREFUSED' });
    } finally {
      await refused.close();
    }
  });
});

describe('delivery reports by pull (get-report)', () => {
  it('reads the asked ids of an order: delivered, and undelivered (final) for a consent refusal', async () => {
    const recipients = [APPROVED, NOT_APPROVED, OPTED_OUT];
    const { receipts } = await provider.send({ ...campaign(APPROVED), recipients });
    const ids = receipts.map((r) => (r.status === 'accepted' ? r.providerMessageId : ''));
    const reports = await provider.status({ accountId: 'message-center-ROTA', providerMessageIds: [ids[2]!, ids[0]!, ids[1]!] });
    expect(reports).toEqual([
      { providerMessageId: ids[2], state: 'undelivered', final: true, providerCode: '112', to: OPTED_OUT },
      { providerMessageId: ids[0], state: 'delivered', final: true, providerCode: '111', to: APPROVED },
      { providerMessageId: ids[1], state: 'undelivered', final: true, providerCode: '112', to: NOT_APPROVED },
    ]);
  });

  it('reads ids past the first page of 1,000 rows', async () => {
    const recipients = mobileNumbers(1_500, 100_000);
    const { receipts } = await provider.send({ ...notification(), recipients });
    const wanted = [receipts[1_499]!, receipts[0]!].map((r) => (r.status === 'accepted' ? r.providerMessageId : ''));
    const before = sandbox.requestCount();
    const reports = await provider.status({ accountId: 'message-center-ROTAOTP-notification', providerMessageIds: wanted });
    expect(reports.map((r) => [r.providerMessageId, r.state])).toEqual(wanted.map((id) => [id, 'delivered']));
    expect(sandbox.requestCount() - before).toBe(2);
  });

  it('an order the service does not know: unknown / not-found, not final; a scheduled one: queued', async () => {
    const later = new Date(Date.now() + 3_600_000);
    const { receipts } = await provider.send(notification({ sendAt: later }));
    const id = receipts[0]!.status === 'accepted' ? receipts[0]!.providerMessageId : '';
    const reports = await provider.status({ accountId: 'message-center-ROTAOTP-notification', providerMessageIds: ['1+905321112233', id, 'not-an-id'] });
    expect(reports).toEqual([
      { providerMessageId: '1+905321112233', state: 'unknown', reason: 'not-found', final: false, providerCode: '455' },
      { providerMessageId: id, state: 'queued', final: false, providerCode: '456' },
      { providerMessageId: 'not-an-id', state: 'unknown', reason: 'not-found', final: false },
    ]);
  });

  it('an order Message Center did not send or cancelled (115) is rejected for every number, whatever its row; a 110 row of an order still ahead is queued', async () => {
    // The sandbox neither cancels orders nor lists a scheduled order's rows: a recording server answers as the contract's example does.
    let order: Record<string, unknown> = {};
    const fake = await startRecordingServer(() => ({ body: JSON.stringify({ response: { status: { code: 200, message: 'İşlem başarılı' }, order } }) }));
    const subject = createMessageCenterProvider(configFor(fake.origin));
    const rows = [{ number: '+905321112233', status: 111 }, { number: '+905421112244', status: 110 }];
    const ids = ['45+905321112233', '45+905421112244'];
    try {
      order = { id: '45', status: 115, total: 2, message: rows };
      expect(await subject.status({ accountId: 'message-center-ROTA', providerMessageIds: ids })).toEqual([
        { providerMessageId: ids[0], state: 'rejected', final: true, providerCode: '115', to: '+905321112233' },
        { providerMessageId: ids[1], state: 'rejected', final: true, providerCode: '115', to: '+905421112244' },
      ]);
      order = { id: '45', status: 113, total: 2, sendAt: '2099-01-01 10:00:00', message: rows };
      expect(await subject.status({ accountId: 'message-center-ROTA', providerMessageIds: ids })).toEqual([
        { providerMessageId: ids[0], state: 'delivered', final: true, providerCode: '111', to: '+905321112233' },
        { providerMessageId: ids[1], state: 'queued', final: false, providerCode: '110', to: '+905421112244' },
      ]);
    } finally {
      await subject.close();
      await fake.close();
    }
  });

  it('maps a failed read like a send', async () => {
    sandbox.injectFault({ kind: 'status-code', statusCode: 401, wire: 'message-center', endpoint: 'get-report' });
    expect(await providerErrorOf(provider.status({ accountId: 'message-center-ROTA', providerMessageIds: ['45+905321112233'] }))).toMatchObject({ kind: 'provider-unavailable', code: '401' });
    sandbox.clearFaults();
    sandbox.injectFault({ kind: 'http-error', httpStatus: 503, wire: 'message-center', endpoint: 'get-report' });
    expect((await providerErrorOf(provider.status({ accountId: 'message-center-ROTA', providerMessageIds: ['45+905321112233'] }))).kind).toBe('retryable');
  });
});

describe('delivery reports by push (receiveReports)', () => {
  it('reads what the sandbox pushes to the notification URL, with the token; refuses a missing or wrong token', async () => {
    const hook = await startRecordingServer();
    sandbox.setPushUrl(`${hook.origin}/v1/providers/message-center/reports?token=${PUSH_TOKEN}`, 'message-center');
    try {
      const { receipts } = await provider.send({ ...campaign(APPROVED), recipients: [APPROVED, NOT_APPROVED] });
      await waitFor(() => hook.requests.length === 2);
      const received = hook.requests.map((request) => provider.receiveReports!({ url: `${hook.origin}${request.url}`, headers: request.headers, body: request.body }));
      const reports = received.flatMap((r) => (r.ok ? r.reports : []));
      expect(reports.sort((a, b) => a.providerMessageId.localeCompare(b.providerMessageId))).toEqual(
        receipts
          .map((r, i) => ({ providerMessageId: r.status === 'accepted' ? r.providerMessageId : '', state: i === 0 ? 'delivered' : 'undelivered', final: true, providerCode: i === 0 ? '111' : '112', to: [APPROVED, NOT_APPROVED][i] }))
          .sort((a, b) => a.providerMessageId.localeCompare(b.providerMessageId)),
      );
      const [first] = hook.requests;
      const tampered = (url: string) => provider.receiveReports!({ url, headers: first!.headers, body: first!.body });
      expect(tampered(`${hook.origin}/v1/providers/message-center/reports`)).toMatchObject({ ok: false, status: 401 });
      expect(tampered(`${hook.origin}/v1/providers/message-center/reports?token=${PUSH_TOKEN}x`)).toMatchObject({ ok: false, status: 401 });
      expect(provider.receiveReports!({ url: `/r?token=${PUSH_TOKEN}`, headers: {}, body: Buffer.from('{"report":{}}') })).toMatchObject({ ok: false, status: 400 });
      expect(provider.receiveReports!({ url: `/r?token=${PUSH_TOKEN}`, headers: {}, body: Buffer.from('nope') })).toMatchObject({ ok: false, status: 400 });
      // A push for no number, or no order, of ours is refused, not held for a match that cannot come.
      const pushed = (report: object) => provider.receiveReports!({ url: `/r?token=${PUSH_TOKEN}`, headers: {}, body: Buffer.from(JSON.stringify({ report })) });
      for (const to of ['not a number', '', '12']) {
        expect(pushed({ packet_id: '999998', status: 'delivered', to })).toEqual({ ok: false, status: 400, reason: 'report.packet_id must be a number and report.to a phone number' });
      }
      expect(pushed({ packet_id: 'abc', status: 'delivered', to: APPROVED })).toMatchObject({ ok: false, status: 400 });
      // Any written form of the number reads as the same id.
      for (const to of ['+90 532 111 22 33', '0532 111 22 33', '905321112233']) {
        expect(pushed({ packet_id: 7, status: 'delivered', to })).toMatchObject({ ok: true, reports: [{ providerMessageId: '7+905321112233', to: '+905321112233' }] });
      }
      // A word no table row knows keeps its own word as the code.
      expect(pushed({ packet_id: 7, status: 'sending', to: APPROVED })).toMatchObject({ ok: true, reports: [{ state: 'unknown', providerCode: 'sending' }] });
    } finally {
      sandbox.setPushUrl(undefined, 'message-center');
      await hook.close();
    }
  });

  it('refuses every push without a configured token', async () => {
    const tokenless = createMessageCenterProvider(configFor(sandbox.urls.messageCenter));
    try {
      const body = Buffer.from(JSON.stringify({ report: { id: 1, packet_id: 2, status: 'delivered', to: '+905321112233' } }));
      expect(tokenless.receiveReports!({ url: `/r?token=${PUSH_TOKEN}`, headers: {}, body })).toMatchObject({ ok: false, status: 401 });
    } finally {
      await tokenless.close();
    }
  });
});

describe('health (get-balance)', () => {
  it('reports each account\'s SMS credits', async () => {
    sandbox.setWireCredit('message-center', KEY, 777);
    try {
      const health = await provider.health();
      expect(health).toEqual({
        healthy: true,
        accounts: [
          { accountId: 'message-center-ROTAOTP-notification', healthy: true, balance: sandbox.wireAccounts('message-center')[1]!.credit, detail: expect.stringContaining('SMS credits') },
          { accountId: 'message-center-ROTA', healthy: true, balance: 777, detail: expect.stringContaining('777 SMS credits') },
        ],
      });
    } finally {
      sandbox.setWireCredit('message-center', KEY, 1_000_000);
    }
  });

  it('no credit, a bad hash and an unreachable service are unhealthy, not exceptions', async () => {
    sandbox.setWireCredit('message-center', KEY, 0);
    try {
      expect((await provider.health()).accounts[1]).toMatchObject({ healthy: false, balance: 0, detail: expect.stringContaining('no balance') });
    } finally {
      sandbox.setWireCredit('message-center', KEY, 1_000_000);
    }
    sandbox.injectFault({ kind: 'status-code', statusCode: 401, wire: 'message-center', endpoint: 'get-balance' });
    expect((await provider.health()).accounts[0]).toMatchObject({ healthy: false, detail: expect.stringContaining('authentication failed') });
    sandbox.clearFaults();
    sandbox.injectFault({ kind: 'reset', wire: 'message-center' });
    expect((await provider.health()).healthy).toBe(false);
  });
});

describe('secrets', () => {
  const KNOWN_HASH = 'Kn0wn-MC-Hash-Value!';
  const KNOWN_KEY = 'Kn0wn-MC-Key-Value';

  function capturingLogger(lines: string[]): Logger {
    const log = (level: string) => (fields: Record<string, unknown>, message: string) => lines.push(`${level} ${message} ${JSON.stringify(fields)} ${inspect(fields, { depth: 10 })}`);
    return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
  }

  function everythingIn(error: unknown): string {
    const parts: string[] = [];
    let current: unknown = error;
    for (let depth = 0; current !== undefined && depth < 10; depth++) {
      const e = current as { message?: unknown; stack?: unknown; cause?: unknown };
      parts.push(String(e.message), String(e.stack), JSON.stringify(current), inspect(current, { depth: 10, showHidden: true }));
      current = e.cause;
    }
    return parts.join('\n');
  }

  it.each([
    ['a bad login', () => undefined],
    ['a code that echoes the request', () => sandbox.injectFault({ kind: 'status-code', statusCode: 400, wire: 'message-center' })],
    ['a garbled answer', () => sandbox.injectFault({ kind: 'garbled', wire: 'message-center' })],
    ['a reset', () => sandbox.injectFault({ kind: 'reset', afterAccept: true, wire: 'message-center' })],
    ['an HTTP error', () => sandbox.injectFault({ kind: 'http-error', httpStatus: 503, wire: 'message-center' })],
  ])('never let the key or hash out on %s: errors, logs, health, the provider itself', async (_name, arrange) => {
    arrange();
    const lines: string[] = [];
    const subject = createMessageCenterProvider(
      configFor(sandbox.urls.messageCenter, { accounts: [{ key: KNOWN_KEY, hash: KNOWN_HASH, sender: 'ROTA' }], pushToken: PUSH_TOKEN }),
      { logger: capturingLogger(lines) },
    );
    try {
      const sendError = await providerErrorOf(subject.send(requestFor(subject, { to: '+905321112233', text: 'x', iysType: 'NOTIFICATION' })));
      const statusError = await subject.status({ accountId: 'message-center-ROTA', providerMessageIds: ['45+905321112233'] }).catch((e: unknown) => e);
      const health = await subject.health();
      const pushRefusal = subject.receiveReports!({ url: '/r?token=wrong', headers: {}, body: Buffer.from('{}') });
      expect(sendError).toBeInstanceOf(ProviderError);
      expect(lines.length).toBeGreaterThan(0);
      const everything = [everythingIn(sendError), everythingIn(statusError), JSON.stringify(health), JSON.stringify(pushRefusal), JSON.stringify(subject), inspect(subject, { depth: 10, showHidden: true }), ...lines].join('\n');
      for (const secret of [KNOWN_HASH, KNOWN_KEY, PUSH_TOKEN, HASH, KEY, OTP_HASH, OTP_KEY]) expect(everything).not.toContain(secret);
    } finally {
      await subject.close();
    }
  });

  it('logs masked phone numbers only', async () => {
    const lines: string[] = [];
    sandbox.injectFault({ kind: 'status-code', statusCode: 402, wire: 'message-center' });
    const subject = createMessageCenterProvider(configFor(sandbox.urls.messageCenter), { logger: capturingLogger(lines) });
    try {
      await providerErrorOf(subject.send(requestFor(subject, { to: '+905321112233', text: 'x', iysType: 'NOTIFICATION' })));
      expect(lines.join('\n')).not.toContain('5321112233');
      expect(lines.join('\n')).toContain(maskPhoneNumber('+905321112233'));
    } finally {
      await subject.close();
    }
  });
});

describe('configuration', () => {
  it('refuses an account with neither hash nor secret, or both, naming the field, never the value', () => {
    expect(() => createMessageCenterProvider({ accounts: [{ key: 'k', sender: 'ROTA' }] })).toThrow('accounts.0.hash: is required (or give secret');
    expect(() => createMessageCenterProvider({ accounts: [{ key: 'k', hash: 'h-SECRET', secret: 's-SECRET', sender: 'ROTA' }] })).toThrow(/accounts\.0\.hash: give hash or secret, not both/);
    try {
      createMessageCenterProvider({ accounts: [{ key: 'k', hash: 'h-SECRET', secret: 's-SECRET', sender: 'ROTA' }], baseUrl: 'http://example.com' });
    } catch (error) {
      expect(String(error)).not.toMatch(/SECRET/);
      expect(String(error)).toContain('baseUrl: must use https');
    }
  });

  it('with simulate (development only) stands the stub transport in for the wire', async () => {
    const simulated = create({ ...configFor(sandbox.urls.messageCenter), simulate: { latencyMs: 0 } });
    const { receipts } = await simulated.send(requestFor(simulated, { to: '+905321112233', text: 'x', iysType: 'NOTIFICATION' }));
    expect(receipts[0]).toMatchObject({ status: 'accepted', simulated: true });
    expect(records()).toEqual([]);
  });
});

describe('close', () => {
  it('is idempotent and refuses work afterwards', async () => {
    const subject = createMessageCenterProvider(configFor(sandbox.urls.messageCenter));
    await subject.send(requestFor(subject, { to: '+905321112233', text: 'x', iysType: 'NOTIFICATION' }));
    await subject.close();
    await subject.close();
    expect(await providerErrorOf(subject.send(requestFor(subject, { to: '+905321112233', text: 'x', iysType: 'NOTIFICATION' })))).toMatchObject({ kind: 'provider-unavailable', code: 'closed' });
    expect((await subject.health()).healthy).toBe(false);
  });
});
