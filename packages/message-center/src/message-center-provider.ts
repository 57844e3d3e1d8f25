import { createStubProvider, parseProviderConfig, senderAccountId, type Encoding, type ProviderFactoryOptions, type Provider } from '@rota/provider';
import { MessageCenterConfigSchema, type MessageCenterConfig, type MessageCenterConfigInput } from './message-center-config.js';

export const MESSAGE_CENTER_PROVIDER_ID = 'message-center';

/** Tried first by default (lower rank first); operators re-rank in configuration. */
export const DEFAULT_RANK = 1;

/**
 * A documented guess: the send-sms API takes a list of numbers per order but
 * publishes no ceiling. Revisit when the stub becomes a client.
 */
export const MAX_RECIPIENTS_PER_REQUEST = 1_000;

/** Message Center bills Turkish characters in a "Turkish-character mode" (the shift tables) and falls back to Unicode. */
export const MESSAGE_CENTER_ENCODINGS: readonly Encoding[] = Object.freeze(['GSM7', 'GSM7_TURKISH_SHIFT', 'UCS2'] as const);

export type MessageCenterProviderOptions = ProviderFactoryOptions;

/** The id of a configured account: from its sender and IYS types, never its credentials. */
export function messageCenterAccountId(account: MessageCenterConfig['accounts'][number]): string {
  return senderAccountId(MESSAGE_CENTER_PROVIDER_ID, account.sender, account.iysTypes);
}

/**
 * Message Center as a `Provider`. A stub: it selects accounts for real but has
 * no wire client, so `send` fails with provider-unavailable ("stub: no
 * transport yet") unless `simulate` turns on the development transport.
 * Throws a `ProviderConfigError` naming every bad field.
 */
export function createMessageCenterProvider(config: MessageCenterConfigInput, options: MessageCenterProviderOptions = {}): Provider {
  const parsed = parseProviderConfig(MessageCenterConfigSchema, config, 'Message Center');
  return createStubProvider({
    id: options.id ?? MESSAGE_CENTER_PROVIDER_ID,
    displayName: 'Message Center',
    accounts: parsed.accounts.map((account) => ({
      accountId: messageCenterAccountId(account),
      iysTypes: account.iysTypes,
      senders: [account.sender],
    })),
    maxRecipientsPerRequest: MAX_RECIPIENTS_PER_REQUEST,
    encodings: MESSAGE_CENTER_ENCODINGS,
    simulate: parsed.simulate,
    logger: options.logger,
  });
}
