import { startSandbox } from '@rota/figensoft-sandbox';
import { CONTRACT_RECIPIENTS, runProviderContract } from '@rota/testkit/contract';
import { createMessageCenterProvider } from '../src/index.js';
import { configFor, SANDBOX_ACCOUNTS } from './fixtures.js';

// The shared provider contract, run against the real client talking to the sandbox's Message Center wire over loopback.
runProviderContract('message-center', async () => {
  const sandbox = await startSandbox({
    messageCenter: { accounts: SANDBOX_ACCOUNTS, duplicateWindowMs: 0 },
    consent: { approved: CONTRACT_RECIPIENTS.map((n) => n.slice(1)), optedOut: [] },
  });
  return { provider: createMessageCenterProvider(configFor(sandbox.urls.messageCenter)), expectsAcceptance: true, cleanup: () => sandbox.close() };
});

// The development transport keeps the contract too.
runProviderContract('message-center (simulated)', () => ({
  provider: createMessageCenterProvider({ ...configFor('https://api.iletimerkezi.com'), simulate: { latencyMs: 1 } }),
  expectsAcceptance: true,
}));
