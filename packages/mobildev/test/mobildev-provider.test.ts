import { inspect } from 'node:util';
import { createRouter } from '@rota/core';
import { analyzeText, maskPhoneNumber, ProviderError, type Logger } from '@rota/provider';
import { startSandbox, type Sandbox } from '@rota/figensoft-sandbox';
import { providerErrorOf, startRecordingServer } from '@rota/testkit';
import { type MobildevProvider } from '../src/index.js';
import { APPROVED, CAMPAIGN_PASSWORD, CONSENT, configFor, createMobildev, mobileNumbers, NOT_APPROVED, NOTIFY_PASSWORD, OPTED_OUT, requestFor, SANDBOX_ACCOUNTS } from './fixtures.js';

let sandbox: Sandbox;
let provider: MobildevProvider;

beforeAll(async () => {
  sandbox = await startSandbox({ mobildev: { accounts: SANDBOX_ACCOUNTS }, deliveryDelayMs: 0, consent: CONSENT });
  provider = createMobildev(configFor(sandbox.urls.mobildev));
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
const records = () => sandbox.wireRecords('mobildev');
const idOf = (receipt: { status: string; providerMessageId?: string }) => (receipt.status === 'accepted' ? receipt.providerMessageId! : '');

describe('identity and select', () => {
  it('is mobildev: one account per IYS type, both declared by type, packets of up to 30,000', () => {
    expect(provider.id).toBe('mobildev');
    expect(provider.accountIds).toEqual(['mobildev-notification', 'mobildev-campaign']);
    expect(provider.campaignAccountIds).toEqual(['mobildev-campaign']);
    expect(provider.capabilities).toEqual({ maxRecipientsPerRequest: 30_000, encodings: ['GSM7', 'GSM7_TURKISH_SHIFT', 'UCS2'], deliveryStatus: true, scheduling: true, statusBatchSize: 1_000 });
  });

  it('refuses a credential with a line break or a control character, naming it and not echoing it (a CR from a Windows .env file)', () => {
    const account = { companyCode: '01234', senderList: ['ROTA'], smsIysMessageType: 'NOTIFICATION' as const };
    let thrown: unknown;
    try {
      createMobildev(configFor(sandbox.urls.mobildev, { accounts: [{ ...account, username: 'rota-notify', password: 'Pa55-w0rd-s3cr3t\r' }, { ...account, smsIysMessageType: 'CAMPAIGN', username: 'rota\tcampaign', password: 'ok-pass' }] }));
    } catch (error) {
      thrown = error;
    }
    expect(String(thrown)).toMatch(/accounts\.0\.password: must not contain line breaks/);
    expect(String(thrown)).toMatch(/accounts\.1\.username: must not contain line breaks/);
    expect(String(thrown)).not.toContain('Pa55-w0rd-s3cr3t');
  });

  it('a GSM7 account is not offered a Turkish text', async () => {
    const gsm = createMobildev(configFor(sandbox.urls.mobildev, { accounts: [{ companyCode: '01234', username: 'rota-notify', password: NOTIFY_PASSWORD, senderList: ['ROTA'], encoding: 'GSM7', smsIysMessageType: 'NOTIFICATION' }] }));
    try {
      const text = 'Şifreniz 4711';
      expect(gsm.select({ iysType: 'NOTIFICATION', recipientType: 'BIREYSEL', otp: false, text, analysis: analyzeText(text) })).toMatchObject({ eligible: false, field: 'text' });
      expect(gsm.capabilities.encodings).toEqual(['GSM7']);
    } finally {
      await gsm.close();
    }
  });
});

describe('send', () => {
  it('a NOTIFICATION goes as MessageType N; one packet id, ids <packet>-<number>', async () => {
    const recipients = ['+905321112233', '+905421112244'];
    const { receipts } = await provider.send({ ...notification(), recipients });
    const sent = records();
    expect(sent.map((r) => [r.account, r.sender, r.commercial])).toEqual([
      ['rota-notify-01234', 'ROTA', false],
      ['rota-notify-01234', 'ROTA', false],
    ]);
    expect(receipts).toEqual(recipients.map((to, i) => ({ status: 'accepted', to, providerMessageId: sent[i]!.messageId })));
  });

  it('a text reaches Mobildev as written, line breaks included: CR LF and a lone CR are not read as LF, ]]> and markup stay text', async () => {
    const text = 'Satır 1\r\nSatır 2\rSatır 3\n<b>&amp;</b> ]]> son';
    const { receipts } = await provider.send(notification({ text }));
    expect(receipts).toEqual([expect.objectContaining({ status: 'accepted' })]);
    // The sandbox reads the body as an XML parser does (CR and CR LF read as LF, character references resolved).
    expect(records().map((r) => r.text)).toEqual([text]);
  });

  it('a CAMPAIGN goes as MessageType C with the recipient type, through the CAMPAIGN account', async () => {
    await provider.send(campaign(APPROVED, { recipientType: 'TACIR' }));
    expect(records()).toEqual([expect.objectContaining({ account: 'rota-campaign-01234', commercial: true, recipientType: 'TACIR' })]);
  });

  it('the router sends 30,001 numbers in 2 packets', async () => {
    const router = createRouter({ providers: [{ provider, rank: 2 }] });
    try {
      const before = sandbox.requestCount();
      const results = await router.sendBulk({ to: mobileNumbers(30_001), text: 'Toplu', iysType: 'NOTIFICATION' });
      expect(sandbox.requestCount() - before).toBe(2);
      expect(results.every((r) => r.status === 'accepted')).toBe(true);
    } finally {
      await router.close();
    }
  });

  it.each([
    ['01', 'provider-unavailable'],
    ['02', 'provider-unavailable'],
    ['03', 'provider-unavailable'],
    ['05', 'provider-unavailable'],
    ['06', 'provider-unavailable'],
    ['10', 'retryable'],
    ['11', 'retryable'],
    ['21', 'provider-unavailable'],
    ['22', 'provider-unavailable'],
    ['23', 'message-rejected'],
    ['24', 'provider-unavailable'],
    ['25', 'provider-unavailable'],
    ['26', 'provider-unavailable'],
    ['99', 'outcome-unknown'],
  ])('Mobildev answering %s → %s', async (code, kind) => {
    sandbox.injectFault({ kind: 'status-code', statusCode: Number(code), wire: 'mobildev', endpoint: 'Action 0' });
    const error = await providerErrorOf(provider.send(notification()));
    expect(error).toMatchObject({ kind, code });
    expect(error.message).toContain('mobildev-notification');
  });

  it('real refusals: a wrong password 01, no credit 02, an unknown originator 06', async () => {
    const wrong = createMobildev(configFor(sandbox.urls.mobildev, { accounts: [{ companyCode: '01234', username: 'rota-notify', password: 'Wr0ng-Pa55', senderList: ['ROTA'], smsIysMessageType: 'NOTIFICATION' }] }));
    const misconfigured = createMobildev(configFor(sandbox.urls.mobildev, { accounts: [{ companyCode: '01234', username: 'rota-notify', password: NOTIFY_PASSWORD, senderList: ['NOTMINE'], smsIysMessageType: 'NOTIFICATION' }] }));
    try {
      const error = await providerErrorOf(wrong.send(requestFor(wrong, { to: '+905321112233', text: 'x', iysType: 'NOTIFICATION' })));
      expect(error).toMatchObject({ kind: 'provider-unavailable', code: '01' });
      expect(error.message).not.toContain('Wr0ng-Pa55');
      expect(await providerErrorOf(misconfigured.send(requestFor(misconfigured, { to: '+905321112233', text: 'x', iysType: 'NOTIFICATION' })))).toMatchObject({ code: '06' });
    } finally {
      await wrong.close();
      await misconfigured.close();
    }
    sandbox.setWireCredit('mobildev', 'rota-notify-01234', 0);
    try {
      expect(await providerErrorOf(provider.send(notification()))).toMatchObject({ kind: 'provider-unavailable', code: '02' });
    } finally {
      sandbox.setWireCredit('mobildev', 'rota-notify-01234', 1_000_000);
    }
  });

  it.each([
    [503, 'retryable'],
    [502, 'provider-unavailable'],
    [504, 'outcome-unknown'],
  ])('a bare HTTP %i → %s', async (httpStatus, kind) => {
    sandbox.injectFault({ kind: 'http-error', httpStatus, wire: 'mobildev' });
    expect(await providerErrorOf(provider.send(notification()))).toMatchObject({ kind, code: `HTTP_${httpStatus}` });
  });

  it('hang, reset after acceptance and a garbled answer → outcome-unknown; already aborted → retryable', async () => {
    sandbox.injectFault({ kind: 'hang', wire: 'mobildev' });
    expect(await providerErrorOf(provider.send(notification(), { signal: AbortSignal.timeout(150) }))).toMatchObject({ kind: 'outcome-unknown', code: 'aborted' });
    sandbox.clearFaults();
    sandbox.injectFault({ kind: 'reset', afterAccept: true, wire: 'mobildev' });
    expect((await providerErrorOf(provider.send(notification()))).kind).toBe('outcome-unknown');
    expect(records()).toHaveLength(1);
    sandbox.clearFaults();
    sandbox.injectFault({ kind: 'garbled', wire: 'mobildev' });
    expect(await providerErrorOf(provider.send(notification()))).toMatchObject({ kind: 'outcome-unknown', code: 'garbled-response' });
    expect(await providerErrorOf(provider.send(notification(), { signal: AbortSignal.abort() }))).toMatchObject({ kind: 'retryable', code: 'aborted' });
  });
  it('each account has its own connections: one account hanging does not hold up another', async () => {
    // One connection each; with one pool for both, the second send would queue behind the hung one.
    const subject = createMobildev(configFor(sandbox.urls.mobildev, { connections: 1 }));
    sandbox.injectFault({ kind: 'hang', wire: 'mobildev', account: 'rota-campaign-01234' });
    try {
      const hung = providerErrorOf(subject.send(requestFor(subject, { to: APPROVED, text: 'x', iysType: 'CAMPAIGN' }), { signal: AbortSignal.timeout(1_500) }));
      await new Promise((resolve) => setTimeout(resolve, 50)); // the hung request goes first
      const other = await subject.send(requestFor(subject, { to: '+905421112244', text: 'x', iysType: 'NOTIFICATION' }), { signal: AbortSignal.timeout(1_000) });
      expect(other.receipts).toEqual([expect.objectContaining({ status: 'accepted' })]);
      expect(await hung).toMatchObject({ kind: 'outcome-unknown', code: 'aborted' });
    } finally {
      sandbox.clearFaults();
      await subject.close();
    }
  });
});

describe('delivery reports by pull (Action 3)', () => {
  it('reads the asked numbers of a packet: delivered, and undelivered (final) for consent refusals, with the line kept as the code', async () => {
    const { receipts } = await provider.send({ ...campaign(APPROVED), recipients: [APPROVED, NOT_APPROVED, OPTED_OUT] });
    const ids = receipts.map(idOf);
    const reports = await provider.status({ accountId: 'mobildev-campaign', providerMessageIds: [ids[2]!, ids[0]!, ids[1]!] });
    expect(reports.map((r) => [r.providerMessageId, r.state, r.final, r.to])).toEqual([
      [ids[2], 'undelivered', true, OPTED_OUT],
      [ids[0], 'delivered', true, APPROVED],
      [ids[1], 'undelivered', true, NOT_APPROVED],
    ]);
    expect(reports[0]!.providerCode).toMatch(/^3 .*IYS-RET/);
  });

  it('reads 30 packets in 2 reports (25 packet ids a call)', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) ids.push(idOf((await provider.send(notification({ to: mobileNumbers(1, 500 + i)[0]! }))).receipts[0]!));
    const before = sandbox.requestCount();
    const reports = await provider.status({ accountId: 'mobildev-notification', providerMessageIds: ids });
    expect(sandbox.requestCount() - before).toBe(2);
    expect(reports.map((r) => r.state)).toEqual(ids.map(() => 'delivered'));
  });

  it('a packet Mobildev does not know yet (02) is queued, not final; an unreadable id is not found', async () => {
    const reports = await provider.status({ accountId: 'mobildev-notification', providerMessageIds: ['123+905321112233', 'nonsense'] });
    expect(reports).toEqual([
      { providerMessageId: '123+905321112233', state: 'queued', final: false, providerCode: '02' },
      { providerMessageId: 'nonsense', state: 'unknown', reason: 'not-found', final: false },
    ]);
  });

  it('maps a failed read like a send', async () => {
    sandbox.injectFault({ kind: 'status-code', statusCode: 1, wire: 'mobildev', endpoint: 'Action 3' });
    expect(await providerErrorOf(provider.status({ accountId: 'mobildev-notification', providerMessageIds: ['1+905321112233'] }))).toMatchObject({ kind: 'provider-unavailable', code: '01' });
  });

  it('takes no pushed reports: Mobildev has none to push', () => {
    expect(provider.receiveReports).toBeUndefined();
  });
});

describe('health (Action 4)', () => {
  it('reports each account\'s credit; none left, a wrong password, an unreachable API are unhealthy', async () => {
    const health = await provider.health();
    expect(health.accounts.map((a) => [a.accountId, a.healthy])).toEqual([
      ['mobildev-notification', true],
      ['mobildev-campaign', true],
    ]);
    expect(health.accounts[1]!.detail).toContain('1 approved originator(s)');
    sandbox.setWireCredit('mobildev', 'rota-campaign-01234', 0);
    try {
      expect((await provider.health()).accounts[1]).toMatchObject({ healthy: false, balance: 0 });
    } finally {
      sandbox.setWireCredit('mobildev', 'rota-campaign-01234', 1_000_000);
    }
    sandbox.injectFault({ kind: 'status-code', statusCode: 1, wire: 'mobildev', endpoint: 'Action 4' });
    expect((await provider.health()).accounts[0]).toMatchObject({ healthy: false, detail: expect.stringContaining('code 01') });
    sandbox.clearFaults();
    const probe = await startRecordingServer();
    const origin = probe.origin;
    await probe.close();
    const unreachable = createMobildev(configFor(origin));
    try {
      expect((await unreachable.health()).healthy).toBe(false);
    } finally {
      await unreachable.close();
    }
  });
});

describe('secrets', () => {
  const KNOWN = 'Kn0wn-Mobildev-Pa55<&>';
  function capturingLogger(lines: string[]): Logger {
    const log = (level: string) => (fields: Record<string, unknown>, text: string) => lines.push(`${level} ${text} ${JSON.stringify(fields)} ${inspect(fields, { depth: 10 })}`);
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
    ['a wrong password', () => undefined],
    ['a garbled answer', () => sandbox.injectFault({ kind: 'garbled', wire: 'mobildev' })],
    ['a reset', () => sandbox.injectFault({ kind: 'reset', afterAccept: true, wire: 'mobildev' })],
    ['an HTTP error', () => sandbox.injectFault({ kind: 'http-error', httpStatus: 503, wire: 'mobildev' })],
  ])('never let the password out on %s', async (_name, arrange) => {
    arrange();
    const lines: string[] = [];
    const subject = createMobildev(configFor(sandbox.urls.mobildev, { accounts: [{ companyCode: '01234', username: 'rota-notify', password: KNOWN, senderList: ['ROTA'], smsIysMessageType: 'NOTIFICATION' }] }), { logger: capturingLogger(lines) });
    try {
      const sendError = await providerErrorOf(subject.send(requestFor(subject, { to: '+905321112233', text: 'x', iysType: 'NOTIFICATION' })));
      const statusError = await subject.status({ accountId: 'mobildev-notification', providerMessageIds: ['1+905321112233'] }).catch((e: unknown) => e);
      const health = await subject.health();
      expect(sendError).toBeInstanceOf(ProviderError);
      const everything = [everythingIn(sendError), everythingIn(statusError), JSON.stringify(health), JSON.stringify(subject), inspect(subject, { depth: 10, showHidden: true }), ...lines].join('\n');
      for (const secret of [KNOWN, 'Kn0wn-Mobildev-Pa55&lt;', NOTIFY_PASSWORD, CAMPAIGN_PASSWORD]) expect(everything).not.toContain(secret);
    } finally {
      await subject.close();
    }
  });

  it('logs masked phone numbers only', async () => {
    const lines: string[] = [];
    sandbox.injectFault({ kind: 'status-code', statusCode: 2, wire: 'mobildev' });
    const subject = createMobildev(configFor(sandbox.urls.mobildev), { logger: capturingLogger(lines) });
    try {
      await providerErrorOf(subject.send(requestFor(subject, { to: '+905321112233', text: 'x', iysType: 'NOTIFICATION' })));
      expect(lines.join('\n')).not.toContain('5321112233');
      expect(lines.join('\n')).toContain(maskPhoneNumber('+905321112233'));
    } finally {
      await subject.close();
    }
  });
});

describe('configuration and close', () => {
  it('companyCode may be left out for an API-key account (UserName = the key as it is)', async () => {
    const keyAccount = await startSandbox({ mobildev: { accounts: [{ username: '48213', password: 'api-secret-0123456789abcdef0123456789', senders: ['ROTA'] }] }, deliveryDelayMs: 0 });
    const subject = createMobildev({ baseUrl: keyAccount.urls.mobildev, accounts: [{ username: '48213', password: 'api-secret-0123456789abcdef0123456789', senderList: ['ROTA'], smsIysMessageType: 'NOTIFICATION' }] });
    try {
      await subject.send(requestFor(subject, { to: '+905321112233', text: 'x', iysType: 'NOTIFICATION' }));
      expect(keyAccount.wireRecords('mobildev')[0]!.account).toBe('48213');
    } finally {
      await subject.close();
      await keyAccount.close();
    }
  });

  it('close is idempotent and refuses work afterwards', async () => {
    const subject = createMobildev(configFor(sandbox.urls.mobildev));
    await subject.close();
    await subject.close();
    expect(await providerErrorOf(subject.send({ ...notification(), accountId: 'mobildev-notification' }))).toMatchObject({ kind: 'provider-unavailable', code: 'closed' });
    expect((await subject.health()).healthy).toBe(false);
  });
});
