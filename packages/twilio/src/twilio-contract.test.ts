import { runProviderContract } from '@rota/testkit/contract';
import { createTwilioProvider } from './twilio-provider.js';

const config = { accountSid: `AC${'0123456789abcdef'.repeat(2)}`, authToken: 'tw-secret-token', fromAddresses: ['ACME'] };

runProviderContract('twilio (stub)', () => ({ provider: createTwilioProvider(config), expectsAcceptance: false }));

runProviderContract('twilio (simulated)', () => ({
  provider: createTwilioProvider({ ...config, simulate: { latencyMs: 1 } }),
  expectsAcceptance: true,
}));
