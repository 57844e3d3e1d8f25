// The public surface of @rota/infobip. The DI module is on the
// `@rota/infobip/di` subpath so that a caller without inversify never loads it.
export {
  createInfobipProvider,
  DEFAULT_RANK,
  INFOBIP_ENCODINGS,
  INFOBIP_PROVIDER_ID,
  infobipAccountId,
  MAX_RECIPIENTS_PER_REQUEST,
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
