import { createStubProvider, parseProviderConfig, senderAccountId, type Encoding, type ProviderFactoryOptions, type Provider } from '@rota/provider';
import { InfobipConfigSchema, type InfobipConfig, type InfobipConfigInput } from './infobip-config.js';

export const INFOBIP_PROVIDER_ID = 'infobip';

/** Fourth by default (lower rank first); operators re-rank in configuration. */
export const DEFAULT_RANK = 4;

/**
 * A documented guess: one `messages[]` entry takes a `destinations` list, and
 * Infobip publishes no hard ceiling for it. Revisit when the stub becomes a client.
 */
export const MAX_RECIPIENTS_PER_REQUEST = 1_000;

/** Infobip carries Turkish text with the Turkish language tables (`language: { languageCode: "TR" }`) or as Unicode. */
export const INFOBIP_ENCODINGS: readonly Encoding[] = Object.freeze(['GSM7', 'GSM7_TURKISH_SHIFT', 'UCS2'] as const);

export type InfobipProviderOptions = ProviderFactoryOptions;

/** The id of a configured account: from its sender and IYS types, never its API key. */
export function infobipAccountId(account: InfobipConfig['accounts'][number]): string {
  return senderAccountId(INFOBIP_PROVIDER_ID, account.from, account.iysTypes);
}

/**
 * Infobip as a `Provider`. A stub: it selects accounts for real but has no
 * wire client, so `send` fails with provider-unavailable ("stub: no transport
 * yet") unless `simulate` turns on the development transport. Throws a
 * `ProviderConfigError` naming every bad field.
 */
export function createInfobipProvider(config: InfobipConfigInput, options: InfobipProviderOptions = {}): Provider {
  const parsed = parseProviderConfig(InfobipConfigSchema, config, 'Infobip');
  return createStubProvider({
    id: options.id ?? INFOBIP_PROVIDER_ID,
    displayName: 'Infobip',
    accounts: parsed.accounts.map((account) => ({
      accountId: infobipAccountId(account),
      iysTypes: account.iysTypes,
      senders: [account.from],
    })),
    maxRecipientsPerRequest: MAX_RECIPIENTS_PER_REQUEST,
    encodings: INFOBIP_ENCODINGS,
    simulate: parsed.simulate,
    logger: options.logger,
  });
}
