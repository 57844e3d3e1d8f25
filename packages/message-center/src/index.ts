// The public surface of @rota/message-center. The DI module is on the
// `@rota/message-center/di` subpath so that a caller without inversify never loads it.
export {
  createMessageCenterProvider,
  DEFAULT_RANK,
  MAX_RECIPIENTS_PER_REQUEST,
  MESSAGE_CENTER_ENCODINGS,
  MESSAGE_CENTER_PROVIDER_ID,
  messageCenterAccountId,
  type MessageCenterProviderOptions,
} from './message-center-provider.js';
export {
  MessageCenterAccountSchema,
  MessageCenterConfigSchema,
  type MessageCenterAccount,
  type MessageCenterAccountInput,
  type MessageCenterConfig,
  type MessageCenterConfigInput,
} from './message-center-config.js';
