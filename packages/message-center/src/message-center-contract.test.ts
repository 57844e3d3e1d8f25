import { runProviderContract } from '@rota/testkit/contract';
import { createMessageCenterProvider } from './message-center-provider.js';

const accounts = [
  { username: 'acme-otp', password: 'mc-secret-1', sender: 'ACMEOTP', iysTypes: ['NOTIFICATION' as const] },
  { username: 'acme', password: 'mc-secret-2', sender: 'ACME' },
];

runProviderContract('message-center (stub)', () => ({ provider: createMessageCenterProvider({ accounts }), expectsAcceptance: false }));

runProviderContract('message-center (simulated)', () => ({
  provider: createMessageCenterProvider({ accounts, simulate: { latencyMs: 1 } }),
  expectsAcceptance: true,
}));
