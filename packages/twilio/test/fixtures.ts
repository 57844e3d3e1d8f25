import { MessageSchema, type MessageInput, type Provider, type SendRequest } from '@rota/provider';
import { createTwilioProvider, type TwilioConfigInput, type TwilioProvider, type TwilioProviderOptions } from '../src/index.js';

export const ACCOUNT_SID = `AC${'5a9d'.repeat(8)}`;
/** A secret a test can search for in everything the package lets out. */
export const AUTH_TOKEN = 'tw-AUTH-TOKEN-S3cret-0a1b2c3d';
export const OPTED_OUT = '+905559998877';

export const SANDBOX_ACCOUNT = { accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, senders: ['ROTA', 'ROTAOTP'] };

export function configFor(baseUrl: string, overrides: Partial<TwilioConfigInput> = {}): TwilioConfigInput {
  return { accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, fromAddresses: ['ROTA', 'ROTAOTP'], baseUrl, ...overrides };
}

/** Without `simulate` the factory builds the real provider, with status, health and close. */
export const createTwilio = (config: TwilioConfigInput, options?: TwilioProviderOptions) => createTwilioProvider(config, options) as TwilioProvider;

export function requestFor(provider: Provider, input: MessageInput): SendRequest {
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
    recipients: [message.to],
    otp: message.otp,
    ...(message.sendAt ? { sendAt: message.sendAt } : {}),
    ...(message.validUntil ? { validUntil: message.validUntil } : {}),
  };
}

export async function waitFor(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}
