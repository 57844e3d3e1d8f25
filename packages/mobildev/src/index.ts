// The public surface of @rota/mobildev. The DI module is on the
// `@rota/mobildev/di` subpath so that a caller without inversify never loads it.
export {
  createMobildevProvider,
  DEFAULT_RANK,
  MAX_RECIPIENTS_PER_REQUEST,
  MOBILDEV_ENCODINGS,
  MOBILDEV_PROVIDER_ID,
  mobildevAccountId,
  type MobildevProviderOptions,
} from './mobildev-provider.js';
export {
  MobildevAccountSchema,
  MobildevConfigSchema,
  MobildevEncodingSchema,
  type MobildevAccount,
  type MobildevAccountInput,
  type MobildevConfig,
  type MobildevConfigInput,
  type MobildevEncoding,
} from './mobildev-config.js';
