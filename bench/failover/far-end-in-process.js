// The sandbox behind FigenSoft, in this process (the test form): faults, credit
// and records through its own API; "killed" is close(), which drops every
// connection, and "restarted" is a new sandbox on the same port.
import { startSandbox } from '@rota/figensoft-sandbox';
import { FAILOVER_ACCOUNTS, SANDBOX_CONSENT } from './harness.js';

export async function startInProcessFarEnd({ deliveryDelayMs }) {
  const options = {
    accounts: FAILOVER_ACCOUNTS.map((account) => ({ ...account, senders: [...account.senders] })),
    consent: { approved: [...SANDBOX_CONSENT.approved], optedOut: [...SANDBOX_CONSENT.optedOut] },
    deliveryDelayMs,
  };
  let sandbox = await startSandbox(options);
  const port = sandbox.port;
  let running = true;
  // Records of killed instances: a test can still read them (the object outlives its server).
  let retired = [];
  const initialCredit = (username) => {
    const account = FAILOVER_ACCOUNTS.find((a) => a.username === username);
    if (!account) throw new Error(`no sandbox account "${username}"`);
    return account.credit;
  };

  const farEnd = {
    kind: 'in-process',
    url: sandbox.url,
    async reset() {
      if (!running) await farEnd.start();
      sandbox.clearFaults();
      sandbox.clearRecords();
      retired = [];
      for (const account of FAILOVER_ACCOUNTS) sandbox.setCredit(account.username, account.credit);
    },
    injectFault: async (fault) => sandbox.injectFault(fault),
    clearFaults: async () => sandbox.clearFaults(),
    setCredit: async (username, credit) => sandbox.setCredit(username, credit),
    restoreCredit: async (username) => sandbox.setCredit(username, initialCredit(username)),
    records: async () => [...retired, ...sandbox.records()],
    async kill() {
      if (!running) return;
      running = false;
      await sandbox.close();
      retired = [...retired, ...sandbox.records()];
    },
    async start() {
      if (running) return;
      sandbox = await startSandbox({ ...options, port });
      running = true;
    },
    async close() {
      if (!running) return;
      running = false;
      await sandbox.close();
    },
  };
  return farEnd;
}
