import { MessageSchema, type MessageInput, type Provider, type SendRequest } from '@rota/provider';
import type { MessageCenterAccountInput as SandboxAccount } from '@rota/figensoft-sandbox';
import type { MessageCenterConfigInput } from '../src/index.js';

/** Secrets a test can search for in everything the package lets out. */
export const KEY = 'mc-KEY-4f1a2b3c';
export const HASH = 'mc-HASH-S3cret-9d8e7f';
export const OTP_KEY = 'mc-OTP-KEY-77aa';
export const OTP_HASH = 'mc-OTP-HASH-S3cret-11bb';
export const PUSH_TOKEN = 'mc-push-TOKEN-0123456789abcdef';

/** The sandbox's Message Center accounts: one for both IYS types (sender ROTA), one NOTIFICATION-only (ROTAOTP). */
export const SANDBOX_ACCOUNTS: SandboxAccount[] = [
  { key: KEY, hash: HASH, senders: ['ROTA'] },
  { key: OTP_KEY, hash: OTP_HASH, senders: ['ROTAOTP'] },
];

export const APPROVED = '+905321234567';
export const NOT_APPROVED = '+905329990000';
export const OPTED_OUT = '+905559998877';
export const CONSENT = { approved: [APPROVED.slice(1)], optedOut: [OPTED_OUT.slice(1)] };

/** The provider configuration matching the sandbox accounts, pointed at `baseUrl`. */
export function configFor(baseUrl: string, overrides: Partial<MessageCenterConfigInput> = {}): MessageCenterConfigInput {
  return {
    baseUrl,
    accounts: [
      { key: OTP_KEY, hash: OTP_HASH, sender: 'ROTAOTP', iysTypes: ['NOTIFICATION'] },
      { key: KEY, hash: HASH, sender: 'ROTA' },
    ],
    ...overrides,
  };
}

/** The request the router would build for `input`: validated, selected, addressed to `recipients`. */
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

/** `count` distinct valid Turkish mobile numbers in E.164. */
export function mobileNumbers(count: number, start = 0): string[] {
  return Array.from({ length: count }, (_, i) => `+90532${String(start + i).padStart(7, '0')}`);
}

/** Polls until `condition` holds (jest's test timeout bounds the wait). */
export async function waitFor(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}
