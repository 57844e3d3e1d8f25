// The public surface of @rota/twilio. The DI module is on the
// `@rota/twilio/di` subpath so that a caller without inversify never loads it.
export {
  createTwilioProvider,
  DEFAULT_RANK,
  INACTIVE_REASON,
  MAX_RECIPIENTS_PER_REQUEST,
  TWILIO_ACCOUNT_ID,
  TWILIO_ENCODINGS,
  TWILIO_IYS_TYPES,
  TWILIO_PROVIDER_ID,
  type TwilioProviderOptions,
} from './twilio-provider.js';
export { TwilioConfigSchema, type TwilioConfig, type TwilioConfigInput } from './twilio-config.js';
