import { inspect } from 'node:util';
import { createRouter } from '@rota/core';
import { analyzeText, maskPhoneNumber, ProviderError, type Logger } from '@rota/provider';
import { startSandbox, type Sandbox } from '@rota/figensoft-sandbox';
import { createFakeProvider, providerErrorOf, startRecordingServer, type RecordingServer } from '@rota/testkit';
import { createInfobipProvider, INFOBIP_CAPABILITIES, type InfobipProvider } from '../src/index.js';
import { API_KEY, APPROVED, CAMPAIGN_KEY, CONSENT, configFor, createInfobip, mobileNumbers, NOT_APPROVED, OPTED_OUT, PUSH_TOKEN, requestFor, SANDBOX_ACCOUNTS, waitFor } from './fixtures.js';

let sandbox: Sandbox;
let provider: InfobipProvider;

beforeAll(async () => {
  sandbox = await startSandbox({ infobip: { accounts: SANDBOX_ACCOUNTS }, deliveryDelayMs: 0, consent: CONSENT });
  provider = createInfobip(configFor(sandbox.urls.infobip, { pushToken: PUSH_TOKEN }));
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
const records = () => sandbox.wireRecords('infobip');
const idOf = (receipt: { status: string; providerMessageId?: string }) => (receipt.status === 'accepted' ? receipt.providerMessageId! : '');

describe('identity', () => {
  it('is infobip, with ids from sender and IYS types, CAMPAIGN only on the declared account, and its capabilities', () => {
    expect(provider.id).toBe('infobip');
    expect(provider.accountIds).toEqual(['infobip-ROTA-notification', 'infobip-ROTAKAMP-campaign']);
    expect(provider.campaignAccountIds).toEqual(['infobip-ROTAKAMP-campaign']);
    expect(provider.capabilities).toEqual({ maxRecipientsPerRequest: 1_000, encodings: ['GSM7', 'GSM7_TURKISH_SHIFT', 'UCS2'], deliveryStatus: true, scheduling: true, statusBatchSize: 20 });
    expect(INFOBIP_CAPABILITIES).toBe(provider.capabilities);
  });

  it('select: CAMPAIGN only through an account that lists it (default NOTIFICATION only)', async () => {
    const notifyOnly = createInfobip({ accounts: [{ apiKey: 'k', from: 'ROTA', baseUrl: sandbox.urls.infobip }] });
    try {
      const text = 'x';
      expect(notifyOnly.select({ iysType: 'CAMPAIGN', recipientType: 'BIREYSEL', otp: false, text, analysis: analyzeText(text) })).toEqual({ eligible: false, reason: 'no Infobip account for IYS type CAMPAIGN' });
      expect(notifyOnly.campaignAccountIds).toEqual([]);
    } finally {
      await notifyOnly.close();
    }
  });
});

describe('send', () => {
  it('answers one receipt per destination with the messageId Rota chose, the segments Infobip counted', async () => {
    const recipients = ['+905321112233', '+905421112244'];
    const { receipts } = await provider.send({ ...notification(), recipients });
    const sent = records();
    expect(receipts).toEqual(recipients.map((to, i) => ({ status: 'accepted', to, providerMessageId: sent[i]!.messageId, segmentsBilled: 1 })));
    expect(sent.map((r) => [r.account, r.sender, r.commercial])).toEqual([
      ['transactional', 'ROTA', false],
      ['transactional', 'ROTA', false],
    ]);
  });

  it('sends a CAMPAIGN to a Turkish number with turkeyIys: the sandbox checks consent on it', async () => {
    await provider.send(campaign(APPROVED, { recipientType: 'TACIR' }));
    expect(records()).toEqual([expect.objectContaining({ account: 'campaign', commercial: true, recipientType: 'TACIR' })]);
  });

  it('the router sends 2,500 numbers in 3 requests (1,000 a request)', async () => {
    const router = createRouter({ providers: [{ provider, rank: 1 }] });
    try {
      const before = sandbox.requestCount();
      const results = await router.sendBulk({ to: mobileNumbers(2_500), text: 'Toplu', iysType: 'NOTIFICATION' });
      expect(sandbox.requestCount() - before).toBe(3);
      expect(results.every((r) => r.status === 'accepted')).toBe(true);
      expect(records()).toHaveLength(2_500);
    } finally {
      await router.close();
    }
  });

  it('a destination refused inside the 200 while others are accepted: a rejected receipt for it alone', async () => {
    const { receipts } = await provider.send({ ...notification(), recipients: ['+905321112233', '+1'] });
    expect(receipts).toEqual([
      expect.objectContaining({ status: 'accepted', to: '+905321112233' }),
      { status: 'rejected', to: '+1', code: '5/52', reason: expect.stringContaining('REJECTED_DESTINATION') },
    ]);
  });

  it('every destination refused for the account (credit) → provider-unavailable: the router moves on', async () => {
    sandbox.setWireCredit('infobip', 'transactional', 0);
    try {
      expect(await providerErrorOf(provider.send(notification()))).toMatchObject({ kind: 'provider-unavailable', code: '5/12' });
    } finally {
      sandbox.setWireCredit('infobip', 'transactional', 1_000);
    }
  });

  it('a sender Infobip does not have registered → provider-unavailable (account configuration)', async () => {
    const misconfigured = createInfobip({ accounts: [{ apiKey: API_KEY, from: 'NOTREG', baseUrl: sandbox.urls.infobip }] });
    try {
      expect(await providerErrorOf(misconfigured.send(requestFor(misconfigured, { to: '+905321112233', text: 'x', iysType: 'NOTIFICATION' })))).toMatchObject({ kind: 'provider-unavailable', code: '5/13' });
    } finally {
      await misconfigured.close();
    }
  });
});

describe('send failures through the sandbox', () => {
  it.each([
    [400, 'E400', 'provider-unavailable'],
    [401, 'E401', 'provider-unavailable'],
    [403, 'E403', 'provider-unavailable'],
    [404, 'E404', 'provider-unavailable'],
    [429, 'E429', 'retryable'],
    [500, 'E500', 'outcome-unknown'],
    [418, 'E418', 'outcome-unknown'],
  ])('Infobip answering HTTP %i (%s) → %s', async (statusCode, code, kind) => {
    sandbox.injectFault({ kind: 'status-code', statusCode, wire: 'infobip', endpoint: 'sms/3/messages' });
    const error = await providerErrorOf(provider.send(notification()));
    expect(error).toMatchObject({ kind, code });
    expect(error.message).toContain('infobip-ROTA-notification');
  });

  it('throttled (HTTP 429, E429) with Retry-After → retryable, waiting as long as Infobip asks', async () => {
    sandbox.injectFault({ kind: 'status-code', statusCode: 429, retryAfterSeconds: 3, wire: 'infobip', endpoint: 'sms/3/messages' });
    expect(await providerErrorOf(provider.send(notification()))).toMatchObject({ kind: 'retryable', code: 'E429', retryAfterMs: 3_000 });
  });

  it('a real wrong key → provider-unavailable E401, never the key', async () => {
    const bad = createInfobip({ accounts: [{ apiKey: 'Wr0ng-Infobip-Key', from: 'ROTA', baseUrl: sandbox.urls.infobip }] });
    try {
      const error = await providerErrorOf(bad.send(requestFor(bad, { to: '+905321112233', text: 'x', iysType: 'NOTIFICATION' })));
      expect(error).toMatchObject({ kind: 'provider-unavailable', code: 'E401' });
      expect(error.message).not.toContain('Wr0ng-Infobip-Key');
    } finally {
      await bad.close();
    }
  });

  it.each([
    [429, 'retryable', 3_000],
    [503, 'retryable', 3_000],
    [502, 'provider-unavailable', undefined],
    [504, 'outcome-unknown', undefined],
  ])('a bare HTTP %i → %s', async (httpStatus, kind, retryAfterMs) => {
    sandbox.injectFault({ kind: 'http-error', httpStatus, retryAfterSeconds: 3, wire: 'infobip' });
    expect(await providerErrorOf(provider.send(notification()))).toMatchObject({ kind, code: `HTTP_${httpStatus}`, retryAfterMs });
  });

  it('hang (caller\'s limit), reset after acceptance, garbled 200 → outcome-unknown; already aborted → retryable', async () => {
    sandbox.injectFault({ kind: 'hang', wire: 'infobip' });
    expect(await providerErrorOf(provider.send(notification(), { signal: AbortSignal.timeout(150) }))).toMatchObject({ kind: 'outcome-unknown', code: 'aborted' });
    sandbox.clearFaults();
    sandbox.injectFault({ kind: 'reset', afterAccept: true, wire: 'infobip' });
    expect((await providerErrorOf(provider.send(notification()))).kind).toBe('outcome-unknown');
    expect(records()).toHaveLength(1);
    sandbox.clearFaults();
    sandbox.injectFault({ kind: 'garbled', wire: 'infobip' });
    expect(await providerErrorOf(provider.send(notification()))).toMatchObject({ kind: 'outcome-unknown', code: 'garbled-response' });
    expect(await providerErrorOf(provider.send(notification(), { signal: AbortSignal.abort() }))).toMatchObject({ kind: 'retryable', code: 'aborted' });
  });

  it('each account has its own connections: one account hanging does not hold up another', async () => {
    // One connection each; with one pool for both, the second send would queue behind the hung one.
    const subject = createInfobip(configFor(sandbox.urls.infobip, { connections: 1 }));
    sandbox.injectFault({ kind: 'hang', wire: 'infobip', account: 'campaign' });
    try {
      const hung = providerErrorOf(subject.send(requestFor(subject, { to: APPROVED, text: 'x', iysType: 'CAMPAIGN', sender: 'ROTAKAMP' }), { signal: AbortSignal.timeout(1_500) }));
      await new Promise((resolve) => setTimeout(resolve, 50)); // the hung request goes first
      const other = await subject.send(requestFor(subject, { to: '+905421112244', text: 'x', iysType: 'NOTIFICATION' }), { signal: AbortSignal.timeout(1_000) });
      expect(other.receipts).toEqual([expect.objectContaining({ status: 'accepted' })]);
      expect(await hung).toMatchObject({ kind: 'outcome-unknown', code: 'aborted' });
    } finally {
      sandbox.clearFaults();
      await subject.close();
    }
  });

  it('an answer whose entries do not match the destinations, or with a status Rota does not know → outcome-unknown', async () => {
    const fake = await startRecordingServer();
    const subject = createInfobip({ accounts: [{ apiKey: API_KEY, from: 'ROTA', baseUrl: fake.origin }] });
    try {
      fake.answer = () => ({ body: JSON.stringify({ bulkId: 'b', messages: [{ messageId: 'not-ours', status: { groupId: 1, groupName: 'PENDING', id: 26, name: 'PENDING_ACCEPTED' }, destination: '905321112233' }] }) });
      expect(await providerErrorOf(subject.send(requestFor(subject, { to: '+905321112233', text: 'x', iysType: 'NOTIFICATION' })))).toMatchObject({ kind: 'outcome-unknown', code: 'result-mismatch' });
      fake.answer = (request) => {
        const { messages } = JSON.parse(request.body.toString()) as { messages: { destinations: { messageId: string }[] }[] };
        return { body: JSON.stringify({ messages: [{ messageId: messages[0]!.destinations[0]!.messageId, status: { groupId: 42, groupName: 'NEW', id: 4242, name: 'SOMETHING_NEW' } }] }) };
      };
      expect(await providerErrorOf(subject.send(requestFor(subject, { to: '+905321112233', text: 'x', iysType: 'NOTIFICATION' })))).toMatchObject({ kind: 'outcome-unknown', code: '42/4242' });
    } finally {
      await subject.close();
      await fake.close();
    }
  });

  /** Statuses a send answer may give a destination, by the names the tests use. */
  const STATUSES = {
    pending: { groupId: 1, groupName: 'PENDING', id: 26, name: 'PENDING_ACCEPTED' },
    dnd: { groupId: 5, groupName: 'REJECTED', id: 10, name: 'REJECTED_DND' },
    credit: { groupId: 5, groupName: 'REJECTED', id: 12, name: 'REJECTED_NOT_ENOUGH_CREDITS' },
    flooding: { groupId: 5, groupName: 'REJECTED', id: 20, name: 'REJECTED_FLOODING_FILTER' },
    tooLong: { groupId: 5, groupName: 'REJECTED', id: 25, name: 'REJECTED_MESSAGE_TOO_LONG' },
    rejectedUnlisted: { groupId: 5, groupName: 'REJECTED', id: 4321, name: 'REJECTED_SOMETHING_NEW' },
  };
  /** A recording server's answer giving the request's destinations these statuses, in order. */
  const answering = (statuses: (keyof typeof STATUSES)[]) => (request: { body: Buffer }) => {
    const { messages } = JSON.parse(request.body.toString()) as { messages: { destinations: { messageId: string }[] }[] };
    return { body: JSON.stringify({ messages: messages[0]!.destinations.map((d, i) => ({ messageId: d.messageId, status: STATUSES[statuses[i]!], details: { messageCount: 1 } })) }) };
  };

  it("tells a destination's own refusal (final) from its account's (not-taken: the next provider may send it), whatever else the answer holds", async () => {
    const fake = await startRecordingServer();
    const subject = createInfobip({ accounts: [{ apiKey: API_KEY, from: 'ROTA', baseUrl: fake.origin }] });
    const to = ['+905321112233', '+905421112244'];
    const send = () => subject.send(requestFor(subject, { to: to[0]!, text: 'x', iysType: 'NOTIFICATION' }, to));
    try {
      // Nothing accepted, but one refusal is the recipient's: it must not be sent elsewhere, the other may.
      fake.answer = answering(['dnd', 'credit']);
      expect((await send()).receipts).toEqual([
        { status: 'rejected', to: to[0], code: '5/10', reason: expect.stringContaining('REJECTED_DND') },
        { status: 'not-taken', to: to[1], code: '5/12', reason: expect.stringContaining('REJECTED_NOT_ENOUGH_CREDITS') },
      ]);
      // Credit ran out after the first: the second is not Infobip's to reject.
      fake.answer = answering(['pending', 'credit']);
      expect((await send()).receipts).toEqual([
        expect.objectContaining({ status: 'accepted', to: to[0] }),
        { status: 'not-taken', to: to[1], code: '5/12', reason: expect.stringContaining('REJECTED_NOT_ENOUGH_CREDITS') },
      ]);
      // Every destination refused for the account: the request failed, for the breaker and the router alike.
      fake.answer = answering(['credit', 'credit']);
      expect(await providerErrorOf(send())).toMatchObject({ kind: 'provider-unavailable', code: '5/12' });
    } finally {
      await subject.close();
      await fake.close();
    }
  });

  /** Infobip (answered by a recording server) at rank 1 and a fake at rank 2, three numbers; all closed after `body`. */
  async function beforeAFake(body: (rig: { fake: RecordingServer; subject: ReturnType<typeof createInfobip>; next: ReturnType<typeof createFakeProvider>; router: ReturnType<typeof createRouter>; to: string[] }) => Promise<void>): Promise<void> {
    const fake = await startRecordingServer();
    const subject = createInfobip({ accounts: [{ apiKey: API_KEY, from: 'ROTA', baseUrl: fake.origin }] });
    const next = createFakeProvider({ id: 'next' });
    const router = createRouter({ providers: [{ provider: subject, rank: 1 }, { provider: next, rank: 2 }], retry: { retries: 0 } });
    try {
      await body({ fake, subject, next, router, to: ['+905321112233', '+905421112244', '+905051112255'] });
    } finally {
      await router.close();
      await subject.close();
      await fake.close();
    }
  }

  it('a flooding cap, an over-long text and a REJECTED id Rota does not know are final for each destination: no error for the breaker, no other provider (the contract: "rejected", not elsewhere)', async () => {
    await beforeAFake(async ({ fake, subject, next, router, to }) => {
      // Every destination refused, none for the account: rejected receipts, not a failed request.
      fake.answer = answering(['flooding', 'tooLong', 'rejectedUnlisted']);
      expect((await subject.send(requestFor(subject, { to: to[0]!, text: 'x', iysType: 'NOTIFICATION' }, to))).receipts).toEqual([
        { status: 'rejected', to: to[0], code: '5/20', reason: expect.stringContaining('send it later') },
        { status: 'rejected', to: to[1], code: '5/25', reason: expect.stringContaining('REJECTED_MESSAGE_TOO_LONG') },
        { status: 'rejected', to: to[2], code: '5/4321', reason: expect.stringContaining('not known to Rota') },
      ]);
      const results = await router.sendBulk({ to, text: 'Toplu', iysType: 'NOTIFICATION' });
      expect(results.map((r) => [r.status, 'providerId' in r ? r.providerId : undefined])).toEqual([
        ['rejected', 'infobip'],
        ['rejected', 'infobip'],
        ['rejected', 'infobip'],
      ]);
      expect(next.callCount).toBe(0);
      expect(router.status()[0]!.accounts.every((a) => a.breaker === 'closed')).toBe(true);
    });
  });

  it('the router sends what Infobip did not take through the next provider, and never a recipient Infobip refused', async () => {
    await beforeAFake(async ({ fake, next, router, to }) => {
      fake.answer = answering(['dnd', 'credit', 'credit']);
      const results = await router.sendBulk({ to, text: 'Toplu', iysType: 'NOTIFICATION' });
      expect(results.map((r) => [r.status, 'providerId' in r ? r.providerId : undefined])).toEqual([
        ['rejected', 'infobip'],
        ['accepted', 'next'],
        ['accepted', 'next'],
      ]);
      expect(next.accepted.map((a) => a.to)).toEqual([to[1], to[2]]);
    });
  });

  it('matches answer entries by messageId whatever their order; one id twice is a mismatch', async () => {
    const fake = await startRecordingServer();
    const subject = createInfobip({ accounts: [{ apiKey: API_KEY, from: 'ROTA', baseUrl: fake.origin }] });
    const to = ['+905321112233', '+905421112244', '+905051112255'];
    const status = (id: number, name: string, groupId: number, groupName: string) => ({ groupId, groupName, id, name });
    const answerWith = (pick: (ids: string[]) => string[]) => (request: { body: Buffer }) => {
      const { messages } = JSON.parse(request.body.toString()) as { messages: { destinations: { messageId: string }[] }[] };
      const ids = pick(messages[0]!.destinations.map((d) => d.messageId));
      // The middle number is refused (do-not-disturb), the others accepted, listed in the order `pick` gives.
      const sent = messages[0]!.destinations.map((d) => d.messageId);
      return {
        body: JSON.stringify({
          messages: ids.map((messageId) => ({
            messageId,
            status: messageId === sent[1] ? status(10, 'REJECTED_DND', 5, 'REJECTED') : status(26, 'PENDING_ACCEPTED', 1, 'PENDING'),
            details: { messageCount: 1 },
          })),
        }),
      };
    };
    try {
      fake.answer = answerWith((ids) => [...ids].reverse());
      const { receipts } = await subject.send(requestFor(subject, { to: to[0]!, text: 'x', iysType: 'NOTIFICATION' }, to));
      expect(receipts.map((r) => [r.to, r.status])).toEqual([
        [to[0], 'accepted'],
        [to[1], 'rejected'],
        [to[2], 'accepted'],
      ]);
      const sent = (JSON.parse(fake.requests.at(-1)!.body.toString()) as { messages: { destinations: { messageId: string }[] }[] }).messages[0]!.destinations.map((d) => d.messageId);
      expect(receipts.map((r) => (r.status === 'accepted' ? r.providerMessageId : undefined))).toEqual([sent[0], undefined, sent[2]]);

      fake.answer = answerWith((ids) => [ids[0]!, ids[0]!, ids[2]!]);
      expect(await providerErrorOf(subject.send(requestFor(subject, { to: to[0]!, text: 'x', iysType: 'NOTIFICATION' }, to)))).toMatchObject({ kind: 'outcome-unknown', code: 'result-mismatch' });
    } finally {
      await subject.close();
      await fake.close();
    }
  });
});

describe('delivery reports by pull (/sms/3/reports)', () => {
  it('reads each message\'s report once: delivered, and rejected for a consent refusal; nothing more the second time', async () => {
    const { receipts } = await provider.send({ ...campaign(APPROVED), recipients: [APPROVED, OPTED_OUT, NOT_APPROVED] });
    const ids = receipts.map(idOf);
    const reports = await provider.status({ accountId: 'infobip-ROTAKAMP-campaign', providerMessageIds: ids });
    expect(reports.map((r) => [r.providerMessageId, r.state, r.reason, r.final, r.to])).toEqual([
      [ids[0], 'delivered', undefined, true, APPROVED],
      [ids[1], 'rejected', 'opted-out', true, OPTED_OUT],
      [ids[2], 'rejected', 'opted-out', true, NOT_APPROVED],
    ]);
    expect(reports[0]!.at).toBeInstanceOf(Date);
    expect(await provider.status({ accountId: 'infobip-ROTAKAMP-campaign', providerMessageIds: ids })).toEqual([]);
  });

  it('a send whose answer was lost names the messageIds Rota gave it, and the report under them shows Infobip took it', async () => {
    sandbox.injectFault({ kind: 'reset', afterAccept: true, wire: 'infobip' });
    const lost = await providerErrorOf(provider.send({ ...notification(), recipients: ['+905321112233', '+905421112244'] }));
    sandbox.clearFaults();
    expect(lost.kind).toBe('outcome-unknown');
    const ids = lost.providerMessageIds!;
    expect(ids).toHaveLength(2);
    expect(new Set(ids).size).toBe(2);
    const reports = await provider.status({ accountId: 'infobip-ROTA-notification', providerMessageIds: [...ids] });
    expect(reports.map((r) => [r.providerMessageId, r.state, r.to])).toEqual([
      [ids[0], 'delivered', '+905321112233'],
      [ids[1], 'delivered', '+905421112244'],
    ]);
    // A refusal says nothing was sent: no ids to settle by.
    sandbox.injectFault({ kind: 'status-code', statusCode: 400, wire: 'infobip', endpoint: 'sms/3/messages' });
    expect((await providerErrorOf(provider.send(notification()))).providerMessageIds).toBeUndefined();
  });

  it('an undelivered message says why, from the report\'s error', async () => {
    sandbox.setOutcomes({ undelivered: 1 });
    try {
      const { receipts } = await provider.send(notification());
      expect(await provider.status({ accountId: 'infobip-ROTA-notification', providerMessageIds: [idOf(receipts[0]!)] })).toEqual([
        expect.objectContaining({ state: 'undelivered', reason: 'handset-error', final: true, providerCode: '2/9' }),
      ]);
    } finally {
      sandbox.setOutcomes({});
    }
  });

  it('keeps the reports it got when another id\'s read fails; throws only when nothing came back', async () => {
    const { receipts } = await provider.send(notification());
    sandbox.injectFault({ kind: 'http-error', httpStatus: 503, wire: 'infobip', endpoint: 'sms/3/reports', fraction: 1 });
    expect((await providerErrorOf(provider.status({ accountId: 'infobip-ROTA-notification', providerMessageIds: [idOf(receipts[0]!)] }))).kind).toBe('retryable');
    sandbox.clearFaults();
    sandbox.injectFault({ kind: 'status-code', statusCode: 401, wire: 'infobip', endpoint: 'sms/3/reports' });
    expect(await providerErrorOf(provider.status({ accountId: 'infobip-ROTA-notification', providerMessageIds: ['x'] }))).toMatchObject({ kind: 'provider-unavailable', code: 'E401' });
  });
});

describe('delivery reports by push', () => {
  it('sends deliveryReportUrl?token= as webhooks.delivery.url; reads what Infobip pushes there; refuses a missing or wrong token', async () => {
    const hook = await startRecordingServer();
    const pushing = createInfobip(configFor(sandbox.urls.infobip, { deliveryReportUrl: `${hook.origin}/v1/providers/infobip/reports`, pushToken: PUSH_TOKEN }));
    try {
      const { receipts } = await pushing.send({ ...notification(), recipients: ['+905321112233', '+905421112244'] });
      await waitFor(() => hook.requests.length === 1);
      const [push] = hook.requests;
      expect(push!.url).toBe(`/v1/providers/infobip/reports?token=${PUSH_TOKEN}`);
      const received = pushing.receiveReports!({ url: `${hook.origin}${push!.url}`, headers: push!.headers, body: push!.body });
      expect(received).toEqual({ ok: true, reports: receipts.map((r) => expect.objectContaining({ providerMessageId: idOf(r), state: 'delivered', final: true, to: r.to })) });
      expect(pushing.receiveReports!({ url: `${hook.origin}/v1/providers/infobip/reports`, headers: {}, body: push!.body })).toMatchObject({ ok: false, status: 401 });
      expect(pushing.receiveReports!({ url: `${hook.origin}/v1/providers/infobip/reports?token=x${PUSH_TOKEN}`, headers: {}, body: push!.body })).toMatchObject({ ok: false, status: 401 });
      expect(pushing.receiveReports!({ url: `/r?token=${PUSH_TOKEN}`, headers: {}, body: Buffer.from('{"results":[{}]}') })).toMatchObject({ ok: false, status: 400 });
    } finally {
      await pushing.close();
      await hook.close();
    }
  });

  it('refuses a deliveryReportUrl without a pushToken, naming the field', () => {
    expect(() => createInfobipProvider({ ...configFor(sandbox.urls.infobip), deliveryReportUrl: 'https://rota.example/v1/providers/infobip/reports' })).toThrow('pushToken: is required with deliveryReportUrl');
  });
});

describe('health (/account/1/balance)', () => {
  it('reports each account\'s balance; no balance, a wrong key, an unreachable API are unhealthy', async () => {
    const health = await provider.health();
    expect(health.healthy).toBe(true);
    expect(health.accounts.map((a) => [a.accountId, a.healthy, a.detail.includes('EUR')])).toEqual([
      ['infobip-ROTA-notification', true, true],
      ['infobip-ROTAKAMP-campaign', true, true],
    ]);
    sandbox.setWireCredit('infobip', 'campaign', 0);
    try {
      expect((await provider.health()).accounts[1]).toMatchObject({ healthy: false, balance: 0 });
    } finally {
      sandbox.setWireCredit('infobip', 'campaign', 1_000);
    }
    sandbox.injectFault({ kind: 'status-code', statusCode: 401, wire: 'infobip', endpoint: 'account/1/balance' });
    expect((await provider.health()).accounts[0]).toMatchObject({ healthy: false, detail: expect.stringContaining('HTTP 401 UNAUTHORIZED') });
    sandbox.clearFaults();
    sandbox.injectFault({ kind: 'reset', wire: 'infobip' });
    expect((await provider.health()).healthy).toBe(false);
  });
});

describe('secrets', () => {
  const KNOWN_KEY = 'Kn0wn-Infobip-Key-Value';

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
    ['a wrong key', () => undefined],
    ['an error answer', () => sandbox.injectFault({ kind: 'status-code', statusCode: 400, wire: 'infobip' })],
    ['a garbled answer', () => sandbox.injectFault({ kind: 'garbled', wire: 'infobip' })],
    ['a reset', () => sandbox.injectFault({ kind: 'reset', afterAccept: true, wire: 'infobip' })],
    ['an HTTP error', () => sandbox.injectFault({ kind: 'http-error', httpStatus: 503, wire: 'infobip' })],
  ])('never let the API key or push token out on %s', async (_name, arrange) => {
    arrange();
    const lines: string[] = [];
    const subject = createInfobip(
      { accounts: [{ apiKey: KNOWN_KEY, from: 'ROTA', baseUrl: sandbox.urls.infobip }], deliveryReportUrl: 'http://127.0.0.1:9/hook', pushToken: PUSH_TOKEN },
      { logger: capturingLogger(lines) },
    );
    try {
      const sendError = await providerErrorOf(subject.send(requestFor(subject, { to: '+905321112233', text: 'x', iysType: 'NOTIFICATION' })));
      const statusError = await subject.status({ accountId: 'infobip-ROTA-notification', providerMessageIds: ['x'] }).catch((e: unknown) => e);
      const health = await subject.health();
      expect(sendError).toBeInstanceOf(ProviderError);
      expect(lines.length).toBeGreaterThan(0);
      const everything = [everythingIn(sendError), everythingIn(statusError), JSON.stringify(health), JSON.stringify(subject), inspect(subject, { depth: 10, showHidden: true }), ...lines].join('\n');
      for (const secret of [KNOWN_KEY, PUSH_TOKEN, API_KEY, CAMPAIGN_KEY]) expect(everything).not.toContain(secret);
    } finally {
      await subject.close();
    }
  });

  it('logs masked phone numbers only', async () => {
    const lines: string[] = [];
    sandbox.injectFault({ kind: 'status-code', statusCode: 401, wire: 'infobip' });
    const subject = createInfobip(configFor(sandbox.urls.infobip), { logger: capturingLogger(lines) });
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
    const subject = createInfobip(configFor(sandbox.urls.infobip));
    await subject.send(requestFor(subject, { to: '+905321112233', text: 'x', iysType: 'NOTIFICATION' }));
    await subject.close();
    await subject.close();
    expect(await providerErrorOf(subject.send(requestFor(subject, { to: '+905321112233', text: 'x', iysType: 'NOTIFICATION' })))).toMatchObject({ kind: 'provider-unavailable', code: 'closed' });
    expect((await subject.health()).healthy).toBe(false);
  });
});
