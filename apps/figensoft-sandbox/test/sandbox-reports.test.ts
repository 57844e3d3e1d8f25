import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startSandbox, type Sandbox } from '../src/index.js';
import { CAMPAIGN, NOT_LISTED, NOTIFY, OPTED_OUT, TEST_ACCOUNTS, mobiles } from './fixtures.js';
import { httpRequest, json } from './http-client.js';

// Reports that behave like a real network: a delay, a mix of outcomes, IYS
// refusals as FigenSoft sends them, and a push mode.

let sandbox: Sandbox;
let receiver: Server;
let pushed: { Reports: { MessageId: string; SmsStatus: string; IsFinalStatus: string; Receiver: string }[] }[];
let receiverUrl: string;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      pushed.push(JSON.parse(body));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/v1/providers/figensoft/reports?token=t`;
});
afterAll(() => new Promise<void>((resolve) => receiver.close(() => resolve())));
beforeEach(async () => {
  pushed = [];
  sandbox = await startSandbox({ accounts: TEST_ACCOUNTS, deliveryDelayMs: 40, consent: { approved: [], optedOut: [OPTED_OUT] } });
});
afterEach(() => sandbox.close());

async function send(account: { username: string; password: string }, receivers: string[]): Promise<string[]> {
  const answer = json<{ Result: { MessageId: string }[] }>(
    await httpRequest(`${sandbox.url}/v1/Sms/Send_1_N`, { body: { Username: account.username, Password: account.password, Message: 'Merhaba', Receivers: receivers } }),
  );
  return answer.Result.map((entry) => entry.MessageId);
}
async function statuses(account: { username: string; password: string }, ids: string[]) {
  const answer = json<{ Result: { SmsStatus: string; IsFinalStatus: string }[] }>(
    await httpRequest(`${sandbox.url}/v1/Sms/Status`, { body: { Username: account.username, Password: account.password, MessageIds: ids } }),
  );
  return answer.Result.map((entry) => `${entry.SmsStatus}/${entry.IsFinalStatus}`);
}
const settle = () => new Promise((resolve) => setTimeout(resolve, 120));

describe('sandbox delivery reports', () => {
  it('ends deliveries by the configured mix, the same way every time for a message', async () => {
    sandbox.setOutcomes({ undelivered: 0.25, expired: 0.25, unknown: 0.25 });
    const ids = await send(NOTIFY, mobiles(400));
    await settle();
    const first = await statuses(NOTIFY, ids);
    const count = (code: string) => first.filter((s) => s === `${code}/1`).length;
    for (const code of ['400', '406', '402', '410']) expect(count(code)).toBeGreaterThan(60); // about 100 each
    expect(await statuses(NOTIFY, ids)).toEqual(first);
  });

  it('refuses CAMPAIGN messages as FigenSoft does: -241 for an opt-out, 424 for a number not on the IYS list', async () => {
    const ids = await send(CAMPAIGN, [OPTED_OUT, NOT_LISTED]);
    await settle();
    expect(await statuses(CAMPAIGN, ids)).toEqual(['-241/1', '424/1']);
  });

  it('pushes each request\'s final statuses in push mode, one POST per request', async () => {
    sandbox.setPushUrl(receiverUrl);
    const ids = await send(CAMPAIGN, [OPTED_OUT, NOT_LISTED]);
    for (let i = 0; i < 100 && pushed.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(pushed).toHaveLength(1);
    expect(pushed[0]!.Reports.map((r) => [r.MessageId, r.SmsStatus, r.IsFinalStatus])).toEqual([
      [ids[0], '-241', '1'],
      [ids[1], '424', '1'],
    ]);
    // Counted when the receiver's answer is back, a moment after it has the body.
    for (let i = 0; i < 100 && sandbox.pushes().sent === 0; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(sandbox.pushes()).toEqual({ sent: 1, failed: 0 });
    sandbox.setPushUrl(undefined);
    await send(CAMPAIGN, [OPTED_OUT]);
    await settle();
    expect(pushed).toHaveLength(1);
  });
});
