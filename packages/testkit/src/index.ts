// The public surface of @rota/testkit: the fake provider and the provider contract suite.
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
export { runProviderContract, type ContractSubject } from './provider-contract.js';
export { CONTRACT_RECIPIENTS } from './provider-contract-checks.js';
