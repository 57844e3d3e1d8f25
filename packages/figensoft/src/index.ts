// The public surface of @rota/figensoft. The DI module is on the `@rota/figensoft/di`
// subpath so that a caller without inversify never loads it.
export {
  createFigenSoftProvider,
  DEFAULT_RANK,
  FIGENSOFT_CAPABILITIES,
  FIGENSOFT_PROVIDER_ID,
  type FigenSoftProvider,
  type FigenSoftProviderOptions,
  type FigenSoftSelectable,
} from './figensoft-provider.js';
export {
  FigenSoftAccountSchema,
  FigenSoftConfigSchema,
  figensoftAccountId,
  type FigenSoftAccount,
  type FigenSoftAccountInput,
  type FigenSoftConfig,
  type FigenSoftConfigInput,
} from './figensoft-config.js';
export { FigenSoftCredentials } from './figensoft-credentials.js';
export { FigenSoftTransportError, type SanitizedCause, type TransportFailure } from './figensoft-transport-error.js';
export {
  createFigenSoftClient,
  FIGENSOFT_DEFAULT_BASE_URL,
  MAX_MESSAGE_IDS_PER_STATUS_REQUEST,
  MAX_RECEIVERS_PER_REQUEST,
  type CallOptions,
  type CreditBalanceOutcome,
  type FigenSoftClient,
  type FigenSoftClientOptions,
  type Send1NParams,
  type SendOutcome,
  type StatusOutcome,
  type StatusParams,
} from './figensoft-client.js';
export {
  BODY_STATUS_CODES,
  HTTP_STATUS_CODES,
  MAX_TURKISH_TEXT_CHARACTERS,
  SMS_STATUS_CODES,
  TRANSPORT_FAILURES,
  type BodyStatusRow,
  type FaultSide,
  type SmsStatusRow,
  type TransportRow,
} from './figensoft-codes.js';
export { TURKEY_UTC_OFFSET_MINUTES } from './figensoft-dates.js';
export type { SendResultEntry, StatusResultEntry, Channel } from './figensoft-wire.js';
