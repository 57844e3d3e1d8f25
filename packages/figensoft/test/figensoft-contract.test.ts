import { startSandbox } from '@rota/figensoft-sandbox';
import { CONTRACT_RECIPIENTS, runProviderContract } from '@rota/testkit/contract';
import { createFigenSoftProvider } from '../src/index.js';
import { CAMPAIGN, configFor, NOTIFY } from './fixtures.js';

// The shared provider contract, run against the real client talking to the sandbox over loopback.
runProviderContract('figensoft', async () => {
  const sandbox = await startSandbox({
    accounts: [NOTIFY, CAMPAIGN],
    consent: { approved: CONTRACT_RECIPIENTS.map((n) => n.slice(1)), optedOut: [] },
  });
  return {
    provider: createFigenSoftProvider(configFor(sandbox.url)),
    expectsAcceptance: true,
    cleanup: () => sandbox.close(),
  };
});
