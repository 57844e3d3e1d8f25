import { createStubProvider, parseProviderConfig, type Encoding, type IysType, type ProviderFactoryOptions, type Provider } from '@rota/provider';
import { TwilioConfigSchema, type TwilioConfigInput } from './twilio-config.js';

export const TWILIO_PROVIDER_ID = 'twilio';

/** Last by default (lower rank first); operators re-rank in configuration. */
export const DEFAULT_RANK = 5;

/** The Messages resource takes one `To` a request. */
export const MAX_RECIPIENTS_PER_REQUEST = 1;

/**
 * Twilio documents no Turkish shift tables: a text outside GSM-7 goes as UCS-2.
 * A Turkish text is still carried (at up to twice the segments), so Twilio
 * stays a last resort for it rather than being skipped.
 */
export const TWILIO_ENCODINGS: readonly Encoding[] = Object.freeze(['GSM7', 'GSM7_TURKISH_SHIFT', 'UCS2'] as const);

/**
 * Twilio does not check IYS consent, and its Turkey guidelines prohibit
 * promotional traffic to Turkey (since 15 February 2021, "until further
 * notice"), so CAMPAIGN messages never go through it.
 */
export const TWILIO_IYS_TYPES: readonly IysType[] = Object.freeze(['NOTIFICATION'] as const);

/** One Twilio account per configuration; its id does not change when credentials rotate. */
export const TWILIO_ACCOUNT_ID = 'twilio';

export const INACTIVE_REASON = 'twilio: fromAddresses is empty (connector inactive)';

export type TwilioProviderOptions = ProviderFactoryOptions;

/**
 * Twilio as a `Provider`. A stub: it selects for real but has no wire client,
 * so `send` fails with provider-unavailable ("stub: no transport yet") unless
 * `simulate` turns on the development transport. With no fromAddresses it is
 * inactive and `select` refuses everything. Throws a `ProviderConfigError`
 * naming every bad field.
 */
export function createTwilioProvider(config: TwilioConfigInput, options: TwilioProviderOptions = {}): Provider {
  const parsed = parseProviderConfig(TwilioConfigSchema, config, 'Twilio');
  const inactive = parsed.fromAddresses.length === 0;
  if (inactive) options.logger?.info({ provider: TWILIO_PROVIDER_ID }, INACTIVE_REASON);
  return createStubProvider({
    id: options.id ?? TWILIO_PROVIDER_ID,
    displayName: 'Twilio',
    accounts: [{ accountId: TWILIO_ACCOUNT_ID, iysTypes: TWILIO_IYS_TYPES, senders: parsed.fromAddresses }],
    maxRecipientsPerRequest: MAX_RECIPIENTS_PER_REQUEST,
    encodings: TWILIO_ENCODINGS,
    simulate: parsed.simulate,
    inactiveReason: inactive ? INACTIVE_REASON : undefined,
    logger: options.logger,
  });
}
