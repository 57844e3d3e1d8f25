// The public surface of @rota/testkit: the fake provider and test helpers. The contract suites are on
// the `@rota/testkit/contract` subpath, because it needs jest: the fake alone can be
// used by plain node (benchmarks, scripts).
export {
  createFakeProvider,
  type FakeAcceptance,
  type FakeCall,
  type FakeCallOutcome,
  type FakeDuplicate,
  type FakeProvider,
} from './fake-provider.js';
export {
  FakeAccountSchema,
  FakeProviderOptionsSchema,
  FakeStepSchema,
  type FakeAccountInput,
  type FakeProviderOptionsInput,
  type FakeScriptCall,
  type FakeScriptFunction,
  type FakeScriptInput,
  type FakeStep,
  type FakeStepInput,
} from './fake-provider-options.js';
export { providerErrorOf } from './provider-error-of.js';
export { sendRequest, TEST_TEXT } from './send-request.js';
export { productionDependencyClosure } from './dependency-closure.js';
export { startRecordingServer, type RecordedAnswer, type RecordedRequest, type RecordingServer } from './recording-server.js';
export { freePort } from './free-port.js';
export { until } from './until.js';
export { TcpProxy } from './tcp-proxy.js';
