import { MessageSchema, ProviderConfigError, type IysType, type SendRequest } from '@rota/provider';
import { createMessageCenterProvider, DEFAULT_RANK } from './message-center-provider.js';
import { sendRequest } from '@rota/testkit';
import { runStubTransportChecks } from '@rota/testkit/contract';

const notify = { username: 'acme-otp', password: 'mc-secret-1', sender: 'ACMEOTP', iysTypes: ['NOTIFICATION' as const] };
const both = { username: 'acme', password: 'mc-secret-2', sender: 'ACME' };
const config = { accounts: [notify, both] };

const message = (iysType: IysType, sender?: string) => MessageSchema.parse({ to: '05321112233', text: 'Kodunuz 4711', iysType, sender });

const request = (overrides: Partial<SendRequest> = {}): SendRequest =>
  sendRequest({ accountId: 'message-center-ACME', sender: 'ACME', recipients: ['+905321112233', '+905421112244', '+905051112255'], iysType: 'CAMPAIGN', ...overrides });

describe('createMessageCenterProvider', () => {
  it('is rank 1 with ids derived from sender and IYS types, never from credentials', () => {
    const provider = createMessageCenterProvider(config);
    expect(DEFAULT_RANK).toBe(1);
    expect(provider.id).toBe('message-center');
    expect(provider.accountIds).toEqual(['message-center-ACMEOTP-notification', 'message-center-ACME']);
    expect(provider.capabilities).toEqual({
      maxRecipientsPerRequest: 1000,
      encodings: ['GSM7', 'GSM7_TURKISH_SHIFT', 'UCS2'],
      deliveryStatus: false,
      scheduling: false,
    });
  });

  it('throws a ProviderConfigError naming the field, without the secret', () => {
    let error: unknown;
    try {
      createMessageCenterProvider({ accounts: [{ ...both, sender: 'ŞİRKET' }] });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ProviderConfigError);
    expect((error as ProviderConfigError).message).toContain('invalid Message Center configuration: accounts.0.sender:');
    expect((error as ProviderConfigError).message).not.toContain(both.password);
  });

  describe('select', () => {
    const provider = createMessageCenterProvider(config);

    it("takes the first account serving the IYS type, with its sender", () => {
      expect(provider.select(message('NOTIFICATION'))).toEqual({ eligible: true, accountId: 'message-center-ACMEOTP-notification', sender: 'ACMEOTP' });
      expect(provider.select(message('CAMPAIGN'))).toEqual({ eligible: true, accountId: 'message-center-ACME', sender: 'ACME' });
    });

    it('takes the account whose sender the message names', () => {
      expect(provider.select(message('NOTIFICATION', 'ACME'))).toEqual({ eligible: true, accountId: 'message-center-ACME', sender: 'ACME' });
    });

    it('refuses a sender not approved for that IYS type, naming it', () => {
      expect(provider.select(message('CAMPAIGN', 'ACMEOTP'))).toEqual({
        eligible: false,
        field: 'sender',
        reason: 'sender "ACMEOTP" is not allowed on any Message Center CAMPAIGN account (allowed: ACME)',
      });
    });

    it('refuses an IYS type no account serves', () => {
      const notifyOnly = createMessageCenterProvider({ accounts: [notify] });
      expect(notifyOnly.select(message('CAMPAIGN'))).toEqual({ eligible: false, reason: 'no Message Center account for IYS type CAMPAIGN' });
    });
  });

  describe('send with simulate', () => {
    it('accepts after the latency with one simulated receipt per recipient, in order', async () => {
      const provider = createMessageCenterProvider({ ...config, simulate: { latencyMs: 1 } });
      const { receipts } = await provider.send(request());
      expect(receipts).toEqual(
        request().recipients.map((to, index) => ({
          status: 'accepted',
          to,
          providerMessageId: `sim-message-center-${index + 1}`,
          segmentsBilled: 1,
          simulated: true,
        })),
      );
    });
  });
});

runStubTransportChecks('message-center', {
  create: (simulate, logger) => createMessageCenterProvider(simulate ? { ...config, simulate } : config, { logger }),
  request: request(),
  secret: 'mc-secret',
  failKind: 'retryable',
});
