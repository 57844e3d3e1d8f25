// The public surface of @rota/message-center. The DI module is on the
// `@rota/message-center/di` subpath so that a caller without inversify never loads it.
export {
  createMessageCenterProvider,
  DEFAULT_RANK,
  MAX_RECIPIENTS_PER_REQUEST,
  MAX_TEXT_PARTS,
  MESSAGE_CENTER_CAPABILITIES,
  MESSAGE_CENTER_ENCODINGS,
  MESSAGE_CENTER_PROVIDER_ID,
  messageCenterAccountId,
  type MessageCenterProvider,
  type MessageCenterProviderOptions,
} from './message-center-provider.js';
export {
  MESSAGE_CENTER_DEFAULT_BASE_URL,
  MessageCenterAccountSchema,
  MessageCenterConfigSchema,
  type MessageCenterAccount,
  type MessageCenterAccountInput,
  type MessageCenterConfig,
  type MessageCenterConfigInput,
} from './message-center-config.js';
export { MessageCenterCredentials } from './message-center-credentials.js';
export { createMessageCenterClient, type CallOptions, type MessageCenterClient, type MessageCenterClientOptions } from './message-center-client.js';
export {
  HTTP_STATUS_CODES,
  MESSAGE_STATUSES,
  ORDER_STATUSES,
  STATUS_CODES,
  type CodeRow,
  type DeliveryRow,
} from './message-center-codes.js';
export {
  ENDPOINTS,
  MAX_REPORT_ROWS,
  type BalanceAnswer,
  type IysFlag,
  type ReportAnswer,
  type ReportOrder,
  type ReportRow,
  type SendAnswer,
  type SendSmsOrder,
} from './message-center-wire.js';
