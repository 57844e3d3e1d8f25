// `@rota/testkit/contract`: the jest suite every provider package runs against itself.
export { runProviderContract, type ContractSubject } from './provider-contract.js';
export { CONTRACT_RECIPIENTS } from './provider-contract-checks.js';
