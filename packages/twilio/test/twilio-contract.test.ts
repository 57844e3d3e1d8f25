import { startSandbox } from '@rota/figensoft-sandbox';
import { runProviderContract } from '@rota/testkit/contract';
import { createTwilioProvider } from '../src/index.js';
import { configFor, SANDBOX_ACCOUNT } from './fixtures.js';

// The shared provider contract, run against the real client talking to the sandbox's Twilio wire over loopback.
runProviderContract('twilio', async () => {
  const sandbox = await startSandbox({ twilio: { accounts: [SANDBOX_ACCOUNT] } });
  return { provider: createTwilioProvider(configFor(sandbox.urls.twilio)), expectsAcceptance: true, cleanup: () => sandbox.close() };
});

runProviderContract('twilio (inactive: no fromAddresses)', () => ({ provider: createTwilioProvider(configFor('https://api.twilio.com', { fromAddresses: [] })), expectsAcceptance: false }));

runProviderContract('twilio (simulated)', () => ({ provider: createTwilioProvider({ ...configFor('https://api.twilio.com'), simulate: { latencyMs: 1 } }), expectsAcceptance: true }));
