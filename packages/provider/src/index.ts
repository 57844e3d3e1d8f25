// The public surface of @rota/provider: what a provider package needs and
// nothing more — the message model and its validation, phone numbers, text
// analysis, the `Provider` contract, `ProviderError`, delivery states, and the
// helpers provider packages share. No routing lives here (that is @rota/core),
// and DI is on the `@rota/provider/di` subpath.
export * from './message/message.js';
export { normalizePhoneNumber, maskPhoneNumber, type PhoneNumberResult } from './message/phone-number.js';
export { storable, unstorableReason } from './message/storable-string.js';
export { issueReason, plainReason, toldIssues } from './message/plain-reason.js';
export { shortened } from './message/shortened.js';
export * from './encoding/encoding.js';
export { analyzeAsUcs2, analyzeText } from './encoding/analyze-text.js';
export { escapedForms } from './encoding/escaped-forms.js';
export * from './provider/provider.js';
export * from './provider/provider-error.js';
export * from './delivery/delivery-status.js';
export * from './logging/logger.js';
export { WaiterList, type Waiter } from './async/waiter-list.js';
export { AbortFanout } from './async/abort-fanout.js';
export * from './kit/provider-config.js';
export * from './kit/api-url.js';
export * from './kit/request-checks.js';
export * from './kit/send-failure-log.js';
export * from './kit/stub-provider.js';
export * from './kit/secret.js';
export * from './kit/turkey-time.js';
