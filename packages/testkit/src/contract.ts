// `@rota/testkit/contract`: the jest suites provider packages run against themselves.
export { runProviderContract, type ContractSubject } from './provider-contract.js';
export { CONTRACT_RECIPIENTS } from './provider-contract-checks.js';
export { runStubTransportChecks, type StubTransportSubject } from './stub-transport-suite.js';
