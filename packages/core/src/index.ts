// The public surface of @rota/core. DI lives on the `@rota/core/di` subpath so
// that a caller without inversify never loads it.
export * from './message/message.js';
export { normalizePhoneNumber, maskPhoneNumber, type PhoneNumberResult } from './message/phone-number.js';
export * from './encoding/encoding.js';
export { analyzeText } from './encoding/analyze-text.js';
export * from './provider/provider.js';
export * from './provider/provider-error.js';
export * from './provider/stub-transport.js';
export * from './delivery/delivery-status.js';
export * from './logging/logger.js';
export * from './router/router-types.js';
export { createRouter } from './router/create-router.js';
export { WaiterList, type Waiter } from './async/waiter-list.js';
