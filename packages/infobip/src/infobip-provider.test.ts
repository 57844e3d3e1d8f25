import { MessageSchema, ProviderConfigError, type IysType, type SendRequest } from '@rota/provider';
import { createInfobipProvider, DEFAULT_RANK } from './infobip-provider.js';
import { sendRequest } from '@rota/testkit';
import { runStubTransportChecks } from '@rota/testkit/contract';

const notify = { apiKey: 'ib-secret-1', from: 'ACMEOTP', baseUrl: 'https://abc123.api.infobip.com' };
const both = { apiKey: 'ib-secret-2', from: 'ACME', baseUrl: 'https://abc123.api.infobip.com', iysTypes: ['NOTIFICATION' as const, 'CAMPAIGN' as const] };
const config = { accounts: [notify, both] };

const message = (iysType: IysType, sender?: string) => MessageSchema.parse({ to: '05321112233', text: 'Kodunuz 4711', iysType, sender });

const request = (overrides: Partial<SendRequest> = {}): SendRequest =>
  sendRequest({ accountId: 'infobip-ACMEOTP-notification', sender: 'ACMEOTP', recipients: ['+905321112233', '+905421112244'], otp: true, ...overrides });

describe('createInfobipProvider', () => {
  it('is rank 4 with ids derived from sender and IYS types, never from the API key', () => {
    const provider = createInfobipProvider(config);
    expect(DEFAULT_RANK).toBe(4);
    expect(provider.id).toBe('infobip');
    expect(provider.accountIds).toEqual(['infobip-ACMEOTP-notification', 'infobip-ACME']);
    expect(provider.capabilities).toEqual({
      maxRecipientsPerRequest: 1000,
      encodings: ['GSM7', 'GSM7_TURKISH_SHIFT', 'UCS2'],
      deliveryStatus: false,
      scheduling: false,
    });
  });

  it('throws a ProviderConfigError naming the field, without the secret', () => {
    const bad = () => createInfobipProvider({ accounts: [{ ...notify, baseUrl: 'http://abc123.api.infobip.com' }] });
    expect(bad).toThrow(ProviderConfigError);
    expect(bad).toThrow('invalid Infobip configuration: accounts.0.baseUrl: must use https (plain http is allowed only on loopback)');
  });

  describe('select', () => {
    const provider = createInfobipProvider(config);

    it("takes the first account serving the IYS type, with its sender", () => {
      expect(provider.select(message('NOTIFICATION'))).toEqual({ eligible: true, accountId: 'infobip-ACMEOTP-notification', sender: 'ACMEOTP' });
      expect(provider.select(message('CAMPAIGN'))).toEqual({ eligible: true, accountId: 'infobip-ACME', sender: 'ACME' });
    });

    it('takes the account whose from the message names, and refuses an unknown one', () => {
      expect(provider.select(message('NOTIFICATION', 'ACME'))).toEqual({ eligible: true, accountId: 'infobip-ACME', sender: 'ACME' });
      expect(provider.select(message('NOTIFICATION', 'OTHER'))).toEqual({
        eligible: false,
        field: 'sender',
        reason: 'sender "OTHER" is not allowed on any Infobip NOTIFICATION account (allowed: ACMEOTP, ACME)',
      });
    });

    it('sends no CAMPAIGN through accounts left at the NOTIFICATION default', () => {
      expect(createInfobipProvider({ accounts: [notify] }).select(message('CAMPAIGN'))).toEqual({
        eligible: false,
        reason: 'no Infobip account for IYS type CAMPAIGN',
      });
    });
  });

  describe('send', () => {
    it('accepts with simulate: one simulated receipt per recipient, in order', async () => {
      const { receipts } = await createInfobipProvider({ ...config, simulate: { latencyMs: 1 } }).send(request());
      expect(receipts).toEqual([
        { status: 'accepted', to: '+905321112233', providerMessageId: 'sim-infobip-1', segmentsBilled: 1, simulated: true },
        { status: 'accepted', to: '+905421112244', providerMessageId: 'sim-infobip-2', segmentsBilled: 1, simulated: true },
      ]);
    });
  });
});

runStubTransportChecks('infobip', {
  create: (simulate, logger) => createInfobipProvider(simulate ? { ...config, simulate } : config, { logger }),
  request: request(),
  secret: 'ib-secret',
});
