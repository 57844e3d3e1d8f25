import { runProviderContract } from '../src/contract.js';
import { createFakeProvider } from '../src/index.js';

// The testkit's own fake must meet the contract it enforces on every provider.
runProviderContract('fake', () => ({ provider: createFakeProvider({ id: 'fake' }), expectsAcceptance: true }));

runProviderContract('fake with GSM-7 only, one account and three recipients a request', () => ({
  provider: createFakeProvider({
    id: 'fake-narrow',
    maxRecipientsPerRequest: 3,
    encodings: ['GSM7'],
    accounts: [{ accountId: 'otp', iysType: 'NOTIFICATION', senders: ['ROTA OTP', 'ROTA'] }],
  }),
  expectsAcceptance: true,
  recipients: ['0532 111 22 33', '+90 542 111 22 44', '905051112255', '5061112266'],
}));

runProviderContract('fake scripted as a stub (always provider-unavailable)', () => ({
  provider: createFakeProvider({
    id: 'fake-stub',
    script: () => ({ type: 'error', kind: 'provider-unavailable', code: 'not-implemented', message: 'fake-stub: not implemented yet' }),
  }),
  expectsAcceptance: false,
}));
