import { MessageSchema, type MessageInput, type Provider, type SendRequest } from '@rota/provider';
import type { MobildevAccountInput as SandboxAccount } from '@rota/figensoft-sandbox';
import { createMobildevProvider, type MobildevConfigInput, type MobildevProvider, type MobildevProviderOptions } from '../src/index.js';

/** Secrets a test can search for in everything the package lets out. */
export const NOTIFY_PASSWORD = 'md-notify-S3cret-Pa55';
export const CAMPAIGN_PASSWORD = 'md-campaign-S3cret-Pa55';

/** As the sandbox knows them: UserName = username-companyCode. */
export const SANDBOX_ACCOUNTS: SandboxAccount[] = [
  { username: 'rota-notify-01234', password: NOTIFY_PASSWORD, senders: ['ROTA', 'ROTAOTP'] },
  { username: 'rota-campaign-01234', password: CAMPAIGN_PASSWORD, senders: ['ROTA'] },
];

export const APPROVED = '+905321234567';
export const NOT_APPROVED = '+905329990000';
export const OPTED_OUT = '+905559998877';
export const CONSENT = { approved: [APPROVED.slice(1)], optedOut: [OPTED_OUT.slice(1)] };

export function configFor(baseUrl: string, overrides: Partial<MobildevConfigInput> = {}): MobildevConfigInput {
  return {
    baseUrl,
    accounts: [
      { companyCode: '01234', username: 'rota-notify', password: NOTIFY_PASSWORD, senderList: ['ROTA', 'ROTAOTP'], smsIysMessageType: 'NOTIFICATION' },
      { companyCode: '01234', username: 'rota-campaign', password: CAMPAIGN_PASSWORD, senderList: ['ROTA'], smsIysMessageType: 'CAMPAIGN' },
    ],
    ...overrides,
  };
}

/** Without `simulate` the factory builds the real provider, with status, health and close. */
export const createMobildev = (config: MobildevConfigInput, options?: MobildevProviderOptions) => createMobildevProvider(config, options) as MobildevProvider;

export function requestFor(provider: Provider, input: MessageInput, recipients?: readonly string[]): SendRequest {
  const message = MessageSchema.parse(input);
  const selection = provider.select(message);
  if (!selection.eligible) throw new Error(`not eligible: ${selection.reason}`);
  return {
    accountId: selection.accountId,
    sender: selection.sender,
    text: message.text,
    analysis: message.analysis,
    iysType: message.iysType,
    recipientType: message.recipientType,
    recipients: recipients ?? [message.to],
    otp: message.otp,
    ...(message.sendAt ? { sendAt: message.sendAt } : {}),
    ...(message.validUntil ? { validUntil: message.validUntil } : {}),
  };
}

export function mobileNumbers(count: number, start = 0): string[] {
  return Array.from({ length: count }, (_, i) => `+90532${String(start + i).padStart(7, '0')}`);
}
