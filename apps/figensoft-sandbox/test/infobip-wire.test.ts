import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startSandbox, type Sandbox } from '../src/index.js';
import { httpRequest, json } from './http-client.js';

const ACCOUNT = { name: 'rota', apiKey: 'ib-key-secret', senders: ['ROTA'], balance: 10 };
const APPROVED = '905321234567';
const OPTED_OUT = '905559998877';
const NOT_LISTED = '905440001122';

let sandbox: Sandbox;
const headers = { authorization: `App ${ACCOUNT.apiKey}` };

async function request(method: 'GET' | 'POST', path: string, body?: unknown, auth: Record<string, string> = headers) {
  const response = await httpRequest(`${sandbox.urls.infobip}${path}`, { method, body, headers: auth });
  return { status: response.status, body: json(response) };
}

const v3 = (destinations: unknown[], extra: Record<string, unknown> = {}, requestOptions?: unknown) => ({
  messages: [{ sender: 'ROTA', destinations, content: { text: 'Merhaba' }, ...extra }],
  ...(requestOptions ? { options: requestOptions } : {}),
});

beforeEach(async () => {
  sandbox = await startSandbox({ infobip: { accounts: [ACCOUNT] }, deliveryDelayMs: 0, consent: { approved: [APPROVED], optedOut: [OPTED_OUT] } });
});
afterEach(() => sandbox.close());

describe('POST /sms/3/messages', () => {
  it('answers one entry per destination with the client messageId, PENDING_ACCEPTED, and the count when asked', async () => {
    const answer = await request('POST', '/sms/3/messages', v3([{ to: '905321112233', messageId: 'rota-1' }, { to: '905421112244' }], {}, { includeSmsCountInResponse: true, schedule: { bulkId: 'bulk-1' } }));
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      bulkId: 'bulk-1',
      messages: [
        { messageId: 'rota-1', status: expect.objectContaining({ groupId: 1, groupName: 'PENDING', id: 26, name: 'PENDING_ACCEPTED' }), destination: '905321112233', details: { messageCount: 1 } },
        { messageId: expect.any(String), status: expect.objectContaining({ id: 26 }), destination: '905421112244', details: { messageCount: 1 } },
      ],
    });
    expect(sandbox.wireRecords('infobip').map((r) => [r.receiver, r.messageId, r.commercial])).toEqual([
      ['905321112233', 'rota-1', false],
      ['905421112244', answer.body.messages[1].messageId, false],
    ]);
  });

  it('refuses inside the 200: an unregistered sender, a bad destination, a used messageId, and what the balance cannot pay', async () => {
    await request('POST', '/sms/3/messages', v3([{ to: '905321112233', messageId: 'used' }]));
    const answer = await request('POST', '/sms/3/messages', v3([{ to: 'abc' }, { to: '905321112233', messageId: 'used' }]));
    expect(answer.body.messages.map((m: { status: { name: string } }) => m.status.name)).toEqual(['REJECTED_DESTINATION', 'REJECTED_DUPLICATE_MESSAGE_ID']);
    const sender = await request('POST', '/sms/3/messages', { messages: [{ sender: 'OTHER', destinations: [{ to: '905321112233' }], content: { text: 'x' } }] });
    expect(sender.body.messages[0].status).toMatchObject({ groupId: 5, id: 13, name: 'REJECTED_SENDER' });
    sandbox.setWireCredit('infobip', 'rota', 0.015);
    const credit = await request('POST', '/sms/3/messages', v3([{ to: '905321112233' }, { to: '905421112244' }]));
    expect(credit.body.messages.map((m: { status: { id: number } }) => m.status.id)).toEqual([26, 12]);
  });

  it('marks messages with regional.turkeyIys commercial', async () => {
    await request('POST', '/sms/3/messages', v3([{ to: APPROVED }], { options: { regional: { turkeyIys: { brandCode: 123456, recipientType: 'TACIR' } } } }));
    expect(sandbox.wireRecords('infobip')[0]).toMatchObject({ commercial: true, recipientType: 'TACIR' });
  });

  it.each([
    ['no messages', { messages: [] }, 'messages'],
    ['no text', { messages: [{ destinations: [{ to: '905321112233' }], content: {} }] }, 'messages[0].content.text'],
    ['no destinations', { messages: [{ destinations: [], content: { text: 'x' } }] }, 'messages[0].destinations'],
    ['a turkeyIys without recipientType', v3([{ to: '905321112233' }], { options: { regional: { turkeyIys: { brandCode: 1 } } } }), 'messages[0].options.regional.turkeyIys.recipientType'],
  ])('answers 400 with the platform envelope for %s', async (_name, body, property) => {
    const answer = await request('POST', '/sms/3/messages', body);
    expect(answer).toEqual({ status: 400, body: { errorCode: 'E400', description: expect.any(String), action: null, violations: [expect.objectContaining({ property })], resources: [] } });
  });

  it('a throttling status-code fault answers 429 E429 with Retry-After when given', async () => {
    sandbox.injectFault({ kind: 'status-code', statusCode: 429, retryAfterSeconds: 2, wire: 'infobip', endpoint: 'sms/3/messages' });
    const response = await httpRequest(`${sandbox.urls.infobip}/sms/3/messages`, { body: v3([{ to: '905321112233' }]), headers });
    expect([response.status, response.headers['retry-after'], json(response).errorCode]).toEqual([429, '2', 'E429']);
  });

  it('answers 401 to a wrong key', async () => {
    expect(await request('POST', '/sms/3/messages', v3([{ to: '905321112233' }]), { authorization: 'App wrong' })).toMatchObject({ status: 401, body: { errorCode: 'E401' } });
  });
});

describe('POST /sms/2/text/advanced', () => {
  it('takes the flat v2 shape and answers with `to` and smsCount; errors in the legacy envelope', async () => {
    const answer = await request('POST', '/sms/2/text/advanced', { messages: [{ from: 'ROTA', destinations: [{ to: '905321112233', messageId: 'v2-1' }], text: 'Merhaba' }], includeSmsCountInResponse: true });
    expect(answer.body.messages).toEqual([{ to: '905321112233', status: expect.objectContaining({ id: 26 }), messageId: 'v2-1', smsCount: 1 }]);
    expect(await request('POST', '/sms/2/text/advanced', { messages: [] })).toMatchObject({ status: 400, body: { requestError: { serviceException: { messageId: 'BAD_REQUEST' } } } });
    expect(await request('POST', '/sms/2/text/advanced', { messages: [] }, { authorization: 'App nope' })).toMatchObject({ status: 401, body: { requestError: { serviceException: { messageId: 'UNAUTHORIZED' } } } });
  });
});

describe('reports', () => {
  it('hands each final report out once, by messageId, with consent refusals for commercial traffic', async () => {
    const iys = { options: { regional: { turkeyIys: { recipientType: 'BIREYSEL' } } }, webhooks: { callbackData: 'ref-1' } };
    await request('POST', '/sms/3/messages', v3([{ to: APPROVED, messageId: 'a' }, { to: OPTED_OUT, messageId: 'b' }, { to: NOT_LISTED, messageId: 'c' }], iys));
    const a = await request('GET', '/sms/3/reports?messageId=a');
    expect(a.body.results).toEqual([
      expect.objectContaining({ messageId: 'a', to: APPROVED, sender: 'ROTA', callbackData: 'ref-1', messageCount: 1, status: expect.objectContaining({ groupId: 3, id: 5, name: 'DELIVERED_TO_HANDSET' }), error: expect.objectContaining({ id: 0 }) }),
    ]);
    expect((await request('GET', '/sms/3/reports?messageId=a')).body.results).toEqual([]);
    const rest = await request('GET', '/sms/3/reports?limit=10');
    expect(rest.body.results.map((r: { messageId: string; status: { groupId: number } }) => [r.messageId, r.status.groupId])).toEqual([
      ['b', 5],
      ['c', 5],
    ]);
    expect((await request('GET', '/sms/3/reports')).body.results).toEqual([]);
  });

  it('answers the v2-shaped twin at /sms/1/reports, and the balance', async () => {
    await request('POST', '/sms/3/messages', v3([{ to: '905321112233', messageId: 'x' }]));
    expect((await request('GET', '/sms/1/reports?messageId=x')).body.results[0]).toMatchObject({ messageId: 'x', from: 'ROTA', smsCount: 1 });
    expect((await request('GET', '/account/1/balance')).body).toEqual({ balance: 9.99, currency: 'EUR' });
  });
});

describe('push', () => {
  let receiver: Server;
  let pushed: { url: string; body: { results: { messageId: string }[] } }[];
  beforeEach(async () => {
    pushed = [];
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk));
      req.on('end', () => {
        pushed.push({ url: req.url ?? '', body: JSON.parse(body) });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  });
  afterEach(async () => {
    receiver.closeAllConnections();
    await new Promise((resolve) => receiver.close(resolve));
  });

  it('posts { results } to the URL the request named, at most 100 a call; a pushed report is not pulled again', async () => {
    const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/dlr?token=abc`;
    const destinations = Array.from({ length: 150 }, (_, i) => ({ to: `9053200${String(i).padStart(5, '0')}`, messageId: `m${i}` }));
    await request('POST', '/sms/3/messages', v3(destinations, { webhooks: { delivery: { url: hook }, contentType: 'application/json' } }));
    while (pushed.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(pushed.map((p) => [p.url, p.body.results.length])).toEqual([
      ['/dlr?token=abc', 100],
      ['/dlr?token=abc', 50],
    ]);
    while (sandbox.pushes('infobip').sent < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    expect((await request('GET', '/sms/3/reports?limit=1000')).body.results).toEqual([]);
  });
});
