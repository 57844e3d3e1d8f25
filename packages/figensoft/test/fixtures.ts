import { createServer } from 'node:net';
import { MessageSchema, type MessageInput, type SendRequest } from '@rota/provider';
import type { SandboxAccountInput } from '@rota/figensoft-sandbox';
import type { FigenSoftConfigInput, FigenSoftProvider } from '../src/index.js';

/** Passwords a test can search for in everything the package lets out. */
export const NOTIFY_PASSWORD = 'notify-S3cret-Pa55-91';
export const CAMPAIGN_PASSWORD = 'campaign-S3cret-Pa55-37';

export const NOTIFY: SandboxAccountInput = { username: 'rota-notify', password: NOTIFY_PASSWORD, iysType: 'NOTIFICATION', senders: ['ROTA', 'ROTAOTP'] };
export const CAMPAIGN: SandboxAccountInput = { username: 'rota-campaign', password: CAMPAIGN_PASSWORD, iysType: 'CAMPAIGN', senders: ['ROTA', 'ROTAKAMP'] };

/** The FigenSoft configuration matching the sandbox accounts, pointed at `url`. */
export function configFor(url: string, overrides: Partial<FigenSoftConfigInput> = {}): FigenSoftConfigInput {
  return {
    accounts: [NOTIFY, CAMPAIGN].map((a) => ({
      username: a.username,
      password: a.password,
      smsIysMessageType: a.iysType,
      senderList: a.senders,
      customApiActive: true,
      customApiUrl: url,
    })),
    ...overrides,
  };
}

/** A loopback URL nothing listens on: a port the OS just handed out and took back. */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/api_json`;
}

/** The request the router would build for `input`: validated, selected, addressed to `recipients`. */
export function requestFor(provider: FigenSoftProvider, input: MessageInput, recipients?: string[]): SendRequest {
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

/** Settles a promise into its error (fails the test if it resolves). */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection, but the promise resolved');
}

/** Polls `condition` every few milliseconds until it holds (jest's test timeout bounds the wait). */
export async function waitFor(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}
