import { EncodingSchema, createStubProvider, parseProviderConfig, type Encoding, type IysType, type ProviderFactoryOptions, type Provider } from '@rota/provider';
import { MobildevConfigSchema, type MobildevConfigInput, type MobildevEncoding } from './mobildev-config.js';

export const MOBILDEV_PROVIDER_ID = 'mobildev';

/** Second by default (lower rank first); operators re-rank in configuration. */
export const DEFAULT_RANK = 2;

/**
 * A documented guess: Mobildev's XML API (Action 0) takes a number list per
 * request but publishes no ceiling. Revisit when the stub becomes a client.
 */
export const MAX_RECIPIENTS_PER_REQUEST = 1_000;

/**
 * What each connector encoding setting can carry. A GSM7 account has neither
 * the Turkish shift tables nor Unicode, so a text with ç, ğ, ı or ş must go
 * elsewhere; UTF-8 leaves the choice of alphabet to Mobildev.
 */
export const MOBILDEV_ENCODINGS: Readonly<Record<MobildevEncoding, readonly Encoding[]>> = Object.freeze({
  'UTF-8': ['GSM7', 'GSM7_TURKISH_SHIFT', 'UCS2'],
  GSM7: ['GSM7'],
});

export type MobildevProviderOptions = ProviderFactoryOptions;

/**
 * The id the router knows an account by. From the IYS type, not the username,
 * so that rotating credentials keeps the breaker and the metrics; unique
 * because the schema allows one account per IYS type.
 */
export function mobildevAccountId(iysType: IysType): string {
  return `${MOBILDEV_PROVIDER_ID}-${iysType.toLowerCase()}`;
}

/**
 * Mobildev as a `Provider`. A stub: it selects accounts for real (IYS type,
 * encoding, sender list) but has no wire client, so `send` fails with
 * provider-unavailable ("stub: no transport yet") unless `simulate` turns on
 * the development transport. Throws a `ProviderConfigError` naming every bad field.
 */
export function createMobildevProvider(config: MobildevConfigInput, options: MobildevProviderOptions = {}): Provider {
  const parsed = parseProviderConfig(MobildevConfigSchema, config, 'Mobildev');
  const accounts = parsed.accounts.map((account) => ({
    accountId: mobildevAccountId(account.smsIysMessageType),
    iysTypes: [account.smsIysMessageType],
    senders: account.senderList,
    encodings: MOBILDEV_ENCODINGS[account.encoding],
  }));
  const carried = new Set(accounts.flatMap((account) => account.encodings));
  return createStubProvider({
    id: options.id ?? MOBILDEV_PROVIDER_ID,
    displayName: 'Mobildev',
    accounts,
    maxRecipientsPerRequest: MAX_RECIPIENTS_PER_REQUEST,
    // Whatever any account can carry, cheapest first.
    encodings: EncodingSchema.options.filter((encoding) => carried.has(encoding)),
    simulate: parsed.simulate,
    logger: options.logger,
  });
}
