import { inspect } from 'node:util';
import { createRouter } from '@rota/core';
import { analyzeText, maskPhoneNumber, ProviderError, type Logger } from '@rota/provider';
import { startSandbox, type Sandbox } from '@rota/figensoft-sandbox';
import { providerErrorOf, startRecordingServer } from '@rota/testkit';
import { createTwilioProvider, TWILIO_CAPABILITIES, type TwilioProvider } from '../src/index.js';
import { ACCOUNT_SID, AUTH_TOKEN, configFor, createTwilio, OPTED_OUT, requestFor, SANDBOX_ACCOUNT, waitFor } from './fixtures.js';

let sandbox: Sandbox;
let provider: TwilioProvider;

beforeAll(async () => {
  sandbox = await startSandbox({ twilio: { accounts: [SANDBOX_ACCOUNT] }, deliveryDelayMs: 0, consent: { approved: [], optedOut: [OPTED_OUT.slice(1)] } });
  provider = createTwilio(configFor(sandbox.urls.twilio));
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
const records = () => sandbox.wireRecords('twilio');
const message = (iysType: 'NOTIFICATION' | 'CAMPAIGN', sender?: string) => ({ iysType, recipientType: 'BIREYSEL' as const, otp: false, text: 'x', analysis: analyzeText('x'), ...(sender ? { sender } : {}) });

describe('identity and select', () => {
  it('is twilio: one account, one recipient a request, no scheduling, no CAMPAIGN by default', () => {
    expect(provider.id).toBe('twilio');
    expect(provider.accountIds).toEqual(['twilio']);
    expect(provider.campaignAccountIds).toEqual([]);
    expect(provider.capabilities).toEqual({ maxRecipientsPerRequest: 1, encodings: ['GSM7', 'UCS2'], deliveryStatus: true, scheduling: false, statusBatchSize: 10 });
    expect(TWILIO_CAPABILITIES).toBe(provider.capabilities);
  });

  it('refuses CAMPAIGN, saying Twilio cannot check İYS consent; takes NOTIFICATION with a sender from fromAddresses', () => {
    expect(provider.select(message('CAMPAIGN'))).toEqual({ eligible: false, reason: expect.stringContaining('does not check İYS consent') });
    expect(provider.select(message('NOTIFICATION'))).toEqual({ eligible: true, accountId: 'twilio', sender: 'ROTA' });
    expect(provider.select(message('NOTIFICATION', 'ROTAOTP'))).toEqual({ eligible: true, accountId: 'twilio', sender: 'ROTAOTP' });
    expect(provider.select(message('NOTIFICATION', 'OTHER'))).toMatchObject({ eligible: false, field: 'sender' });
  });

  it('the router never sends a CAMPAIGN message through Twilio by default, and the trail says why', async () => {
    const router = createRouter({ providers: [{ provider, rank: 5 }] });
    try {
      const result = await router.send({ to: '+905321112233', text: 'Kampanya', iysType: 'CAMPAIGN' });
      expect(result.status).toBe('failed');
      expect(result.attempts).toEqual([expect.objectContaining({ providerId: 'twilio', outcome: 'skipped', reason: expect.stringContaining('does not check İYS consent') })]);
      expect(records()).toEqual([]);
    } finally {
      await router.close();
    }
  });

  it('carries CAMPAIGN only when an operator declares it (iysTypes), and then declares the account', async () => {
    const declared = createTwilio(configFor(sandbox.urls.twilio, { iysTypes: ['NOTIFICATION', 'CAMPAIGN'] }));
    try {
      expect(declared.campaignAccountIds).toEqual(['twilio']);
      expect(declared.select(message('CAMPAIGN'))).toEqual({ eligible: true, accountId: 'twilio', sender: 'ROTA' });
    } finally {
      await declared.close();
    }
  });

  it('is inactive without fromAddresses', async () => {
    const inactive = createTwilio(configFor(sandbox.urls.twilio, { fromAddresses: [] }));
    try {
      expect(inactive.select(message('NOTIFICATION'))).toEqual({ eligible: false, reason: 'twilio: fromAddresses is empty (connector inactive)' });
    } finally {
      await inactive.close();
    }
  });
});

describe('send', () => {
  it('creates one message: the sid is the receipt\'s id, num_segments its segments', async () => {
    const { receipts } = await provider.send(notification());
    const [record] = records();
    expect(receipts).toEqual([{ status: 'accepted', to: '+905321112233', providerMessageId: record!.messageId, segmentsBilled: 1 }]);
    expect(record).toMatchObject({ sender: 'ROTA', text: 'Kodunuz: 482913', receiver: '905321112233' });
  });

  it('a Turkish text goes as UCS-2 (no shift tables at Twilio): the result counts the segments Twilio bills, not the shift table’s', async () => {
    const router = createRouter({ providers: [{ provider, rank: 5 }] });
    const turkish = 'Şubat ayı faturanız hazır: ödemenizi 28 Şubat günü saat 18:00 e kadar yapınız. İyi günler dileriz.';
    try {
      const result = await router.send({ to: '+905321112233', text: turkish, iysType: 'NOTIFICATION' });
      expect(analyzeText(turkish)).toMatchObject({ encoding: 'GSM7_TURKISH_SHIFT', segments: 1 });
      expect(result).toMatchObject({ status: 'accepted', providerId: 'twilio', encoding: 'UCS2', segments: 2 });
      expect(result).not.toHaveProperty('shift');
      expect(records()).toEqual([expect.objectContaining({ text: turkish })]);
    } finally {
      await router.close();
    }
  });

  it('the router sends a bulk of 3 as 3 requests (one To each)', async () => {
    const router = createRouter({ providers: [{ provider, rank: 5 }] });
    try {
      const before = sandbox.requestCount();
      const results = await router.sendBulk({ to: ['+905321112233', '+905421112244', '+905051112255'], text: 'Toplu', iysType: 'NOTIFICATION' });
      expect(results.map((r) => r.status)).toEqual(['accepted', 'accepted', 'accepted']);
      expect(sandbox.requestCount() - before).toBe(3);
    } finally {
      await router.close();
    }
  });

  it('refuses a request of more than one recipient rather than send part of it', async () => {
    expect(await providerErrorOf(provider.send({ ...notification(), recipients: ['+905321112233', '+905421112244'] }))).toMatchObject({ kind: 'message-rejected', code: 'too-many-recipients' });
  });

  it('real refusals: an unsubscribed number 21610 (final), an invalid To 21211, a foreign sender 21212, wrong credentials 20003, no balance 10001', async () => {
    expect(await providerErrorOf(provider.send({ ...notification(), recipients: [OPTED_OUT] }))).toMatchObject({ kind: 'message-rejected', code: '21610' });
    expect(await providerErrorOf(provider.send({ ...notification(), recipients: ['905321112233'] }))).toMatchObject({ kind: 'message-rejected', code: '21211' });
    const misconfigured = createTwilio(configFor(sandbox.urls.twilio, { fromAddresses: ['NOTREG'] }));
    const wrong = createTwilio(configFor(sandbox.urls.twilio, { authToken: 'Wr0ng-Token' }));
    try {
      expect(await providerErrorOf(misconfigured.send(requestFor(misconfigured, { to: '+905321112233', text: 'x', iysType: 'NOTIFICATION' })))).toMatchObject({ kind: 'provider-unavailable', code: '21212' });
      const error = await providerErrorOf(wrong.send(requestFor(wrong, { to: '+905321112233', text: 'x', iysType: 'NOTIFICATION' })));
      expect(error).toMatchObject({ kind: 'provider-unavailable', code: '20003' });
      expect(error.message).not.toContain('Wr0ng-Token');
    } finally {
      await misconfigured.close();
      await wrong.close();
    }
    sandbox.setWireCredit('twilio', ACCOUNT_SID, 0);
    try {
      expect(await providerErrorOf(provider.send(notification()))).toMatchObject({ kind: 'provider-unavailable', code: '10001' });
    } finally {
      sandbox.setWireCredit('twilio', ACCOUNT_SID, 100);
    }
  });

  it.each([
    [20429, 'retryable'],
    [21614, 'message-rejected'],
    [21408, 'provider-unavailable'],
    [21611, 'provider-unavailable'],
    [21617, 'provider-unavailable'],
    [30999, 'outcome-unknown'],
  ])('Twilio answering %i → %s', async (code, kind) => {
    sandbox.injectFault({ kind: 'status-code', statusCode: code, wire: 'twilio', endpoint: 'Messages.json' });
    expect(await providerErrorOf(provider.send(notification()))).toMatchObject({ kind, code: String(code) });
  });

  it('too many concurrent requests (20429) with Retry-After → retryable, waiting as long as Twilio asks', async () => {
    sandbox.injectFault({ kind: 'status-code', statusCode: 20429, retryAfterSeconds: 3, wire: 'twilio', endpoint: 'Messages.json' });
    expect(await providerErrorOf(provider.send(notification()))).toMatchObject({ kind: 'retryable', code: '20429', retryAfterMs: 3_000 });
  });

  it.each([
    [429, 'retryable', 3_000],
    [503, 'retryable', 3_000],
    [500, 'provider-unavailable', undefined],
    [504, 'outcome-unknown', undefined],
  ])('a bare HTTP %i → %s', async (httpStatus, kind, retryAfterMs) => {
    sandbox.injectFault({ kind: 'http-error', httpStatus, retryAfterSeconds: 3, wire: 'twilio' });
    expect(await providerErrorOf(provider.send(notification()))).toMatchObject({ kind, code: `HTTP_${httpStatus}`, retryAfterMs });
  });

  it('hang, reset after acceptance, garbled 201 → outcome-unknown; already aborted → retryable', async () => {
    sandbox.injectFault({ kind: 'hang', wire: 'twilio' });
    expect(await providerErrorOf(provider.send(notification(), { signal: AbortSignal.timeout(150) }))).toMatchObject({ kind: 'outcome-unknown', code: 'aborted' });
    sandbox.clearFaults();
    sandbox.injectFault({ kind: 'reset', afterAccept: true, wire: 'twilio' });
    expect((await providerErrorOf(provider.send(notification()))).kind).toBe('outcome-unknown');
    expect(records()).toHaveLength(1);
    sandbox.clearFaults();
    sandbox.injectFault({ kind: 'garbled', wire: 'twilio' });
    expect(await providerErrorOf(provider.send(notification()))).toMatchObject({ kind: 'outcome-unknown', code: 'garbled-response' });
    expect(await providerErrorOf(provider.send(notification(), { signal: AbortSignal.abort() }))).toMatchObject({ kind: 'retryable', code: 'aborted' });
  });
});

describe('delivery reports by pull (Messages/{Sid}.json)', () => {
  const sendAndRead = async (to: string) => {
    const { receipts } = await provider.send(notification({ to }));
    const sid = receipts[0]!.status === 'accepted' ? receipts[0]!.providerMessageId : '';
    const [report] = await provider.status({ accountId: 'twilio', providerMessageIds: [sid] });
    expect(report!.providerMessageId).toBe(sid);
    return report!;
  };

  it('reads a sid: delivered, final, with the number and the time', async () => {
    expect(await sendAndRead('+905321112233')).toMatchObject({ state: 'delivered', final: true, providerCode: 'delivered', to: '+905321112233', at: expect.any(Date) });
  });

  it('undelivered says why (30003); failed for validity (30036) is expired', async () => {
    sandbox.setOutcomes({ undelivered: 1 });
    try {
      expect(await sendAndRead('+905421112244')).toMatchObject({ state: 'undelivered', reason: 'handset-error', final: true, providerCode: 'undelivered/30003' });
      sandbox.setOutcomes({ expired: 1 });
      expect(await sendAndRead('+905051112255')).toMatchObject({ state: 'expired', reason: 'expired', final: true, providerCode: 'failed/30036' });
    } finally {
      sandbox.setOutcomes({});
    }
  });

  it('an unknown sid is not found, not final; several sids are read side by side, in the order asked', async () => {
    const a = await provider.send(notification());
    const b = await provider.send(notification({ to: '+905421112244' }));
    const ids = [b, a].map((r) => (r.receipts[0]!.status === 'accepted' ? r.receipts[0]!.providerMessageId : ''));
    const reports = await provider.status({ accountId: 'twilio', providerMessageIds: [...ids, `SM${'0'.repeat(32)}`] });
    expect(reports.map((r) => [r.providerMessageId, r.state, r.final])).toEqual([
      [ids[0], 'delivered', true],
      [ids[1], 'delivered', true],
      [`SM${'0'.repeat(32)}`, 'unknown', false],
    ]);
    expect(reports[2]).toMatchObject({ reason: 'not-found', providerCode: '20404' });
  });

  it('maps a failed read like a send', async () => {
    sandbox.injectFault({ kind: 'status-code', statusCode: 20003, wire: 'twilio', endpoint: 'Messages/{Sid}.json' });
    expect(await providerErrorOf(provider.status({ accountId: 'twilio', providerMessageIds: ['SMx'] }))).toMatchObject({ kind: 'provider-unavailable', code: '20003' });
  });
});

describe('delivery reports by push (status callbacks)', () => {
  it('sends StatusCallback; reads the callback Twilio signs; refuses it tampered', async () => {
    const hook = await startRecordingServer(() => ({ status: 204, body: '' }));
    const callbackUrl = `${hook.origin}/v1/providers/twilio/reports`;
    const pushing = createTwilio(configFor(sandbox.urls.twilio, { statusCallbackUrl: callbackUrl }));
    try {
      const { receipts } = await pushing.send(requestFor(pushing, { to: '+905321112233', text: 'x', iysType: 'NOTIFICATION' }));
      await waitFor(() => hook.requests.length === 1);
      const [push] = hook.requests;
      const received = pushing.receiveReports!({ url: `${hook.origin}${push!.url}`, headers: push!.headers, body: push!.body });
      expect(received).toEqual({ ok: true, reports: [expect.objectContaining({ providerMessageId: receipts[0]!.status === 'accepted' ? receipts[0]!.providerMessageId : '', state: 'delivered', final: true })] });
      const tamperedBody = Buffer.from(push!.body.toString().replace('delivered', 'undelivered'));
      expect(pushing.receiveReports!({ url: `${hook.origin}${push!.url}`, headers: push!.headers, body: tamperedBody })).toMatchObject({ ok: false, status: 401 });
      expect(pushing.receiveReports!({ url: `${hook.origin}${push!.url}?x=1`, headers: push!.headers, body: push!.body })).toMatchObject({ ok: false, status: 401 });
      expect(pushing.receiveReports!({ url: `${hook.origin}${push!.url}`, headers: {}, body: push!.body })).toMatchObject({ ok: false, status: 401 });
      // Another account's token cannot sign for this one.
      const other = createTwilio(configFor(sandbox.urls.twilio, { authToken: 'another-token' }));
      expect(other.receiveReports!({ url: `${hook.origin}${push!.url}`, headers: push!.headers, body: push!.body })).toMatchObject({ ok: false, status: 401 });
      await other.close();
    } finally {
      await pushing.close();
      await hook.close();
    }
  });

  it('refuses a statusCallbackUrl Twilio would refuse, naming the field', () => {
    expect(() => createTwilioProvider(configFor(sandbox.urls.twilio, { statusCallbackUrl: 'https://my_host.example/cb' }))).toThrow('statusCallbackUrl: must not have "_" in the host name');
    expect(() => createTwilioProvider(configFor(sandbox.urls.twilio, { statusCallbackUrl: 'http://rota.example/cb' }))).toThrow('statusCallbackUrl: must use https');
  });
});

describe('health (Balance.json)', () => {
  it('reports the balance; none left, wrong credentials and an unreachable API are unhealthy', async () => {
    expect(await provider.health()).toEqual({ healthy: true, accounts: [{ accountId: 'twilio', healthy: true, balance: expect.any(Number), detail: expect.stringContaining('USD') }] });
    sandbox.setWireCredit('twilio', ACCOUNT_SID, 0);
    try {
      expect((await provider.health()).accounts[0]).toMatchObject({ healthy: false, balance: 0 });
    } finally {
      sandbox.setWireCredit('twilio', ACCOUNT_SID, 100);
    }
    const wrong = createTwilio(configFor(sandbox.urls.twilio, { authToken: 'Wr0ng-Token' }));
    try {
      expect((await wrong.health()).accounts[0]).toMatchObject({ healthy: false, detail: expect.stringContaining('20003') });
    } finally {
      await wrong.close();
    }
    sandbox.injectFault({ kind: 'reset', wire: 'twilio' });
    expect((await provider.health()).healthy).toBe(false);
  });
});

describe('secrets', () => {
  const KNOWN_TOKEN = 'Kn0wn-Twilio-Auth-Token';
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
    ['wrong credentials', () => undefined],
    ['an error answer', () => sandbox.injectFault({ kind: 'status-code', statusCode: 21211, wire: 'twilio' })],
    ['a garbled answer', () => sandbox.injectFault({ kind: 'garbled', wire: 'twilio' })],
    ['a reset', () => sandbox.injectFault({ kind: 'reset', afterAccept: true, wire: 'twilio' })],
    ['an HTTP error', () => sandbox.injectFault({ kind: 'http-error', httpStatus: 503, wire: 'twilio' })],
  ])('never let the auth token out on %s', async (_name, arrange) => {
    arrange();
    const lines: string[] = [];
    const subject = createTwilio(configFor(sandbox.urls.twilio, { authToken: KNOWN_TOKEN }), { logger: capturingLogger(lines) });
    try {
      const sendError = await providerErrorOf(subject.send(requestFor(subject, { to: '+905321112233', text: 'x', iysType: 'NOTIFICATION' })));
      const statusError = await subject.status({ accountId: 'twilio', providerMessageIds: ['SMx'] }).catch((e: unknown) => e);
      const health = await subject.health();
      const refusal = subject.receiveReports!({ url: 'https://x/r', headers: { 'x-twilio-signature': 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=' }, body: Buffer.from('MessageSid=SM1') });
      expect(sendError).toBeInstanceOf(ProviderError);
      expect(lines.length).toBeGreaterThan(0);
      const everything = [everythingIn(sendError), everythingIn(statusError), JSON.stringify(health), JSON.stringify(refusal), JSON.stringify(subject), inspect(subject, { depth: 10, showHidden: true }), ...lines].join('\n');
      for (const secret of [KNOWN_TOKEN, AUTH_TOKEN, Buffer.from(`${ACCOUNT_SID}:${KNOWN_TOKEN}`).toString('base64')]) expect(everything).not.toContain(secret);
    } finally {
      await subject.close();
    }
  });

  it('logs masked phone numbers only', async () => {
    const lines: string[] = [];
    sandbox.injectFault({ kind: 'status-code', statusCode: 20003, wire: 'twilio' });
    const subject = createTwilio(configFor(sandbox.urls.twilio), { logger: capturingLogger(lines) });
    try {
      await providerErrorOf(subject.send(requestFor(subject, { to: '+905321112233', text: 'x', iysType: 'NOTIFICATION' })));
      expect(lines.join('\n')).not.toContain('5321112233');
      expect(lines.join('\n')).toContain(maskPhoneNumber('+905321112233'));
    } finally {
      await subject.close();
    }
  });
});

describe('close', () => {
  it('is idempotent and refuses work afterwards', async () => {
    const subject = createTwilio(configFor(sandbox.urls.twilio));
    await subject.close();
    await subject.close();
    expect(await providerErrorOf(subject.send({ ...notification(), accountId: 'twilio' }))).toMatchObject({ kind: 'provider-unavailable', code: 'closed' });
    expect((await subject.health()).healthy).toBe(false);
  });
});
