// The sandbox behind FigenSoft in a child process (the bench form), driven over
// its admin API. "Killed" is SIGKILL; "restarted" is a new process on the same port.
import { Pool } from 'undici';
import { startSandboxProcess } from '../lib/sandbox-process.js';
import { FAILOVER_ACCOUNTS, SANDBOX_CONSENT } from './harness.js';

export async function startChildFarEnd({ deliveryDelayMs }) {
  const processOptions = {
    accounts: FAILOVER_ACCOUNTS,
    consent: SANDBOX_CONSENT,
    extraArgs: ['--delivery-delay-ms', String(deliveryDelayMs)],
  };
  let child = await startSandboxProcess(processOptions);
  const port = child.port;
  const origin = new URL(child.url).origin;
  let admin = new Pool(origin, { connections: 2 });
  let running = true;
  let retired = [];

  async function call(method, path, body) {
    const response = await admin.request({
      method,
      path: `/_admin${path}`,
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const json = await response.body.json();
    if (response.statusCode !== 200) throw new Error(`sandbox admin ${method} ${path}: HTTP ${response.statusCode} ${JSON.stringify(json)}`);
    return json;
  }
  const initialCredit = (username) => {
    const account = FAILOVER_ACCOUNTS.find((a) => a.username === username);
    if (!account) throw new Error(`no sandbox account "${username}"`);
    return account.credit;
  };
  const setCredit = (username, credit) => call('PUT', `/accounts/${encodeURIComponent(username)}/credit`, { credit });

  const farEnd = {
    kind: 'child-process',
    url: child.url,
    pid: () => child.pid,
    async reset() {
      if (!running) await farEnd.start();
      await call('DELETE', '/faults');
      await call('DELETE', '/records');
      retired = [];
      for (const account of FAILOVER_ACCOUNTS) await setCredit(account.username, account.credit);
    },
    injectFault: async (fault) => (await call('POST', '/faults', fault)).id,
    clearFaults: () => call('DELETE', '/faults'),
    setCredit,
    restoreCredit: (username) => setCredit(username, initialCredit(username)),
    records: async () => (running ? [...retired, ...(await call('GET', '/records'))] : [...retired]),
    /**
     * A SIGKILLed process takes its records with it. So that the ground truth
     * stays complete, the sandbox first resets every new request before
     * handling it (which is what a client sees of a dying server anyway), its
     * records are read, and only then is it killed: a few milliseconds of
     * resets ahead of the kill.
     */
    async kill() {
      if (!running) return;
      await call('POST', '/faults', { kind: 'reset', afterAccept: false });
      retired = [...retired, ...(await call('GET', '/records'))];
      running = false;
      await child.kill();
      await admin.close();
    },
    async start() {
      if (running) return;
      child = await startSandboxProcess({ ...processOptions, port });
      admin = new Pool(origin, { connections: 2 });
      running = true;
    },
    async close() {
      if (!running) return;
      running = false;
      await admin.close();
      await child.stop();
    },
  };
  return farEnd;
}
