// The public surface of @rota/infobip. The DI module is on the
// `@rota/infobip/di` subpath so that a caller without inversify never loads it.
export {
  createInfobipProvider,
  DEFAULT_RANK,
  INFOBIP_CAPABILITIES,
  INFOBIP_ENCODINGS,
  INFOBIP_PROVIDER_ID,
  infobipAccountId,
  MAX_RECIPIENTS_PER_REQUEST,
  MAX_VALIDITY_MINUTES,
  STATUS_BATCH_SIZE,
  type InfobipProvider,
  type InfobipProviderOptions,
} from './infobip-provider.js';
export {
  InfobipAccountSchema,
  InfobipConfigSchema,
  type InfobipAccount,
  type InfobipAccountInput,
  type InfobipConfig,
  type InfobipConfigInput,
} from './infobip-config.js';
export { InfobipCredentials } from './infobip-credentials.js';
export { createInfobipClient, type CallOptions, type InfobipAnswer, type InfobipClient, type InfobipClientOptions } from './infobip-client.js';
export { ERROR_CODES, HTTP_STATUS_CODES, REPORT_ERRORS, STATUS_GROUPS, STATUS_IDS, type StatusRow } from './infobip-codes.js';
export { PATHS, type MessageStatus, type Report, type ReportError, type SendBody, type SendEntry, type SentEntry } from './infobip-wire.js';
