import { startSandbox } from '@rota/figensoft-sandbox';
import { CONTRACT_RECIPIENTS, runProviderContract } from '@rota/testkit/contract';
import { createMobildevProvider } from '../src/index.js';
import { configFor, SANDBOX_ACCOUNTS } from './fixtures.js';

// The shared provider contract, run against the real client talking to the sandbox's Mobildev wire over loopback.
runProviderContract('mobildev', async () => {
  const sandbox = await startSandbox({ mobildev: { accounts: SANDBOX_ACCOUNTS }, consent: { approved: CONTRACT_RECIPIENTS.map((n) => n.slice(1)), optedOut: [] } });
  return { provider: createMobildevProvider(configFor(sandbox.urls.mobildev)), expectsAcceptance: true, cleanup: () => sandbox.close() };
});

runProviderContract('mobildev (simulated)', () => ({ provider: createMobildevProvider({ ...configFor('https://xmlapi.mobildev.com'), simulate: { latencyMs: 1 } }), expectsAcceptance: true }));
