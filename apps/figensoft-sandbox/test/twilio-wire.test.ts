import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startSandbox, twilioSignature, type Sandbox } from '../src/index.js';
import { httpRequest, json } from './http-client.js';

const SID = `AC${'1a'.repeat(16)}`;
const TOKEN = 'twilio-auth-token-secret';
const OPTED_OUT = '905559998877';

let sandbox: Sandbox;
const basic = (sid = SID, token = TOKEN) => ({ authorization: `Basic ${Buffer.from(`${sid}:${token}`).toString('base64')}` });
const base = () => `${sandbox.urls.twilio}/2010-04-01/Accounts/${SID}`;
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
async function create(fields: Record<string, string>, headers = basic()) {
  const response = await httpRequest(`${base()}/Messages.json`, { body: form(fields), contentType: 'application/x-www-form-urlencoded', headers });
  return { status: response.status, body: json(response) };
}

beforeEach(async () => {
  sandbox = await startSandbox({ twilio: { accounts: [{ accountSid: SID, authToken: TOKEN, senders: ['ROTA'] }] }, deliveryDelayMs: 0, consent: { approved: [], optedOut: [OPTED_OUT] } });
});
afterEach(() => sandbox.close());

describe('Messages.json', () => {
  it('creates one message: 201 with the resource, strings where Twilio writes strings', async () => {
    const answer = await create({ To: '+905321112233', From: 'ROTA', Body: 'Merhaba' });
    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject({ sid: expect.stringMatching(/^SM[0-9a-f]{32}$/), account_sid: SID, from: 'ROTA', to: '+905321112233', body: 'Merhaba', status: 'queued', num_segments: '1', price: null, error_code: null, api_version: '2010-04-01' });
    expect(sandbox.wireRecords('twilio')).toEqual([expect.objectContaining({ receiver: '905321112233', messageId: answer.body.sid, sender: 'ROTA', commercial: false })]);
  });

  it.each<[string, Record<string, string>, number, number]>([
    ['no To', { From: 'ROTA', Body: 'x' }, 400, 21604],
    ['no Body', { To: '+905321112233', From: 'ROTA' }, 400, 21602],
    ['a Body over 1600 characters', { To: '+905321112233', From: 'ROTA', Body: 'x'.repeat(1_601) }, 400, 21617],
    ['no From', { To: '+905321112233', Body: 'x' }, 400, 21603],
    ['a To that is not E.164', { To: '05321112233', From: 'ROTA', Body: 'x' }, 400, 21211],
    ['a From the account does not own', { To: '+905321112233', From: 'OTHER', Body: 'x' }, 400, 21212],
    ['a StatusCallback with _ in the host', { To: '+905321112233', From: 'ROTA', Body: 'x', StatusCallback: 'https://my_host.example/cb' }, 400, 21609],
    ['a number that replied STOP', { To: `+${OPTED_OUT}`, From: 'ROTA', Body: 'x' }, 400, 21610],
  ])('refuses %s (%i, code %i)', async (_name, fields, status, code) => {
    expect(await create(fields)).toEqual({ status, body: { code, message: expect.any(String), more_info: `https://www.twilio.com/docs/errors/${code}`, status } });
    expect(sandbox.wireRecords('twilio')).toEqual([]);
  });

  it('answers 20003 to wrong credentials and to another account\'s path', async () => {
    expect((await create({ To: '+905321112233', From: 'ROTA', Body: 'x' }, basic(SID, 'wrong'))).body).toMatchObject({ code: 20003, status: 401 });
    expect((await create({ To: '+905321112233', From: 'ROTA', Body: 'x' }, basic(`AC${'2b'.repeat(16)}`, TOKEN))).status).toBe(401);
  });

  it('a throttling status-code fault answers 20429 (HTTP 429) with Retry-After when given', async () => {
    sandbox.injectFault({ kind: 'status-code', statusCode: 20429, retryAfterSeconds: 1, wire: 'twilio' });
    const response = await httpRequest(`${base()}/Messages.json`, { body: form({ To: '+905321112233', From: 'ROTA', Body: 'x' }), contentType: 'application/x-www-form-urlencoded', headers: basic() });
    expect([response.status, response.headers['retry-after'], json(response).code]).toEqual([429, '1', 20429]);
  });

  it('answers 10001 once the balance is gone', async () => {
    sandbox.setWireCredit('twilio', SID, 0);
    expect((await create({ To: '+905321112233', From: 'ROTA', Body: 'x' })).body).toMatchObject({ code: 10001 });
  });
});

describe('Messages/{Sid}.json and Balance.json', () => {
  it('reads a message back by sid, delivered and billed once final; 20404 for an unknown sid', async () => {
    const { body } = await create({ To: '+905321112233', From: 'ROTA', Body: 'Merhaba' });
    const read = json(await httpRequest(`${base()}/Messages/${body.sid}.json`, { headers: basic() }));
    expect(read).toMatchObject({ sid: body.sid, status: 'delivered', price: '-0.00750', error_code: null });
    const unknown = await httpRequest(`${base()}/Messages/SM${'0'.repeat(32)}.json`, { headers: basic() });
    expect([unknown.status, json(unknown).code]).toEqual([404, 20404]);
  });

  it('answers undelivered with 30003 and failed with 30036 as the outcomes say', async () => {
    sandbox.setOutcomes({ undelivered: 1 });
    const { body } = await create({ To: '+905321112233', From: 'ROTA', Body: 'x' });
    expect(json(await httpRequest(`${base()}/Messages/${body.sid}.json`, { headers: basic() }))).toMatchObject({ status: 'undelivered', error_code: 30003 });
    sandbox.setOutcomes({ expired: 1 });
    const expired = await create({ To: '+905321112234', From: 'ROTA', Body: 'x' });
    expect(json(await httpRequest(`${base()}/Messages/${expired.body.sid}.json`, { headers: basic() }))).toMatchObject({ status: 'failed', error_code: 30036 });
  });

  it('answers the balance as a string', async () => {
    expect(json(await httpRequest(`${base()}/Balance.json`, { headers: basic() }))).toEqual({ account_sid: SID, balance: '100.00000', currency: 'USD' });
  });
});

describe('status callbacks', () => {
  let receiver: Server;
  let pushed: { url: string; signature: string; body: string }[];
  beforeEach(async () => {
    pushed = [];
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk));
      req.on('end', () => {
        pushed.push({ url: req.url ?? '', signature: String(req.headers['x-twilio-signature']), body });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  });
  afterEach(async () => {
    receiver.closeAllConnections();
    await new Promise((resolve) => receiver.close(resolve));
  });

  it('posts the final status to StatusCallback, signed as Twilio signs (HMAC-SHA1 of the URL and the sorted params)', async () => {
    const callback = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/v1/providers/twilio/reports?ref=abc`;
    const { body } = await create({ To: '+905321112233', From: 'ROTA', Body: 'x', StatusCallback: callback });
    while (pushed.length < 1) await new Promise((resolve) => setTimeout(resolve, 5));
    const [push] = pushed;
    const params = new URLSearchParams(push!.body);
    expect(Object.fromEntries(params)).toEqual({ MessageSid: body.sid, SmsSid: body.sid, AccountSid: SID, From: 'ROTA', To: '+905321112233', MessageStatus: 'delivered', SmsStatus: 'delivered', ApiVersion: '2010-04-01' });
    // Computed here independently of the sandbox's helper.
    const data = callback + [...params].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => k + v).join('');
    expect(push!.signature).toBe(createHmac('sha1', TOKEN).update(data).digest('base64'));
    expect(push!.signature).toBe(twilioSignature(TOKEN, callback, [...params]));
  });
});
