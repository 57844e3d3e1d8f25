import { createServer, type Server } from 'node:http';
import { inspect } from 'node:util';
import { analyzeText, maskPhoneNumber, ProviderError, type Logger, type ProviderErrorKind, type TextAnalysis } from '@rota/provider';
import { startSandbox, type Sandbox } from '@rota/figensoft-sandbox';
import { createFigenSoftProvider, FIGENSOFT_CAPABILITIES, MAX_TURKISH_TEXT_CHARACTERS, type FigenSoftProvider } from '../src/index.js';
import {
  CAMPAIGN,
  CAMPAIGN_PASSWORD,
  closedPortUrl,
  configFor,
  mobileNumbers,
  NOTIFY,
  NOTIFY_PASSWORD,
  rejectionOf,
  requestFor,
} from './fixtures.js';

const APPROVED = '+905321234567';
const NOT_APPROVED = '+905329990000';
const OPTED_OUT = '+905559998877';

let sandbox: Sandbox;
let provider: FigenSoftProvider;

beforeAll(async () => {
  sandbox = await startSandbox({
    accounts: [NOTIFY, CAMPAIGN],
    deliveryDelayMs: 0,
    consent: { approved: [APPROVED.slice(1)], optedOut: [OPTED_OUT.slice(1)] },
  });
  provider = createFigenSoftProvider(configFor(sandbox.url));
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

async function providerErrorOf(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await rejectionOf(promise);
  expect(error).toBeInstanceOf(ProviderError);
  return error as ProviderError;
}

describe('identity', () => {
  it('is figensoft, with one account per IYS type and the declared capabilities', () => {
    expect(provider.id).toBe('figensoft');
    expect(provider.accountIds).toEqual(['figensoft-notification', 'figensoft-campaign']);
    expect(provider.capabilities).toEqual({ maxRecipientsPerRequest: 800, encodings: ['GSM7', 'GSM7_TURKISH_SHIFT', 'UCS2'], deliveryStatus: true, scheduling: true, statusBatchSize: 500 });
    expect(FIGENSOFT_CAPABILITIES).toBe(provider.capabilities);
  });
});

describe('select', () => {
  const message = (iysType: 'NOTIFICATION' | 'CAMPAIGN', extra: { sender?: string; text?: string; analysis?: TextAnalysis } = {}) => {
    const text = extra.text ?? 'Merhaba';
    return { iysType, recipientType: 'BIREYSEL' as const, otp: false, text, analysis: extra.analysis ?? analyzeText(text), ...(extra.sender ? { sender: extra.sender } : {}) };
  };

  it('picks the account of the message IYS type and its first sender by default', () => {
    expect(provider.select(message('NOTIFICATION'))).toEqual({ eligible: true, accountId: 'figensoft-notification', sender: 'ROTA' });
    expect(provider.select(message('CAMPAIGN'))).toEqual({ eligible: true, accountId: 'figensoft-campaign', sender: 'ROTA' });
  });

  it('takes a sender from the account list', () => {
    expect(provider.select(message('NOTIFICATION', { sender: 'ROTAOTP' }))).toEqual({ eligible: true, accountId: 'figensoft-notification', sender: 'ROTAOTP' });
  });

  it('refuses a sender the account does not have, naming it', () => {
    const selection = provider.select(message('CAMPAIGN', { sender: 'ROTAOTP' }));
    expect(selection.eligible).toBe(false);
    expect(!selection.eligible && selection.reason).toContain('"ROTAOTP"');
  });

  it('is not eligible without an account for the IYS type', async () => {
    const notifyOnly = createFigenSoftProvider({ accounts: [configFor(sandbox.url).accounts[0]!] });
    try {
      expect(notifyOnly.select(message('CAMPAIGN'))).toEqual({ eligible: false, reason: 'no FigenSoft account for IYS type CAMPAIGN' });
      expect(notifyOnly.accountIds).toEqual(['figensoft-notification']);
    } finally {
      await notifyOnly.close();
    }
  });

  it(`refuses a text with Turkish characters over ${MAX_TURKISH_TEXT_CHARACTERS} characters (status -447)`, () => {
    const atLimit = 'ş'.repeat(MAX_TURKISH_TEXT_CHARACTERS);
    expect(provider.select(message('NOTIFICATION', { text: atLimit })).eligible).toBe(true);
    const over = provider.select(message('NOTIFICATION', { text: `${atLimit}ş` }));
    expect(over).toEqual({ eligible: false, field: 'text', reason: expect.stringContaining('-447') });
    const turkishShift: TextAnalysis = { encoding: 'GSM7_TURKISH_SHIFT', shift: 'single', units: 300, unit: 'septet', segments: 2, unitsPerSegment: 149 };
    expect(provider.select(message('NOTIFICATION', { text: 'ğ'.repeat(269), analysis: turkishShift })).eligible).toBe(false);
  });

  it('lets a long plain GSM-7 text through', () => {
    const gsm7: TextAnalysis = { encoding: 'GSM7', units: 600, unit: 'septet', segments: 4, unitsPerSegment: 153 };
    expect(provider.select(message('NOTIFICATION', { text: 'a'.repeat(600), analysis: gsm7 })).eligible).toBe(true);
  });

  it("counts GSM-7's own Turkish letters (Ç, Ö, Ü, ö, ü) as Turkish for the limit: a refusal would come after the send, final", () => {
    const gsm7: TextAnalysis = { encoding: 'GSM7', units: 300, unit: 'septet', segments: 2, unitsPerSegment: 153 };
    const text = `Sayın müşterimiz ${'a'.repeat(270)} Ödeme`.replace('ş', 's').replace('ı', 'i');
    expect(provider.select(message('NOTIFICATION', { text, analysis: gsm7 }))).toEqual({ eligible: false, field: 'text', reason: expect.stringContaining('-447') });
    expect(provider.select(message('NOTIFICATION', { text: `Ödeme ${'a'.repeat(200)}`, analysis: gsm7 })).eligible).toBe(true);
  });
});

describe('send', () => {
  it('answers one accepted receipt per recipient, in order, with the FigenSoft message id and the charge', async () => {
    const recipients = ['+905321112233', '+905421112244', '+905051112255'];
    const response = await provider.send(notification(), undefined);
    expect(response.receipts).toHaveLength(1);
    const many = await provider.send({ ...notification(), recipients });
    const records = sandbox.records().slice(1);
    expect(many.receipts).toEqual(
      recipients.map((to, i) => ({ status: 'accepted', to, providerMessageId: records[i]!.messageId, segmentsBilled: 1 })),
    );
    expect(records.map((r) => [r.username, r.originator, r.text])).toEqual(recipients.map(() => [NOTIFY.username, 'ROTA', 'Kodunuz: 482913']));
  });

  it('sends through the account of the IYS type with the selected sender', async () => {
    await provider.send(requestFor(provider, { to: APPROVED, text: 'Kampanya', iysType: 'CAMPAIGN', sender: 'ROTAKAMP' }));
    expect(sandbox.records()).toEqual([expect.objectContaining({ username: CAMPAIGN.username, originator: 'ROTAKAMP', receiver: APPROVED.slice(1) })]);
  });

  it('passes sendAt and validUntil as SendDate / ExpireDate', async () => {
    const sendAt = new Date('2031-01-02T03:04:00Z');
    const validUntil = new Date('2031-01-03T03:04:00Z');
    await provider.send(notification({ sendAt, validUntil }));
    expect(sandbox.records()[0]).toMatchObject({ sendAt: sendAt.getTime(), expireAt: validUntil.getTime() });
  });

  it('sends Channel OTP for otp messages only when otpChannel is on', async () => {
    await provider.send(notification({ otp: true }));
    expect(sandbox.records()[0]!.channel).toBeUndefined();
    const withChannel = createFigenSoftProvider(configFor(sandbox.url, { otpChannel: true }));
    try {
      await withChannel.send(requestFor(withChannel, { to: '+905321112233', text: 'Kod 1', iysType: 'NOTIFICATION', otp: true }));
      await withChannel.send(requestFor(withChannel, { to: '+905321112233', text: 'Kod 2', iysType: 'NOTIFICATION' }));
      expect(sandbox.records().slice(1).map((r) => r.channel)).toEqual(['OTP', undefined]);
    } finally {
      await withChannel.close();
    }
  });

  it('sends otp messages to otpBaseUrl when configured', async () => {
    const otpHost = await startSandbox({ accounts: [NOTIFY] });
    const split = createFigenSoftProvider(configFor(sandbox.url, { otpBaseUrl: otpHost.url }));
    try {
      await split.send(requestFor(split, { to: '+905321112233', text: 'OTP', iysType: 'NOTIFICATION', otp: true }));
      await split.send(requestFor(split, { to: '+905321112233', text: 'bulk', iysType: 'NOTIFICATION' }));
      expect(otpHost.records().map((r) => r.text)).toEqual(['OTP']);
      expect(sandbox.records().map((r) => r.text)).toEqual(['bulk']);
    } finally {
      await split.close();
      await otpHost.close();
    }
  });

  it('answers no receipts for no recipients, without a request', async () => {
    const before = sandbox.requestCount();
    expect(await provider.send({ ...notification(), recipients: [] })).toEqual({ receipts: [] });
    expect(sandbox.requestCount()).toBe(before);
  });

  it('splits 2,000 recipients into requests of 800, 800 and 400 with 2,000 receipts in order', async () => {
    const recipients = mobileNumbers(2_000, 5_000);
    const before = sandbox.requestCount();
    const { receipts } = await provider.send({ ...notification(), recipients });
    expect(sandbox.requestCount() - before).toBe(3);
    expect(receipts.map((r) => r.to)).toEqual(recipients);
    expect(receipts.map((r) => r.status === 'accepted' && r.providerMessageId)).toEqual(sandbox.records().map((r) => r.messageId));
  });

  it('reports a split send that failed after a part was accepted as outcome-unknown (never resend the accepted part)', async () => {
    sandbox.setCredit(NOTIFY.username, 1_000);
    try {
      const error = await providerErrorOf(provider.send({ ...notification(), recipients: mobileNumbers(2_000) }));
      expect(error).toMatchObject({ kind: 'outcome-unknown', code: 'partial' });
      expect(error.message).toContain('first 800 recipient(s) were accepted');
    } finally {
      sandbox.setCredit(NOTIFY.username, 1_000_000);
    }
  });

  it('refuses an unknown account id', async () => {
    expect(await providerErrorOf(provider.send({ ...notification(), accountId: 'figensoft-promo' }))).toMatchObject({
      kind: 'provider-unavailable',
      code: 'unknown-account',
    });
  });
});

describe('send failures: the mapping table against the sandbox', () => {
  it.each<[number, ProviderErrorKind]>([
    [500, 'provider-unavailable'],
    [1030, 'provider-unavailable'],
    [1040, 'provider-unavailable'],
    [1050, 'provider-unavailable'],
    [1060, 'provider-unavailable'],
    [1063, 'provider-unavailable'],
    [1064, 'provider-unavailable'],
    [1070, 'provider-unavailable'],
    [1090, 'provider-unavailable'],
    [4242, 'provider-unavailable'],
  ])('body StatusCode %i → %s carrying the code', async (statusCode, kind) => {
    sandbox.injectFault({ kind: 'status-code', statusCode });
    const error = await providerErrorOf(provider.send(notification()));
    expect(error).toMatchObject({ kind, code: String(statusCode) });
    expect(error.message).toContain('figensoft-notification');
  });

  it('a real bad login → provider-unavailable 500, naming the account by id, never its username or password', async () => {
    const wrong = configFor(sandbox.url);
    wrong.accounts[0]!.password = 'Wr0ng-Known-Pa55word';
    const badLogin = createFigenSoftProvider(wrong);
    try {
      const error = await providerErrorOf(badLogin.send(requestFor(badLogin, { to: '+905321112233', text: 'x', iysType: 'NOTIFICATION' })));
      expect(error).toMatchObject({ kind: 'provider-unavailable', code: '500' });
      expect(error.message).toContain('figensoft-notification');
      expect(error.message).not.toContain('rota-notify'); // the username is the operator's, not the API client's
      expect(error.message).toContain('[account side]');
      expect(error.message).not.toContain('Wr0ng-Known-Pa55word');
    } finally {
      await badLogin.close();
    }
  });

  it('real insufficient credit → provider-unavailable 1030', async () => {
    sandbox.setCredit(NOTIFY.username, 0);
    try {
      expect(await providerErrorOf(provider.send(notification()))).toMatchObject({ kind: 'provider-unavailable', code: '1030' });
    } finally {
      sandbox.setCredit(NOTIFY.username, 1_000_000);
    }
  });

  it('a configured sender FigenSoft does not know → provider-unavailable 1040 (account configuration, not the message)', async () => {
    const config = configFor(sandbox.url);
    config.accounts[0]!.senderList = ['ROTA', 'UNKNOWNSND'];
    const misconfigured = createFigenSoftProvider(config);
    try {
      const request = requestFor(misconfigured, { to: '+905321112233', text: 'x', iysType: 'NOTIFICATION', sender: 'UNKNOWNSND' });
      expect(await providerErrorOf(misconfigured.send(request))).toMatchObject({ kind: 'provider-unavailable', code: '1040' });
    } finally {
      await misconfigured.close();
    }
  });

  it.each<[number, ProviderErrorKind, number | undefined]>([
    [429, 'retryable', 3_000],
    [503, 'retryable', 3_000],
    [500, 'provider-unavailable', undefined],
    [502, 'provider-unavailable', undefined],
    [504, 'outcome-unknown', undefined],
  ])('HTTP %i → %s', async (httpStatus, kind, retryAfterMs) => {
    sandbox.injectFault({ kind: 'http-error', httpStatus, retryAfterSeconds: 3 });
    const error = await providerErrorOf(provider.send(notification()));
    expect(error).toMatchObject({ kind, code: `HTTP_${httpStatus}`, retryAfterMs });
  });

  it('a wrong API path (HTTP 404) → provider-unavailable', async () => {
    const wrongPath = createFigenSoftProvider(configFor(sandbox.url.replace('/api_json', '/api_xml')));
    try {
      expect(await providerErrorOf(wrongPath.send(requestFor(wrongPath, { to: '+905321112233', text: 'x', iysType: 'NOTIFICATION' })))).toMatchObject({
        kind: 'provider-unavailable',
        code: 'HTTP_404',
      });
    } finally {
      await wrongPath.close();
    }
  });

  it('the caller\'s time limit (the router\'s deadline) passing after the request was sent → outcome-unknown', async () => {
    sandbox.injectFault({ kind: 'hang' });
    expect(await providerErrorOf(provider.send(notification(), { signal: AbortSignal.timeout(200) }))).toMatchObject({ kind: 'outcome-unknown', code: 'aborted' });
  });

  it('a reset after FigenSoft accepted → outcome-unknown (and it was indeed accepted)', async () => {
    sandbox.injectFault({ kind: 'reset', afterAccept: true });
    const error = await providerErrorOf(provider.send(notification()));
    expect(error.kind).toBe('outcome-unknown');
    expect(sandbox.records()).toHaveLength(1);
  });

  it('a garbled 200 → outcome-unknown', async () => {
    sandbox.injectFault({ kind: 'garbled' });
    expect(await providerErrorOf(provider.send(notification()))).toMatchObject({ kind: 'outcome-unknown', code: 'garbled-response' });
  });

  it('connection refused → retryable', async () => {
    const refused = createFigenSoftProvider(configFor(await closedPortUrl()));
    try {
      expect(await providerErrorOf(refused.send(requestFor(refused, { to: '+905321112233', text: 'x', iysType: 'NOTIFICATION' })))).toMatchObject({
        kind: 'retryable',
        code: 'ECONNREFUSED',
      });
    } finally {
      await refused.close();
    }
  });

  it('an unresolvable host → retryable', async () => {
    const config = configFor('https://rota-nonexistent.invalid/api_json');
    const nowhere = createFigenSoftProvider(config);
    try {
      const error = await providerErrorOf(nowhere.send(requestFor(nowhere, { to: '+905321112233', text: 'x', iysType: 'NOTIFICATION' })));
      expect(error.kind).toBe('retryable');
      expect(['ENOTFOUND', 'EAI_AGAIN']).toContain(error.code);
    } finally {
      await nowhere.close();
    }
  });

  it('an abort in flight → outcome-unknown "aborted"; an abort before sending → retryable "aborted"', async () => {
    sandbox.injectFault({ kind: 'hang' });
    const controller = new AbortController();
    const sending = provider.send(notification(), { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    expect(await providerErrorOf(sending)).toMatchObject({ kind: 'outcome-unknown', code: 'aborted' });
    expect(await providerErrorOf(provider.send(notification(), { signal: AbortSignal.abort() }))).toMatchObject({ kind: 'retryable', code: 'aborted' });
  });
});

describe('send: answers that do not line up with the request', () => {
  // A stand-in for a FigenSoft that answers 200 with a Result we cannot match; the sandbox always answers correctly.
  let server: Server;
  let answer: (receivers: string[]) => unknown; // a string is sent as it is
  let url: string;

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const { Receivers } = JSON.parse(body) as { Receivers: string[] };
        const answered = answer(Receivers);
        res.writeHead(200, { 'content-type': 'application/json' }).end(typeof answered === 'string' ? answered : JSON.stringify(answered));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/api_json`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const ok = (entries: unknown[]) => ({ StatusCode: 200, StatusDescription: 'OK', Result: entries });
  const entry = (receiver: string, i: number) => ({ MessageId: `M${i}`, Receiver: receiver, Charge: 1 });

  it.each<[string, (receivers: string[]) => unknown]>([
    ['a missing entry', (r) => ok(r.slice(1).map(entry))],
    ['an extra entry', (r) => ok([...r, '905000000000'].map(entry))],
    ['entries in another order', (r) => ok([...r].reverse().map(entry))],
    ['an entry without a message id', (r) => ok(r.map((x, i) => ({ ...entry(x, i), MessageId: '' })))],
    ['no Result at all', () => ({ StatusCode: 200, StatusDescription: 'OK', Result: null })],
  ])('%s → outcome-unknown for the whole request', async (_name, make) => {
    answer = make;
    const fixture = createFigenSoftProvider(configFor(url));
    try {
      const request = { ...requestFor(fixture, { to: '+905321112233', text: 'x', iysType: 'NOTIFICATION' }), recipients: ['+905321112233', '+905421112244'] };
      expect(await providerErrorOf(fixture.send(request))).toMatchObject({ kind: 'outcome-unknown', code: 'result-mismatch' });
    } finally {
      await fixture.close();
    }
  });

  it('matches a receiver written in another common form', async () => {
    answer = (r) => ok(r.map((x, i) => entry(`0${x.slice(2)}`, i)));
    const fixture = createFigenSoftProvider(configFor(url));
    try {
      const { receipts } = await fixture.send(requestFor(fixture, { to: '+905321112233', text: 'x', iysType: 'NOTIFICATION' }));
      expect(receipts).toEqual([{ status: 'accepted', to: '+905321112233', providerMessageId: 'M0', segmentsBilled: 1 }]);
    } finally {
      await fixture.close();
    }
  });

  // The service may change its JSON layout without notice; any layout reads the same.
  it.each<[string, (receivers: string[]) => string]>([
    ['the usual layout', (r) => JSON.stringify(ok(r.map(entry)))],
    ['white space and line breaks', (r) => JSON.stringify(ok(r.map(entry)), null, 2)],
    ['escaped characters', (r) => JSON.stringify(ok(r.map(entry))).replace(/"M(\d)"/g, '"\\u004d$1"')],
    ['other keys and another key order', (r) => JSON.stringify({ Result: r.map((x, i) => ({ Charge: 1, Receiver: x, MessageId: `M${i}`, Extra: null })), StatusDescription: null, StatusCode: 200 })],
  ])('reads an answer in %s', async (_name, make) => {
    answer = make;
    const fixture = createFigenSoftProvider(configFor(url));
    try {
      const recipients = ['+905321112233', '+905421112244'];
      const { receipts } = await fixture.send({ ...requestFor(fixture, { to: recipients[0]!, text: 'x', iysType: 'NOTIFICATION' }), recipients });
      expect(receipts).toEqual(recipients.map((to, i) => ({ status: 'accepted', to, providerMessageId: `M${i}`, segmentsBilled: 1 })));
    } finally {
      await fixture.close();
    }
  });

  it('a wrongly typed Result → outcome-unknown garbled-response', async () => {
    answer = () => ({ StatusCode: 200, Result: [{ MessageId: 5 }] });
    const fixture = createFigenSoftProvider(configFor(url));
    try {
      expect(await providerErrorOf(fixture.send(requestFor(fixture, { to: '+905321112233', text: 'x', iysType: 'NOTIFICATION' })))).toMatchObject({
        kind: 'outcome-unknown',
        code: 'garbled-response',
      });
    } finally {
      await fixture.close();
    }
  });
});

describe('status', () => {
  async function sendAndRead(iysType: 'NOTIFICATION' | 'CAMPAIGN', to: string) {
    const { receipts } = await provider.send(requestFor(provider, { to, text: 'x', iysType }));
    const receipt = receipts[0]!;
    if (receipt.status !== 'accepted') throw new Error('not accepted');
    const reports = await provider.status({ accountId: `figensoft-${iysType.toLowerCase()}`, providerMessageIds: [receipt.providerMessageId] });
    expect(reports).toHaveLength(1);
    expect(reports[0]!.providerMessageId).toBe(receipt.providerMessageId);
    return reports[0]!;
  }

  it('a NOTIFICATION is delivered (final), with the time and the number', async () => {
    const before = Date.now();
    const report = await sendAndRead('NOTIFICATION', '+905321112233');
    expect(report).toMatchObject({ state: 'delivered', final: true, providerCode: '400', to: '+905321112233' });
    expect(report.at).toBeInstanceOf(Date);
    expect(Math.abs(report.at!.getTime() - before)).toBeLessThan(120_000);
  });

  it('a CAMPAIGN to an approved number is delivered', async () => {
    expect(await sendAndRead('CAMPAIGN', APPROVED)).toMatchObject({ state: 'delivered', final: true });
  });

  it('a CAMPAIGN to a number not on the IYS list is rejected, iys-consent-missing, final (424)', async () => {
    expect(await sendAndRead('CAMPAIGN', NOT_APPROVED)).toMatchObject({ state: 'rejected', reason: 'iys-consent-missing', final: true, providerCode: '424' });
  });

  it('a CAMPAIGN to an opted-out number is rejected, opted-out, final (-241)', async () => {
    expect(await sendAndRead('CAMPAIGN', OPTED_OUT)).toMatchObject({ state: 'rejected', reason: 'opted-out', final: true, providerCode: '-241' });
  });

  it('a number FigenSoft cannot deliver to is rejected as invalid-number (-201)', async () => {
    expect(await sendAndRead('NOTIFICATION', '+4915112345678')).toMatchObject({ state: 'rejected', reason: 'invalid-number', final: true });
  });

  it('an unknown id is unknown / not-found, not final, in the order asked', async () => {
    const { receipts } = await provider.send(notification());
    const known = receipts[0]!.status === 'accepted' ? receipts[0]!.providerMessageId : '';
    const reports = await provider.status({ accountId: 'figensoft-notification', providerMessageIds: ['SBX_nope-0', known] });
    expect(reports.map((r) => r.providerMessageId)).toEqual(['SBX_nope-0', known]);
    expect(reports[0]).toEqual({ providerMessageId: 'SBX_nope-0', state: 'unknown', reason: 'not-found', final: false });
  });

  it('splits 1,200 ids into requests of at most 500', async () => {
    const before = sandbox.requestCount();
    const ids = Array.from({ length: 1_200 }, (_, i) => `SBX_x${i}-0`);
    const reports = await provider.status({ accountId: 'figensoft-notification', providerMessageIds: ids });
    expect(sandbox.requestCount() - before).toBe(3);
    expect(reports.map((r) => r.providerMessageId)).toEqual(ids);
  });

  it('maps failures like send does', async () => {
    sandbox.injectFault({ kind: 'status-code', statusCode: 500, endpoint: 'Status' });
    expect(await providerErrorOf(provider.status({ accountId: 'figensoft-notification', providerMessageIds: ['a'] }))).toMatchObject({
      kind: 'provider-unavailable',
      code: '500',
    });
    sandbox.clearFaults();
    sandbox.injectFault({ kind: 'http-error', httpStatus: 503, endpoint: 'Status' });
    expect(await providerErrorOf(provider.status({ accountId: 'figensoft-notification', providerMessageIds: ['a'] }))).toMatchObject({ kind: 'retryable' });
  });

  it('answers nothing for no ids', async () => {
    expect(await provider.status({ accountId: 'figensoft-notification', providerMessageIds: [] })).toEqual([]);
  });
});

describe('health', () => {
  it('reports the credit balance of every account', async () => {
    sandbox.setCredit(CAMPAIGN.username, 777);
    try {
      const health = await provider.health();
      expect(health.healthy).toBe(true);
      expect(health.accounts).toEqual([
        { accountId: 'figensoft-notification', healthy: true, balance: sandbox.credit(NOTIFY.username), detail: expect.stringContaining('credit balance') },
        { accountId: 'figensoft-campaign', healthy: true, balance: 777, detail: expect.stringContaining('credit balance 777') },
      ]);
    } finally {
      sandbox.setCredit(CAMPAIGN.username, 1_000_000);
    }
  });

  it('a bad login makes that account unhealthy, naming it but not the password', async () => {
    const config = configFor(sandbox.url);
    config.accounts[1]!.password = 'Wr0ng-Known-Pa55word';
    const badLogin = createFigenSoftProvider(config);
    try {
      const health = await badLogin.health();
      expect(health.healthy).toBe(false);
      expect(health.accounts[0]!.healthy).toBe(true);
      expect(health.accounts[1]).toMatchObject({ accountId: 'figensoft-campaign', healthy: false });
      expect(health.accounts[1]!.detail).toContain('figensoft-campaign');
      expect(health.accounts[1]!.detail).not.toContain('rota-campaign');
      expect(health.accounts[1]!.detail).toContain('wrong username or password');
      expect(JSON.stringify(health)).not.toContain('Wr0ng-Known-Pa55word');
    } finally {
      await badLogin.close();
    }
  });

  it('no credit left is unhealthy', async () => {
    sandbox.setCredit(NOTIFY.username, 0);
    try {
      const health = await provider.health();
      expect(health.accounts[0]).toMatchObject({ healthy: false, balance: 0, detail: expect.stringContaining('no credit left') });
    } finally {
      sandbox.setCredit(NOTIFY.username, 1_000_000);
    }
  });

  it('an unreachable service is unhealthy, not an exception', async () => {
    const refused = createFigenSoftProvider(configFor(await closedPortUrl()));
    try {
      const health = await refused.health();
      expect(health.healthy).toBe(false);
      expect(health.accounts.every((a) => !a.healthy && a.detail.includes('connection refused'))).toBe(true);
    } finally {
      await refused.close();
    }
  });
});

describe('secrets', () => {
  const KNOWN_PASSWORD = 'Kn0wn-FigenSoft-Pa55word!';

  function capturingLogger(lines: string[]): Logger {
    const log = (level: string) => (fields: Record<string, unknown>, message: string) => lines.push(`${level} ${message} ${JSON.stringify(fields)} ${inspect(fields, { depth: 10 })}`);
    return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
  }

  /** Everything an error lets out: message, stack, the cause chain, its JSON and its inspection. */
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
    ['a garbled answer', () => sandbox.injectFault({ kind: 'garbled' })],
    ['a reset', () => sandbox.injectFault({ kind: 'reset', afterAccept: true })],
    ['an HTTP error', () => sandbox.injectFault({ kind: 'http-error', httpStatus: 503 })],
  ])('never let the password out on %s', async (_name, arrange) => {
    arrange();
    const lines: string[] = [];
    const config = configFor(sandbox.url);
    config.accounts[0]!.password = KNOWN_PASSWORD;
    config.accounts[1]!.password = KNOWN_PASSWORD;
    const subject = createFigenSoftProvider(config, { logger: capturingLogger(lines) });
    try {
      const sendError = await rejectionOf(subject.send(requestFor(subject, { to: '+905321112233', text: 'x', iysType: 'NOTIFICATION' })));
      const statusError = await rejectionOf(subject.status({ accountId: 'figensoft-campaign', providerMessageIds: ['x'] }));
      const health = await subject.health();
      expect(sendError).toBeInstanceOf(ProviderError);
      expect(lines.length).toBeGreaterThan(0);
      const everything = [
        everythingIn(sendError),
        everythingIn(statusError),
        JSON.stringify(health),
        JSON.stringify(subject),
        inspect(subject, { depth: 10, showHidden: true }),
        ...lines,
      ].join('\n');
      expect(everything).not.toContain(KNOWN_PASSWORD);
      for (const known of [NOTIFY_PASSWORD, CAMPAIGN_PASSWORD]) expect(everything).not.toContain(known);
    } finally {
      await subject.close();
    }
  });

  it('logs masked phone numbers only', async () => {
    const lines: string[] = [];
    sandbox.injectFault({ kind: 'status-code', statusCode: 1030 });
    const subject = createFigenSoftProvider(configFor(sandbox.url), { logger: capturingLogger(lines) });
    try {
      await rejectionOf(subject.send(requestFor(subject, { to: '+905321112233', text: 'x', iysType: 'NOTIFICATION' })));
      expect(lines.join('\n')).not.toContain('5321112233');
      expect(lines.join('\n')).toContain(maskPhoneNumber('+905321112233'));
    } finally {
      await subject.close();
    }
  });
});

describe('close', () => {
  it('is idempotent and refuses work afterwards', async () => {
    const subject = createFigenSoftProvider(configFor(sandbox.url));
    await subject.send(requestFor(subject, { to: '+905321112233', text: 'x', iysType: 'NOTIFICATION' }));
    await subject.close();
    await subject.close();
    expect(await providerErrorOf(subject.send(requestFor(subject, { to: '+905321112233', text: 'x', iysType: 'NOTIFICATION' })))).toMatchObject({
      kind: 'provider-unavailable',
      code: 'closed',
    });
    expect((await subject.health()).healthy).toBe(false);
  });
});
