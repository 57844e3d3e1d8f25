// `@rota/provider/http`: the HTTP layer provider packages build their wire
// clients on (undici is an optional peer dependency, needed only here).
export { WireHttp, splitBaseUrl, DEFAULT_CONNECTIONS, type WireHttpOptions, type WireRequest } from './wire-http.js';
export { ExchangeHandler, type Exchange } from './wire-exchange.js';
export { numberListBody } from './number-list-body.js';
export { transportProviderError } from './transport-provider-error.js';
export { groupPerNumberIds, perNumberId, parsePerNumberId, wireDigits } from './per-number-id.js';
export {
  WireTransportError,
  TRANSPORT_FAILURES,
  FAILURE_TEXT,
  classifySocketError,
  parseRetryAfter,
  sanitize,
  transportCode,
  type FaultSide,
  type SanitizedCause,
  type TransportFailure,
  type TransportRow,
  type WireTransportErrorFields,
} from './wire-transport-error.js';
