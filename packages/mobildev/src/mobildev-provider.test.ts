import { MessageSchema, ProviderConfigError, type IysType, type SendRequest } from '@rota/provider';
import { createMobildevProvider, DEFAULT_RANK } from './mobildev-provider.js';
import { sendRequest } from '@rota/testkit';
import { runStubTransportChecks } from '@rota/testkit/contract';

const notify = {
  companyCode: '01234',
  username: 'acme-otp',
  password: 'md-secret-1',
  senderList: ['ACME', 'ACMEOTP'],
  smsIysMessageType: 'NOTIFICATION' as const,
};
const campaign = { ...notify, username: 'acme-ads', password: 'md-secret-2', senderList: ['ACME'], encoding: 'GSM7' as const, smsIysMessageType: 'CAMPAIGN' as const };
const config = { accounts: [notify, campaign] };

const message = (iysType: IysType, extra: { sender?: string; text?: string } = {}) =>
  MessageSchema.parse({ to: '05321112233', text: extra.text ?? 'Kodunuz 4711', iysType, sender: extra.sender });

const request = (overrides: Partial<SendRequest> = {}): SendRequest =>
  sendRequest({ accountId: 'mobildev-notification', sender: 'ACMEOTP', recipients: ['+905321112233', '+905421112244'], otp: true, ...overrides });

describe('createMobildevProvider', () => {
  it('is rank 2, one account per IYS type, ids from the IYS type', () => {
    const provider = createMobildevProvider(config);
    expect(DEFAULT_RANK).toBe(2);
    expect(provider.id).toBe('mobildev');
    expect(provider.accountIds).toEqual(['mobildev-notification', 'mobildev-campaign']);
    expect(provider.capabilities).toEqual({
      maxRecipientsPerRequest: 1000,
      encodings: ['GSM7', 'GSM7_TURKISH_SHIFT', 'UCS2'],
      deliveryStatus: false,
      scheduling: false,
    });
  });

  it('declares only GSM7 when every account is set to GSM7', () => {
    const provider = createMobildevProvider({ accounts: [{ ...notify, encoding: 'GSM7' }] });
    expect(provider.capabilities.encodings).toEqual(['GSM7']);
    expect(provider.select(message('NOTIFICATION', { text: 'Şifreniz 4711' }))).toEqual({
      eligible: false,
      field: 'text',
      reason: 'Mobildev cannot send GSM7_TURKISH_SHIFT text (supports GSM7)',
    });
  });

  it('throws a ProviderConfigError naming the field, without the secret', () => {
    expect(() => createMobildevProvider({ accounts: [{ ...notify, senderList: [] }] })).toThrow(ProviderConfigError);
    expect(() => createMobildevProvider({ accounts: [{ ...notify, senderList: [] }] })).toThrow(
      'invalid Mobildev configuration: accounts.0.senderList: must list at least one sender ID',
    );
  });

  describe('select', () => {
    const provider = createMobildevProvider(config);

    it("takes the IYS type's account and its first sender", () => {
      expect(provider.select(message('NOTIFICATION'))).toEqual({ eligible: true, accountId: 'mobildev-notification', sender: 'ACME' });
      expect(provider.select(message('CAMPAIGN'))).toEqual({ eligible: true, accountId: 'mobildev-campaign', sender: 'ACME' });
    });

    it('takes a named sender from the sender list', () => {
      expect(provider.select(message('NOTIFICATION', { sender: 'ACMEOTP' }))).toEqual({
        eligible: true,
        accountId: 'mobildev-notification',
        sender: 'ACMEOTP',
      });
    });

    it('refuses a sender not in the sender list, naming it', () => {
      expect(provider.select(message('CAMPAIGN', { sender: 'ACMEOTP' }))).toEqual({
        eligible: false,
        field: 'sender',
        reason: 'sender "ACMEOTP" is not allowed on any Mobildev CAMPAIGN account (allowed: ACME)',
      });
    });

    it('refuses a Turkish text for an account set to GSM7', () => {
      expect(provider.select(message('CAMPAIGN', { text: 'İndirim başladı' }))).toEqual({
        eligible: false,
        field: 'text',
        reason: 'no Mobildev CAMPAIGN account can send GSM7_TURKISH_SHIFT text',
      });
      expect(provider.select(message('NOTIFICATION', { text: 'İndirim başladı' }))).toMatchObject({ eligible: true });
    });

    it('refuses an IYS type without an account', () => {
      expect(createMobildevProvider({ accounts: [campaign] }).select(message('NOTIFICATION'))).toEqual({
        eligible: false,
        reason: 'no Mobildev account for IYS type NOTIFICATION',
      });
    });
  });

  describe('send', () => {
    it('accepts with simulate: one simulated receipt per recipient, in order', async () => {
      const { receipts } = await createMobildevProvider({ ...config, simulate: { latencyMs: 1 } }).send(request());
      expect(receipts).toEqual([
        { status: 'accepted', to: '+905321112233', providerMessageId: 'sim-mobildev-1', segmentsBilled: 1, simulated: true },
        { status: 'accepted', to: '+905421112244', providerMessageId: 'sim-mobildev-2', segmentsBilled: 1, simulated: true },
      ]);
    });
  });
});

runStubTransportChecks('mobildev', {
  create: (simulate, logger) => createMobildevProvider(simulate ? { ...config, simulate } : config, { logger }),
  request: request(),
  secret: 'md-secret',
  failKind: 'message-rejected',
});
