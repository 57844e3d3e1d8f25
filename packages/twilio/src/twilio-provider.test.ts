import { jest } from '@jest/globals';
import { analyzeText, MessageSchema, ProviderConfigError, type IysType, type Logger, type SendRequest } from '@rota/core';
import { createTwilioProvider, DEFAULT_RANK } from './twilio-provider.js';
import { providerErrorOf } from '@rota/testkit';

const config = { accountSid: `AC${'0123456789abcdef'.repeat(2)}`, authToken: 'tw-secret-token', fromAddresses: ['ACME', 'ACMEOTP'] };

const message = (iysType: IysType, extra: { sender?: string; text?: string } = {}) =>
  MessageSchema.parse({ to: '05321112233', text: extra.text ?? 'Kodunuz 4711', iysType, sender: extra.sender });

function request(overrides: Partial<SendRequest> = {}): SendRequest {
  return {
    accountId: 'twilio',
    sender: 'ACME',
    text: 'Kodunuz 4711',
    analysis: analyzeText('Kodunuz 4711'),
    iysType: 'NOTIFICATION',
    recipientType: 'BIREYSEL',
    recipients: ['+905321112233'],
    otp: true,
    ...overrides,
  };
}

function recordingLogger() {
  const warn = jest.fn<Logger['warn']>();
  const info = jest.fn<Logger['info']>();
  return { logger: { debug: jest.fn(), info, warn, error: jest.fn() } as Logger, warn, info };
}

describe('createTwilioProvider', () => {
  it('is rank 5, one account, one recipient a request', () => {
    const provider = createTwilioProvider(config);
    expect(DEFAULT_RANK).toBe(5);
    expect(provider.id).toBe('twilio');
    expect(provider.accountIds).toEqual(['twilio']);
    expect(provider.capabilities).toEqual({
      maxRecipientsPerRequest: 1,
      encodings: ['GSM7', 'GSM7_TURKISH_SHIFT', 'UCS2'],
      deliveryStatus: false,
      scheduling: false,
    });
  });

  it('throws a ProviderConfigError naming the field, without the token', () => {
    const bad = () => createTwilioProvider({ ...config, accountSid: 'AC1' });
    expect(bad).toThrow(ProviderConfigError);
    expect(bad).toThrow('invalid Twilio configuration: accountSid: must be "AC" followed by 32 hexadecimal characters');
  });

  describe('select', () => {
    const provider = createTwilioProvider(config);

    it('takes the first from address, or the one the message names', () => {
      expect(provider.select(message('NOTIFICATION'))).toEqual({ eligible: true, accountId: 'twilio', sender: 'ACME' });
      expect(provider.select(message('NOTIFICATION', { sender: 'ACMEOTP' }))).toEqual({ eligible: true, accountId: 'twilio', sender: 'ACMEOTP' });
    });

    it('refuses a sender not in fromAddresses, naming it', () => {
      expect(provider.select(message('NOTIFICATION', { sender: 'OTHER' }))).toEqual({
        eligible: false,
        reason: 'sender "OTHER" is not allowed on any Twilio NOTIFICATION account (allowed: ACME, ACMEOTP)',
      });
    });

    it('never takes a CAMPAIGN message', () => {
      expect(provider.select(message('CAMPAIGN'))).toEqual({ eligible: false, reason: 'no Twilio account for IYS type CAMPAIGN' });
    });

    it('carries a Turkish text (as UCS-2 on Twilio\'s side)', () => {
      expect(provider.select(message('NOTIFICATION', { text: 'Şifreniz 4711' }))).toMatchObject({ eligible: true });
    });
  });

  describe('with an empty fromAddresses', () => {
    it('is inactive: not eligible for anything, with the reason, and says so once at creation', () => {
      const { logger, info } = recordingLogger();
      const provider = createTwilioProvider({ ...config, fromAddresses: [] }, { logger });
      const inactive = { eligible: false, reason: 'twilio: fromAddresses is empty (connector inactive)' };
      expect(provider.select(message('NOTIFICATION'))).toEqual(inactive);
      expect(provider.select(message('NOTIFICATION', { sender: 'ACME' }))).toEqual(inactive);
      expect(provider.accountIds).toEqual(['twilio']);
      expect(info.mock.calls).toEqual([[{ provider: 'twilio' }, 'twilio: fromAddresses is empty (connector inactive)']]);
    });

    it('refuses to send even when simulated', async () => {
      const provider = createTwilioProvider({ ...config, fromAddresses: [], simulate: { latencyMs: 0 } });
      expect(await providerErrorOf(provider.send(request()))).toMatchObject({ kind: 'provider-unavailable', code: 'inactive' });
    });
  });

  describe('send', () => {
    it('fails with provider-unavailable without simulate: there is no transport yet', async () => {
      expect(await providerErrorOf(createTwilioProvider(config).send(request()))).toMatchObject({
        kind: 'provider-unavailable',
        message: 'stub: no transport yet',
        code: 'stub',
      });
    });

    it('accepts with simulate: a simulated receipt for the recipient', async () => {
      const provider = createTwilioProvider({ ...config, simulate: { latencyMs: 1 } });
      expect((await provider.send(request())).receipts).toEqual([
        { status: 'accepted', to: '+905321112233', providerMessageId: 'sim-twilio-1', segmentsBilled: 1, simulated: true },
      ]);
      expect((await provider.send(request({ recipients: ['+905421112244'] }))).receipts).toEqual([
        { status: 'accepted', to: '+905421112244', providerMessageId: 'sim-twilio-2', segmentsBilled: 1, simulated: true },
      ]);
    });

    it('refuses more recipients than one request takes', async () => {
      const provider = createTwilioProvider({ ...config, simulate: { latencyMs: 0 } });
      expect(await providerErrorOf(provider.send(request({ recipients: ['+905321112233', '+905421112244'] })))).toMatchObject({
        kind: 'message-rejected',
        code: 'too-many-recipients',
      });
    });

    it('fails every call with the chosen kind when failRate is 1', async () => {
      const provider = createTwilioProvider({ ...config, simulate: { latencyMs: 0, failRate: 1, failKind: 'outcome-unknown' } });
      expect(await providerErrorOf(provider.send(request()))).toMatchObject({ kind: 'outcome-unknown', code: 'simulated' });
    });

    it('reports an abort during the latency as outcome-unknown and keeps no timer', async () => {
      jest.useFakeTimers();
      try {
        const provider = createTwilioProvider({ ...config, simulate: { latencyMs: 30_000 } });
        const controller = new AbortController();
        const sending = provider.send(request(), { signal: controller.signal });
        controller.abort();
        expect(await providerErrorOf(sending)).toMatchObject({ kind: 'outcome-unknown', code: 'aborted' });
        expect(jest.getTimerCount()).toBe(0);
      } finally {
        jest.useRealTimers();
      }
    });

    it('warns once at creation that nothing is delivered, without secrets', () => {
      const { logger, warn } = recordingLogger();
      createTwilioProvider({ ...config, simulate: {} }, { logger });
      expect(warn.mock.calls.map((call) => call[1])).toEqual(['twilio: SIMULATED transport — messages are not delivered']);
      expect(JSON.stringify(warn.mock.calls)).not.toContain(config.authToken);
    });
  });
});
