import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { ProviderError, analyzeText, validateMessage, type SendRequest } from '@rota/provider';
import { createFakeProvider, sendRequest, type FakeProvider } from '../src/index.js';

const ALI = '+905321112233';
const AYSE = '+905421112244';
const MEHMET = '+905051112255';

const request = (overrides: Partial<SendRequest> = {}): SendRequest =>
  sendRequest({ accountId: 'fake-notification', sender: 'ROTA', recipients: [ALI], text: 'Siparişiniz yola çıktı', ...overrides });

function message(input: Record<string, unknown>) {
  const result = validateMessage({ to: ALI, text: 'Kodunuz 123456', ...input });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.message;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
    },
    (error: unknown) => error,
  );
}

describe('createFakeProvider options', () => {
  it('defaults to one NOTIFICATION and one CAMPAIGN account, 800 recipients and every encoding', () => {
    const fake = createFakeProvider({ id: 'fake' });
    expect(fake.id).toBe('fake');
    expect(fake.accountIds).toEqual(['fake-notification', 'fake-campaign']);
    expect(fake.capabilities).toEqual({
      maxRecipientsPerRequest: 800,
      encodings: ['GSM7', 'GSM7_TURKISH_SHIFT', 'UCS2'],
      deliveryStatus: true,
      scheduling: false,
      turkishNumbersOnly: false,
    });
  });

  it.each([
    [{ id: 'Not Kebab' }, 'id: must be kebab-case'],
    [{ id: 'fake', maxRecipientsPerRequest: 0 }, 'maxRecipientsPerRequest: must be at least 1'],
    [{ id: 'fake', encodings: [] }, 'encodings: must list at least one encoding'],
    [{ id: 'fake', accounts: [{ accountId: 'a', iysType: 'OTP' }] }, 'accounts.0.iysType'],
    [{ id: 'fake', accounts: [{ accountId: 'a', iysType: 'CAMPAIGN', senders: ['ŞİRKET'] }] }, 'accounts.0.senders.0: must not contain Turkish letters'],
    [
      { id: 'fake', accounts: [{ accountId: 'a', iysType: 'CAMPAIGN' }, { accountId: 'a', iysType: 'NOTIFICATION' }] },
      'accounts.1.accountId: "a" is used by another account',
    ],
    [{ id: 'fake', script: [{ type: 'explode' }] }, 'script.0.type'],
    [{ id: 'fake', script: [{ type: 'error', kind: 'oops' }] }, 'script.0.kind'],
    [{ id: 'fake', script: [{ type: 'accept', rejectRecipients: ['05321112233'] }] }, 'script.0.rejectRecipients.0: must be an E.164 number'],
    [{ id: 'fake', script: 'accept' }, 'script: must be an array of steps or a function'],
    [{ id: 'fake', fallback: { type: 'accept', delayMs: -1 } }, 'fallback.delayMs: must not be negative'],
    [{ id: 'fake', colour: 'red' }, 'colour: is not a known field'],
  ])('rejects bad options naming the field: %j', (options, expected) => {
    expect(() => createFakeProvider(options as never)).toThrow(expected);
  });
});

describe('select', () => {
  const fake = createFakeProvider({
    id: 'fake',
    encodings: ['GSM7', 'GSM7_TURKISH_SHIFT'],
    accounts: [
      { accountId: 'otp', iysType: 'NOTIFICATION', senders: ['ROTA', 'ROTA OTP'] },
      { accountId: 'kargo', iysType: 'NOTIFICATION', senders: ['KARGO'] },
    ],
  });

  it('picks the first account of the IYS type and its first sender when none is asked for', () => {
    expect(fake.select(message({ iysType: 'NOTIFICATION' }))).toEqual({ eligible: true, accountId: 'otp', sender: 'ROTA' });
  });

  it('picks the account that has the requested sender', () => {
    expect(fake.select(message({ iysType: 'NOTIFICATION', sender: 'KARGO' }))).toEqual({ eligible: true, accountId: 'kargo', sender: 'KARGO' });
  });

  it('refuses an IYS type it has no account for', () => {
    expect(fake.select(message({ iysType: 'CAMPAIGN' }))).toEqual({ eligible: false, reason: 'no fake account for IYS type CAMPAIGN' });
  });

  it('refuses a sender no account of that type has, naming it', () => {
    const selection = fake.select(message({ iysType: 'NOTIFICATION', sender: 'BANKA' }));
    expect(selection.eligible).toBe(false);
    expect(selection.eligible === false && selection.reason).toContain('"BANKA"');
  });

  it('refuses a text in an encoding it does not support', () => {
    const emoji = message({ iysType: 'NOTIFICATION', text: 'Kargonuz yolda 🚚' });
    expect(emoji.analysis.encoding).toBe('UCS2');
    const selection = fake.select(emoji);
    expect(selection.eligible).toBe(false);
    expect(selection.eligible === false && selection.reason).toContain('UCS2');
  });
});

describe('send', () => {
  let fake: FakeProvider;

  afterEach(async () => {
    jest.useRealTimers();
    await fake?.close();
  });

  it('accepts by default: one receipt per recipient, in order, with fresh ids and the billed segments', async () => {
    fake = createFakeProvider({ id: 'fake' });
    const req = request({ recipients: [ALI, AYSE, MEHMET] });
    const response = await fake.send(req);
    expect(response.receipts).toEqual([
      { status: 'accepted', to: ALI, providerMessageId: 'fake-1', segmentsBilled: req.analysis.segments },
      { status: 'accepted', to: AYSE, providerMessageId: 'fake-2', segmentsBilled: req.analysis.segments },
      { status: 'accepted', to: MEHMET, providerMessageId: 'fake-3', segmentsBilled: req.analysis.segments },
    ]);
    expect(fake.calls).toHaveLength(1);
    expect(fake.calls[0]).toMatchObject({ accountId: 'fake-notification', sender: 'ROTA', recipients: [ALI, AYSE, MEHMET], outcome: 'accepted' });
    expect(fake.calls[0]!.at).toBeInstanceOf(Date);
  });

  it('bills every segment of a long text', async () => {
    fake = createFakeProvider({ id: 'fake' });
    const text = 'Ödemeniz alındı. '.repeat(20);
    const response = await fake.send(request({ text }));
    expect(analyzeText(text).segments).toBeGreaterThan(1);
    expect(response.receipts[0]).toMatchObject({ status: 'accepted', segmentsBilled: analyzeText(text).segments });
  });

  it('rejects the scripted recipients one by one and accepts the rest', async () => {
    fake = createFakeProvider({
      id: 'fake',
      script: [{ type: 'accept', rejectRecipients: [AYSE], rejectCode: 'IYS-RET', rejectReason: 'no IYS consent', simulated: true }],
    });
    const response = await fake.send(request({ recipients: [ALI, AYSE, MEHMET] }));
    expect(response.receipts).toEqual([
      { status: 'accepted', to: ALI, providerMessageId: 'fake-1', segmentsBilled: 1, simulated: true },
      { status: 'rejected', to: AYSE, code: 'IYS-RET', reason: 'no IYS consent' },
      { status: 'accepted', to: MEHMET, providerMessageId: 'fake-2', segmentsBilled: 1, simulated: true },
    ]);
    expect(fake.accepted.map((a) => a.to)).toEqual([ALI, MEHMET]);
  });

  it.each(['retryable', 'provider-unavailable', 'message-rejected', 'outcome-unknown'] as const)('throws a scripted %s ProviderError', async (kind) => {
    fake = createFakeProvider({ id: 'fake', script: [{ type: 'error', kind, code: '503', retryAfterMs: 2_000 }] });
    const error = await rejection(fake.send(request()));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ kind, code: '503', retryAfterMs: 2_000 });
    expect(fake.calls[0]!.outcome).toBe(kind);
    expect(fake.acceptedCount).toBe(0);
  });

  it('throws something that is not a ProviderError for a throw step', async () => {
    const bug = new RangeError('index out of range');
    fake = createFakeProvider({ id: 'fake', script: [{ type: 'throw' }, { type: 'throw', error: bug }] });
    const first = await rejection(fake.send(request()));
    expect(first).toBeInstanceOf(Error);
    expect(ProviderError.is(first)).toBe(false);
    expect(await rejection(fake.send(request()))).toBe(bug);
    expect(fake.calls.map((c) => c.outcome)).toEqual(['threw', 'threw']);
  });

  it('consumes array steps one per call, then uses the fallback', async () => {
    fake = createFakeProvider({
      id: 'fake',
      script: [
        { type: 'error', kind: 'retryable' },
        { type: 'error', kind: 'retryable' },
      ],
      fallback: { type: 'error', kind: 'provider-unavailable' },
    });
    for (let i = 0; i < 4; i += 1) await rejection(fake.send(request()));
    expect(fake.calls.map((c) => c.outcome)).toEqual(['retryable', 'retryable', 'provider-unavailable', 'provider-unavailable']);
  });

  it('accepts once the array runs out when no fallback is given', async () => {
    fake = createFakeProvider({ id: 'fake', script: [{ type: 'error', kind: 'retryable' }] });
    await rejection(fake.send(request()));
    await expect(fake.send(request())).resolves.toMatchObject({ receipts: [{ status: 'accepted' }] });
  });

  it('asks a script function for every call, telling it the call index and the request', async () => {
    const seen: Array<[number, readonly string[]]> = [];
    fake = createFakeProvider({
      id: 'fake',
      script: ({ index, request: req }) => {
        seen.push([index, req.recipients]);
        return req.recipients.includes(AYSE) ? { type: 'error', kind: 'message-rejected' } : { type: 'accept' };
      },
    });
    await fake.send(request({ recipients: [ALI] }));
    await rejection(fake.send(request({ recipients: [AYSE] })));
    expect(seen).toEqual([
      [0, [ALI]],
      [1, [AYSE]],
    ]);
  });

  it('fails loudly when a script function returns an invalid step', async () => {
    fake = createFakeProvider({ id: 'fake', script: () => ({ type: 'accept', delayMs: 'soon' }) as never });
    const error = await rejection(fake.send(request()));
    expect(ProviderError.is(error)).toBe(false);
    expect(String(error)).toContain('delayMs');
  });

  it('setScript replaces the script and starts it from its first step', async () => {
    fake = createFakeProvider({ id: 'fake' });
    await fake.send(request());
    fake.setScript([{ type: 'error', kind: 'outcome-unknown' }], { type: 'error', kind: 'retryable' });
    await rejection(fake.send(request()));
    await rejection(fake.send(request()));
    expect(fake.calls.map((c) => c.outcome)).toEqual(['accepted', 'outcome-unknown', 'retryable']);
    expect(() => fake.setScript([{ type: 'hang', forever: true }] as never)).toThrow('script.0.forever: is not a known field');
  });

  it('refuses requests a real provider would refuse, without taking a script step', async () => {
    fake = createFakeProvider({ id: 'fake', maxRecipientsPerRequest: 2, script: [{ type: 'error', kind: 'retryable' }] });
    const refusals = [
      request({ accountId: 'elsewhere' }),
      request({ sender: 'OTHER' }),
      request({ recipients: [] }),
      request({ recipients: [ALI, AYSE, MEHMET] }),
    ];
    const errors = await Promise.all(refusals.map((req) => rejection(fake.send(req))));
    expect(errors.map((e) => [(e as ProviderError).kind, (e as ProviderError).code])).toEqual([
      ['provider-unavailable', 'unknown-account'],
      ['message-rejected', 'sender-not-allowed'],
      ['message-rejected', 'no-recipients'],
      ['message-rejected', 'too-many-recipients'],
    ]);
    expect(fake.calls.every((c) => c.step === undefined)).toBe(true);
    // The scripted step is still the next one.
    await expect(fake.send(request())).rejects.toMatchObject({ kind: 'retryable' });
  });

  it('refuses an already-aborted call as retryable, without delivering or taking a script step', async () => {
    fake = createFakeProvider({ id: 'fake', script: [{ type: 'error', kind: 'message-rejected' }] });
    const controller = new AbortController();
    controller.abort();
    const error = await rejection(fake.send(request(), { signal: controller.signal }));
    expect(error).toMatchObject({ name: 'ProviderError', kind: 'retryable', code: 'aborted' });
    expect(fake.acceptedCount).toBe(0);
    await expect(fake.send(request())).rejects.toMatchObject({ kind: 'message-rejected' });
  });

  it('waits the scripted delay before answering and leaves no listener on the signal', async () => {
    jest.useFakeTimers();
    fake = createFakeProvider({ id: 'fake', script: [{ type: 'accept', delayMs: 30_000 }] });
    const controller = new AbortController();
    let settled = false;
    const sending = fake.send(request(), { signal: controller.signal }).finally(() => {
      settled = true;
    });
    await jest.advanceTimersByTimeAsync(29_999);
    expect(settled).toBe(false);
    expect(fake.calls[0]!.outcome).toBe('pending');
    await jest.advanceTimersByTimeAsync(1);
    await expect(sending).resolves.toMatchObject({ receipts: [{ status: 'accepted', to: ALI }] });
    expect(jest.getTimerCount()).toBe(0);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('rejects promptly as outcome-unknown when aborted during a delay, clearing the timer', async () => {
    jest.useFakeTimers();
    fake = createFakeProvider({ id: 'fake', script: [{ type: 'accept', delayMs: 60_000 }] });
    const controller = new AbortController();
    const sending = rejection(fake.send(request(), { signal: controller.signal }));
    await jest.advanceTimersByTimeAsync(10);
    expect(jest.getTimerCount()).toBe(1);
    controller.abort(new Error('deadline'));
    const error = await sending;
    expect(error).toMatchObject({ name: 'ProviderError', kind: 'outcome-unknown', code: 'aborted' });
    expect(jest.getTimerCount()).toBe(0);
    expect(fake.acceptedCount).toBe(0);
    expect(fake.calls[0]!.outcome).toBe('outcome-unknown');
  });

  it('aborts a delayed error step too', async () => {
    jest.useFakeTimers();
    fake = createFakeProvider({ id: 'fake', script: [{ type: 'error', kind: 'retryable', delayMs: 5_000 }] });
    const controller = new AbortController();
    const sending = rejection(fake.send(request(), { signal: controller.signal }));
    controller.abort();
    expect(await sending).toMatchObject({ kind: 'outcome-unknown', code: 'aborted' });
    expect(jest.getTimerCount()).toBe(0);
  });

  it('hangs until the signal aborts, then rejects as outcome-unknown with code aborted, holding no timer', async () => {
    jest.useFakeTimers();
    fake = createFakeProvider({ id: 'fake', script: [{ type: 'hang' }] });
    const controller = new AbortController();
    let settled = false;
    const sending = rejection(fake.send(request(), { signal: controller.signal })).finally(() => {
      settled = true;
    });
    await jest.advanceTimersByTimeAsync(24 * 60 * 60 * 1000);
    expect(settled).toBe(false);
    expect(jest.getTimerCount()).toBe(0);
    const reason = new Error('router deadline');
    controller.abort(reason);
    const error = await sending;
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ kind: 'outcome-unknown', code: 'aborted', cause: reason });
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('close() ends hung and delayed calls and refuses later sends', async () => {
    fake = createFakeProvider({ id: 'fake', script: [{ type: 'hang' }, { type: 'accept', delayMs: 60_000 }] });
    const controller = new AbortController();
    const hung = rejection(fake.send(request(), { signal: controller.signal }));
    const delayed = rejection(fake.send(request()));
    await fake.close();
    expect(await hung).toMatchObject({ kind: 'outcome-unknown', code: 'closed' });
    expect(await delayed).toMatchObject({ kind: 'outcome-unknown', code: 'closed' });
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    await expect(fake.send(request())).rejects.toMatchObject({ kind: 'provider-unavailable', code: 'closed' });
    await expect(fake.close()).resolves.toBeUndefined();
  });

  it('records a delivery the caller never heard of for delivered error and hang steps', async () => {
    fake = createFakeProvider({
      id: 'fake',
      script: [{ type: 'error', kind: 'outcome-unknown', code: 'timeout', delivered: true }, { type: 'hang', delivered: true }],
    });
    await rejection(fake.send(request()));
    const controller = new AbortController();
    const hung = rejection(fake.send(request(), { signal: controller.signal }));
    controller.abort();
    await hung;
    expect(fake.acceptedTimes(ALI)).toBe(2);
    expect(fake.duplicates()).toEqual([{ to: ALI, text: 'Siparişiniz yola çıktı', times: 2 }]);
  });
});

describe('counters', () => {
  it('counts calls and deliveries per recipient and text, finds duplicates, and resets', async () => {
    const fake = createFakeProvider({ id: 'fake', script: [{ type: 'accept' }, { type: 'error', kind: 'retryable' }] });
    await fake.send(request({ text: 'Kodunuz 1111', recipients: [ALI, AYSE] }));
    await rejection(fake.send(request({ text: 'Kodunuz 1111', recipients: [MEHMET] })));
    await fake.send(request({ text: 'Kodunuz 1111', recipients: [ALI] }));
    await fake.send(request({ text: 'Kodunuz 2222', recipients: [ALI] }));

    expect(fake.callCount).toBe(4);
    expect(fake.acceptedCount).toBe(4);
    expect(fake.accepted[0]).toEqual({ to: ALI, text: 'Kodunuz 1111', accountId: 'fake-notification', providerMessageId: 'fake-1' });
    expect(fake.acceptedTimes(ALI)).toBe(3);
    expect(fake.acceptedTimes(ALI, 'Kodunuz 1111')).toBe(2);
    expect(fake.acceptedTimes(MEHMET)).toBe(0);
    expect(fake.duplicates()).toEqual([{ to: ALI, text: 'Kodunuz 1111', times: 2 }]);

    fake.reset();
    expect(fake.callCount).toBe(0);
    expect(fake.acceptedCount).toBe(0);
    expect(fake.duplicates()).toEqual([]);
    // The script starts again, and ids never repeat.
    const again = await fake.send(request());
    expect(again.receipts[0]).toMatchObject({ providerMessageId: 'fake-5' });
    await expect(fake.send(request())).rejects.toMatchObject({ kind: 'retryable' });
  });
});

describe('status and health', () => {
  it('reports its own ids as delivered and anything else as not found', async () => {
    const fake = createFakeProvider({ id: 'fake' });
    const { receipts } = await fake.send(request({ recipients: [ALI, AYSE] }));
    const ids = receipts.map((r) => (r.status === 'accepted' ? r.providerMessageId : ''));
    const reports = await fake.status({ accountId: 'fake-notification', providerMessageIds: [...ids, 'other-9'] });
    expect(reports).toEqual([
      { providerMessageId: 'fake-1', state: 'delivered', final: true, to: ALI },
      { providerMessageId: 'fake-2', state: 'delivered', final: true, to: AYSE },
      { providerMessageId: 'other-9', state: 'unknown', reason: 'not-found', final: false },
    ]);
    const wrongAccount = await fake.status({ accountId: 'fake-campaign', providerMessageIds: ['fake-1'] });
    expect(wrongAccount).toEqual([{ providerMessageId: 'fake-1', state: 'unknown', reason: 'not-found', final: false }]);
  });

  it('reports every account healthy until told otherwise', async () => {
    const fake = createFakeProvider({ id: 'fake' });
    expect(await fake.health()).toEqual({
      healthy: true,
      accounts: [
        { accountId: 'fake-notification', healthy: true, detail: 'healthy' },
        { accountId: 'fake-campaign', healthy: true, detail: 'healthy' },
      ],
    });
    fake.setHealthy('fake-campaign', false);
    const health = await fake.health();
    expect(health.healthy).toBe(false);
    expect(health.accounts.map((a) => a.healthy)).toEqual([true, false]);
    expect(() => fake.setHealthy('nope', false)).toThrow('no account "nope"');
  });
});
