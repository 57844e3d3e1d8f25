// The public surface of @rota/mobildev. The DI module is on the
// `@rota/mobildev/di` subpath so that a caller without inversify never loads it.
export {
  createMobildevProvider,
  DEFAULT_RANK,
  MAX_RECIPIENTS_PER_REQUEST,
  MOBILDEV_ENCODINGS,
  MOBILDEV_PROVIDER_ID,
  mobildevAccountId,
  STATUS_BATCH_SIZE,
  type MobildevProvider,
  type MobildevProviderOptions,
} from './mobildev-provider.js';
export {
  MOBILDEV_DEFAULT_BASE_URL,
  MobildevAccountSchema,
  MobildevConfigSchema,
  MobildevEncodingSchema,
  type MobildevAccount,
  type MobildevAccountInput,
  type MobildevConfig,
  type MobildevConfigInput,
  type MobildevEncoding,
} from './mobildev-config.js';
export { MobildevCredentials } from './mobildev-credentials.js';
export { createMobildevClient, type CallOptions, type MobildevClient, type MobildevClientOptions, type ReportAnswer, type SendAnswer, type UserInfoAnswer } from './mobildev-client.js';
export { CODES, HTTP_STATUS_CODES, REPORT_STATUSES, type CodeRow, type StatusRow } from './mobildev-codes.js';
export { ENCODING_FLAGS, MAX_REPORT_IDS, MESSAGE_TYPES, RECIPIENT_TYPES, type ReportLine, type SendPacket } from './mobildev-wire.js';
