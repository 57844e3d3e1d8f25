import { MessageSchema, type MessageInput, type Provider, type SendRequest } from '@rota/provider';
import type { InfobipAccountInput as SandboxAccount } from '@rota/figensoft-sandbox';
import { createInfobipProvider, type InfobipConfigInput, type InfobipProvider, type InfobipProviderOptions } from '../src/index.js';

/** Secrets a test can search for in everything the package lets out. */
export const API_KEY = 'ib-APIKEY-S3cret-4f1a2b3c';
export const CAMPAIGN_KEY = 'ib-CAMPAIGN-KEY-S3cret-77aa';
export const PUSH_TOKEN = 'ib-push-TOKEN-0123456789abcdef';
export const BRAND_CODE = 654321;

/** The sandbox's Infobip accounts: a transactional one (sender ROTA) and a consent-checked one (ROTAKAMP). */
export const SANDBOX_ACCOUNTS: SandboxAccount[] = [
  { name: 'transactional', apiKey: API_KEY, senders: ['ROTA'] },
  { name: 'campaign', apiKey: CAMPAIGN_KEY, senders: ['ROTAKAMP'] },
];

export const APPROVED = '+905321234567';
export const NOT_APPROVED = '+905329990000';
export const OPTED_OUT = '+905559998877';
export const CONSENT = { approved: [APPROVED.slice(1)], optedOut: [OPTED_OUT.slice(1)] };

export function configFor(baseUrl: string, overrides: Partial<InfobipConfigInput> = {}): InfobipConfigInput {
  return {
    accounts: [
      { apiKey: API_KEY, from: 'ROTA', baseUrl },
      { apiKey: CAMPAIGN_KEY, from: 'ROTAKAMP', baseUrl, iysTypes: ['CAMPAIGN'], brandCode: BRAND_CODE },
    ],
    ...overrides,
  };
}

/** Without `simulate` the factory builds the real provider, with status, health and close. */
export const createInfobip = (config: InfobipConfigInput, options?: InfobipProviderOptions) => createInfobipProvider(config, options) as InfobipProvider;

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

export async function waitFor(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}
