import { runProviderContract } from '@rota/testkit/contract';
import { createInfobipProvider } from './infobip-provider.js';

const accounts = [
  { apiKey: 'ib-secret-1', from: 'ACMEOTP', baseUrl: 'https://abc123.api.infobip.com' },
  { apiKey: 'ib-secret-2', from: 'ACME', baseUrl: 'https://abc123.api.infobip.com', iysTypes: ['CAMPAIGN' as const] },
];

runProviderContract('infobip (stub)', () => ({ provider: createInfobipProvider({ accounts }), expectsAcceptance: false }));

runProviderContract('infobip (simulated)', () => ({
  provider: createInfobipProvider({ accounts, simulate: { latencyMs: 1 } }),
  expectsAcceptance: true,
}));
