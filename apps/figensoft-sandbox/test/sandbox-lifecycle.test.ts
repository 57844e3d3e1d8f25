import { Agent } from 'node:http';
import { startSandbox, type Sandbox } from '../src/index.js';
import { APPROVED, NOTIFY, TEST_ACCOUNTS, mobiles } from './fixtures.js';
import { httpRequest, json } from './http-client.js';

const tcpHandles = () => process.getActiveResourcesInfo().filter((type) => type.startsWith('TCP')).length;

describe('close()', () => {
  it('closes the server, idle keep-alive sockets, hanging and delayed requests, and leaves no handle behind', async () => {
    const before = tcpHandles();
    const sandbox = await startSandbox({ accounts: TEST_ACCOUNTS });
    const agent = new Agent({ keepAlive: true });
    const body = { Username: NOTIFY.username, Password: NOTIFY.password };

    // An idle keep-alive connection...
    expect(json(await httpRequest(`${sandbox.url}/v1/Sms/CreditBalance`, { body, agent })).StatusCode).toBe(200);
    // ...a request that will never be answered, and one whose answer waits on a timer.
    sandbox.injectFault({ kind: 'hang', endpoint: 'Status' });
    sandbox.injectFault({ kind: 'latency', ms: 60_000, endpoint: 'Send_1_N' });
    const hanging = httpRequest(`${sandbox.url}/v1/Sms/Status`, { body: { ...body, MessageIds: [] } }).catch((error: Error) => error);
    const delayed = httpRequest(`${sandbox.url}/v1/Sms/Send_1_N`, { body: { ...body, Message: 'x', Receivers: [APPROVED] } }).catch(
      (error: Error) => error,
    );
    while (sandbox.requestCount() < 3) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(sandbox.records()).toHaveLength(1);

    await sandbox.close();
    expect(await hanging).toMatchObject({ code: 'ECONNRESET' });
    expect(await delayed).toMatchObject({ code: 'ECONNRESET' });
    agent.destroy();
    // Sockets finish closing on the next turns of the event loop.
    for (let i = 0; i < 50 && tcpHandles() > before; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(tcpHandles()).toBeLessThanOrEqual(before);

    const refused = await httpRequest(`${sandbox.url}/v1/Sms/CreditBalance`, { body }).catch((error: NodeJS.ErrnoException) => error);
    expect((refused as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
    await expect(sandbox.close()).resolves.toBeUndefined();
  });
});

describe('startSandbox options', () => {
  it.each([
    [{ accounts: [] }, /accounts: must hold at least one account/],
    [{ accounts: [TEST_ACCOUNTS[0], TEST_ACCOUNTS[0]] }, /accounts\.1\.username: duplicates username "notify-user"/],
    [{ accounts: [{ ...TEST_ACCOUNTS[0], senders: [] }] }, /accounts\.0\.senders: must list at least one sender/],
    [{ accounts: [{ ...TEST_ACCOUNTS[0], iysType: 'BULK' }] }, /accounts\.0\.iysType/],
    [{ accounts: [{ ...TEST_ACCOUNTS[0], credit: -1 }] }, /accounts\.0\.credit: must not be negative/],
    [{ accounts: TEST_ACCOUNTS, port: 70000 }, /port: must be 0\.\.65535/],
    [{ accounts: TEST_ACCOUNTS, consent: { approved: ['5321234567'] } }, /consent\.approved\.0: must be a number written as 90XXXXXXXXXX/],
    [{ accounts: TEST_ACCOUNTS, maxRecords: 0 }, /maxRecords: must be at least 1/],
  ])('refuses %j with an error naming the field', async (options, message) => {
    await expect(startSandbox(options as never)).rejects.toThrow(message);
  });

  it('never puts a password in an options error', async () => {
    const error = await startSandbox({ accounts: [{ ...TEST_ACCOUNTS[0]!, senders: [] }] }).catch((caught: Error) => caught);
    expect(String((error as Error).message)).not.toContain(NOTIFY.password);
  });
});

describe('records', () => {
  it('keeps at most maxRecords, dropping the oldest; a dropped id becomes unknown to Status', async () => {
    const sandbox = await startSandbox({ accounts: TEST_ACCOUNTS, maxRecords: 5, deliveryDelayMs: 0 });
    try {
      const send = async (receivers: string[]) =>
        json(await httpRequest(`${sandbox.url}/v1/Sms/Send_1_N`, { body: { ...credentials(), Message: 'cap', Receivers: receivers } }))
          .Result as { MessageId: string }[];
      const first = await send(mobiles(3, 0));
      const second = await send(mobiles(4, 100));
      expect(sandbox.records().map((record) => record.receiver)).toEqual([...mobiles(1, 2), ...mobiles(4, 100)]);

      const ids = [...first, ...second].map((entry) => entry.MessageId);
      const status = json(await httpRequest(`${sandbox.url}/v1/Sms/Status`, { body: { ...credentials(), MessageIds: ids } }));
      expect(status.Result.map((entry: { SmsStatus: string }) => entry.SmsStatus)).toEqual(['', '', '400', '400', '400', '400', '400']);
    } finally {
      await sandbox.close();
    }
  });

  it('clearRecords forgets every message', async () => {
    const sandbox = await startSandbox({ accounts: TEST_ACCOUNTS });
    try {
      await httpRequest(`${sandbox.url}/v1/Sms/Send_1_N`, { body: { ...credentials(), Message: 'x', Receivers: mobiles(3) } });
      expect(sandbox.records()).toHaveLength(3);
      sandbox.clearRecords();
      expect(sandbox.records()).toEqual([]);
    } finally {
      await sandbox.close();
    }
  });
});

it('requestCount counts every HTTP request served, whatever the endpoint or outcome', async () => {
  const sandbox = await startSandbox({ accounts: TEST_ACCOUNTS });
  try {
    const base = sandbox.url.replace(/\/api_json$/, '');
    await httpRequest(`${sandbox.url}/v1/Sms/CreditBalance`, { body: credentials() });
    await httpRequest(`${sandbox.url}/v1/Sms/CreditBalance`, { body: 'not json' });
    await httpRequest(`${base}/nowhere`);
    await httpRequest(`${base}/_admin/health`);
    expect(sandbox.requestCount()).toBe(4);
  } finally {
    await sandbox.close();
  }
});

it('setCredit and credit refuse unknown accounts and bad balances', async () => {
  const sandbox = await startSandbox({ accounts: TEST_ACCOUNTS });
  try {
    expect(() => sandbox.credit('nobody')).toThrow(/Unknown sandbox account "nobody"/);
    expect(() => sandbox.setCredit(NOTIFY.username, 1.5)).toThrow(/whole number/);
    expect(() => sandbox.setConsent({ approved: ['123'] })).toThrow(/approved\.0/);
  } finally {
    await sandbox.close();
  }
});

function credentials() {
  return { Username: NOTIFY.username, Password: NOTIFY.password };
}
