// The public surface of @rota/twilio. The DI module is on the
// `@rota/twilio/di` subpath so that a caller without inversify never loads it.
export {
  createTwilioProvider,
  DEFAULT_RANK,
  INACTIVE_REASON,
  MAX_RECIPIENTS_PER_REQUEST,
  STATUS_BATCH_SIZE,
  TWILIO_ACCOUNT_ID,
  TWILIO_CAPABILITIES,
  TWILIO_ENCODINGS,
  TWILIO_PROVIDER_ID,
  type TwilioProvider,
  type TwilioProviderOptions,
} from './twilio-provider.js';
export { TWILIO_DEFAULT_BASE_URL, TwilioConfigSchema, type TwilioConfig, type TwilioConfigInput } from './twilio-config.js';
export { TwilioCredentials } from './twilio-credentials.js';
export { createTwilioClient, type CallOptions, type TwilioAnswer, type TwilioClient, type TwilioClientOptions } from './twilio-client.js';
export { DELIVERY_ERRORS, ERROR_CODES, HTTP_STATUS_CODES, MESSAGE_STATUSES, type StatusRow } from './twilio-codes.js';
export { isTwilioSignature } from './twilio-reports.js';
export { API_VERSION, MAX_VALIDITY_SECONDS, type CreateMessage, type MessageResource } from './twilio-wire.js';
