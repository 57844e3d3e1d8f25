import { jest } from '@jest/globals';
import { MessageSchema, ProviderConfigError, type IysType, type Logger, type SendRequest } from '@rota/provider';
import { createTwilioProvider, DEFAULT_RANK } from './twilio-provider.js';
import { providerErrorOf, sendRequest } from '@rota/testkit';
import { runStubTransportChecks } from '@rota/testkit/contract';

const config = { accountSid: `AC${'0123456789abcdef'.repeat(2)}`, authToken: 'tw-secret-token', fromAddresses: ['ACME', 'ACMEOTP'] };

const message = (iysType: IysType, extra: { sender?: string; text?: string } = {}) =>
  MessageSchema.parse({ to: '05321112233', text: extra.text ?? 'Kodunuz 4711', iysType, sender: extra.sender });

const request = (overrides: Partial<SendRequest> = {}): SendRequest =>
  sendRequest({ accountId: 'twilio', sender: 'ACME', recipients: ['+905321112233'], otp: true, ...overrides });

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
        field: 'sender',
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
  });
});

runStubTransportChecks('twilio', {
  create: (simulate, logger) => createTwilioProvider(simulate ? { ...config, simulate } : config, { logger }),
  request: request(),
  secret: config.authToken,
  failKind: 'outcome-unknown',
});
