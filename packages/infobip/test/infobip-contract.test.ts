import { startSandbox } from '@rota/figensoft-sandbox';
import { CONTRACT_RECIPIENTS, runProviderContract } from '@rota/testkit/contract';
import { createInfobipProvider } from '../src/index.js';
import { configFor, SANDBOX_ACCOUNTS } from './fixtures.js';

// The shared provider contract, run against the real client talking to the sandbox's Infobip wire over loopback.
runProviderContract('infobip', async () => {
  const sandbox = await startSandbox({ infobip: { accounts: SANDBOX_ACCOUNTS }, consent: { approved: CONTRACT_RECIPIENTS.map((n) => n.slice(1)), optedOut: [] } });
  return { provider: createInfobipProvider(configFor(sandbox.urls.infobip)), expectsAcceptance: true, cleanup: () => sandbox.close() };
});

runProviderContract('infobip (simulated)', () => ({
  provider: createInfobipProvider({ ...configFor('https://example.api.infobip.com'), simulate: { latencyMs: 1 } }),
  expectsAcceptance: true,
}));
