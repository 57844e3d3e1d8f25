// The public surface of @rota/core: the router. The message model, the provider
// contract and everything a provider package needs live in @rota/provider.
export * from './router/router-types.js';
export { createRouter } from './router/create-router.js';
export { RouterOptionsError } from './router/router-options.js';
export { UnknownProviderError } from './router/provider-table.js';
export { doesNotPush } from './router/direct-calls.js';
export { abortableSleep, sharedAbortController } from './router/abort-signals.js';
