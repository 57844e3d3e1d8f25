import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startSandbox, type Sandbox } from '../src/index.js';
import { httpRequest, json } from './http-client.js';

const ACCOUNT = { key: 'mc-key', hash: 'mc-hash-secret', senders: ['ROTA', 'ROTAKAMP'] };
const OTHER = { key: 'mc-other', hash: 'mc-other-hash', senders: ['OTHER'], iysCodeSet: false };
const APPROVED = '905321234567';
const OPTED_OUT = '905559998877';
const NOT_LISTED = '905440001122';

let sandbox: Sandbox;
const url = (name: string) => `${sandbox.urls.messageCenter}/v1/${name}/json`;
const auth = (account: { key: string; hash: string } = ACCOUNT) => ({ key: account.key, hash: account.hash });
const order = (extra: Record<string, unknown> = {}, numbers: unknown[] = ['5321112233']) => ({
  sender: 'ROTA',
  sendDateTime: '',
  iys: '0',
  message: { text: 'Merhaba', receipents: { number: numbers } },
  ...extra,
});
const call = async (name: string, request: Record<string, unknown>) => {
  const response = await httpRequest(url(name), { body: { request } });
  return { status: response.status, body: json(response) };
};
const send = (extra: Record<string, unknown> = {}, numbers?: unknown[], account?: { key: string; hash: string }) => call('send-sms', { authentication: auth(account), order: order(extra, numbers) });

beforeEach(async () => {
  sandbox = await startSandbox({ messageCenter: { accounts: [ACCOUNT, OTHER] }, deliveryDelayMs: 0, consent: { approved: [APPROVED], optedOut: [OPTED_OUT] } });
});
afterEach(() => sandbox.close());

describe('send-sms', () => {
  it('accepts an order: HTTP 200 mirroring code "200", an order id, one record per number in every written form', async () => {
    const answer = await send({}, ['5321112233', '+90 542 111 22 44', '905051112255']);
    expect(answer).toEqual({ status: 200, body: { response: { status: { code: '200', message: 'İşlem başarılı' }, order: { id: expect.stringMatching(/^\d+$/) } } } });
    const id = answer.body.response.order.id;
    expect(sandbox.wireRecords('message-center')).toEqual(
      ['905321112233', '905421112244', '905051112255'].map((receiver) =>
        expect.objectContaining({ wire: 'message-center', account: 'mc-key', receiver, text: 'Merhaba', sender: 'ROTA', messageId: `${id}+${receiver}`, commercial: false }),
      ),
    );
  });

  it('takes iys "1" with iysList as commercial, and a message list with one text per entry', async () => {
    await send({ iys: '1', iysList: 'TACIR', message: [{ text: 'A', receipents: { number: ['5321112233'] } }, { text: 'B', receipents: { number: ['5421112244'] } }] });
    expect(sandbox.wireRecords('message-center').map((r) => [r.text, r.commercial, r.recipientType])).toEqual([
      ['A', true, 'TACIR'],
      ['B', true, 'TACIR'],
    ]);
  });

  it.each<[string, Record<string, unknown>, unknown[] | undefined, number]>([
    ['a bad key/hash', {}, undefined, 401],
    ['an empty sender', { sender: '' }, undefined, 459],
    ['a sender over 11 characters', { sender: 'ROTAROTAROTA' }, undefined, 460],
    ['a sender with Turkish letters', { sender: 'ŞİRKET' }, undefined, 460],
    ['a sender not approved', { sender: 'NOTMINE' }, undefined, 450],
    ['no iys', { iys: undefined }, undefined, 468],
    ['iys 1 without iysList', { iys: '1' }, undefined, 469],
    ['an unreadable sendDateTime', { sendDateTime: '2030-01-01 10:00' }, undefined, 457],
    ['an empty text', { message: { text: ' ', receipents: { number: ['5321112233'] } } }, undefined, 454],
    ['a text over 7 parts', { message: { text: 'x'.repeat(7 * 153 + 1), receipents: { number: ['5321112233'] } } }, undefined, 453],
    ['no numbers', {}, [], 452],
    ['an invalid number', {}, ['5321112233', '12345'], 466],
  ])('refuses %s with HTTP and body code %i, recording nothing', async (name, extra, numbers, code) => {
    const answer = name === 'a bad key/hash' ? await send(extra, numbers, { key: ACCOUNT.key, hash: 'wrong' }) : await send(extra, numbers);
    expect(answer).toEqual({ status: code, body: { response: { status: { code: String(code), message: expect.any(String) } } } });
    expect(sandbox.wireRecords('message-center')).toEqual([]);
  });

  it('answers 470 when the account has no İYS code, 402 when its credit does not cover the order', async () => {
    expect((await send({ sender: 'OTHER', iys: '1', iysList: 'BIREYSEL' }, undefined, OTHER)).status).toBe(470);
    sandbox.setWireCredit('message-center', 'mc-key', 1);
    expect((await send({}, ['5321112233', '5421112244'])).status).toBe(402);
    expect((await send({}, ['5321112233'])).status).toBe(200);
  });

  it('answers 451 to the same text and recipients within the window', async () => {
    expect((await send({}, ['5321112233', '5421112244'])).status).toBe(200);
    expect((await send({}, ['+905421112244', '5321112233'])).status).toBe(451);
    expect((await send({ message: { text: 'Another', receipents: { number: ['5321112233'] } } })).status).toBe(200);
  });

  it('answers 400 to an unreadable body and 404 to an unknown path', async () => {
    expect((await httpRequest(url('send-sms'), { body: 'not json' })).status).toBe(400);
    expect(json(await httpRequest(`${sandbox.urls.messageCenter}/v1/nothing/json`, { body: {} }))).toMatchObject({ response: { status: { code: '404' } } });
  });
});

describe('get-report, get-balance', () => {
  it('reports each number of an order: 111 delivered, 112 for consent refusals, the summary beside them', async () => {
    const { body } = await send({ iys: '1', iysList: 'BIREYSEL' }, [APPROVED, OPTED_OUT, NOT_LISTED]);
    const report = await call('get-report', { authentication: auth(), order: { id: body.response.order.id, page: 1, rowCount: 1000 } });
    expect(report.status).toBe(200);
    expect(report.body.response.order).toMatchObject({
      id: body.response.order.id,
      status: 114,
      total: 3,
      delivered: 1,
      undelivered: 2,
      waiting: 0,
      sender: 'ROTA',
      message: [
        { number: `+${APPROVED}`, status: 111 },
        { number: `+${OPTED_OUT}`, status: 112 },
        { number: `+${NOT_LISTED}`, status: 112 },
      ],
    });
  });

  it('pages reports, answers 455 to an order it does not know (or another account\'s) and 456 to one not started', async () => {
    const numbers = Array.from({ length: 5 }, (_, i) => `532000000${i}`);
    const { body } = await send({}, numbers);
    const id = body.response.order.id;
    const page2 = await call('get-report', { authentication: auth(), order: { id, page: 2, rowCount: 2 } });
    expect(page2.body.response.order.message.map((m: { number: string }) => m.number)).toEqual(['+905320000002', '+905320000003']);
    expect((await call('get-report', { authentication: auth(), order: { id: '1' } })).status).toBe(455);
    expect((await call('get-report', { authentication: auth(OTHER), order: { id } })).status).toBe(455);
    const later = await send({ sendDateTime: '01/01/2099 10:00', message: { text: 'Later', receipents: { number: ['5321112233'] } } });
    expect((await call('get-report', { authentication: auth(), order: { id: later.body.response.order.id } })).status).toBe(456);
  });

  it('answers the balance as strings', async () => {
    sandbox.setWireCredit('message-center', 'mc-key', 18_343);
    expect((await call('get-balance', { authentication: auth() })).body).toEqual({ response: { status: { code: '200', message: 'İşlem başarılı' }, balance: { amount: '0', sms: '18343' } } });
  });
});

describe('push and faults', () => {
  let receiver: Server;
  let pushed: unknown[];
  beforeEach(async () => {
    pushed = [];
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk));
      req.on('end', () => {
        pushed.push(JSON.parse(body));
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  });
  afterEach(async () => {
    receiver.closeAllConnections();
    await new Promise((resolve) => receiver.close(resolve));
  });

  it('posts one report per message to the accounts\' notification URL when it is final', async () => {
    sandbox.setPushUrl(`http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook?token=t`, 'message-center');
    const { body } = await send({ iys: '1', iysList: 'BIREYSEL' }, [APPROVED, NOT_LISTED]);
    while (pushed.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(pushed).toEqual(
      expect.arrayContaining([
        { report: { id: expect.any(Number), packet_id: Number(body.response.order.id), status: 'delivered', to: `+${APPROVED}`, body: 'Merhaba' } },
        { report: { id: expect.any(Number), packet_id: Number(body.response.order.id), status: 'undelivered', to: `+${NOT_LISTED}`, body: 'Merhaba' } },
      ]),
    );
    // Counted when the receiver's answer is back, a moment after it has the body.
    for (let i = 0; i < 100 && sandbox.pushes('message-center').sent < 2; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(sandbox.pushes('message-center')).toEqual({ sent: 2, failed: 0 });
  });

  it('a status-code fault answers the wire\'s envelope with the HTTP status mirroring it; faults scoped to another wire do not apply', async () => {
    sandbox.injectFault({ kind: 'status-code', statusCode: 503, wire: 'message-center', endpoint: 'send-sms' });
    sandbox.injectFault({ kind: 'http-error', httpStatus: 500, wire: 'infobip' });
    expect(await send()).toEqual({ status: 503, body: { response: { status: { code: '503', message: 'Injected fault' } } } });
    expect((await call('get-balance', { authentication: auth() })).status).toBe(200);
    expect(() => sandbox.injectFault({ kind: 'hang', wire: 'message-center', endpoint: 'Send_1_N' })).toThrow(/not an endpoint of the message-center wire/);
  });

  it('a throttling status-code fault answers 429 in the envelope with Retry-After when given', async () => {
    sandbox.injectFault({ kind: 'status-code', statusCode: 429, retryAfterSeconds: 3, wire: 'message-center' });
    const response = await httpRequest(url('send-sms'), { body: { request: { authentication: auth(), order: order() } } });
    expect([response.status, response.headers['retry-after'], json(response)]).toEqual([429, '3', { response: { status: { code: '429', message: 'Injected fault' } } }]);
  });

  it('a fault scoped to an account key applies to that account only; garbled after accept records the order', async () => {
    sandbox.injectFault({ kind: 'garbled', account: 'mc-key' });
    const garbled = await httpRequest(url('send-sms'), { body: { request: { authentication: auth(), order: order() } } });
    expect(garbled.status).toBe(200);
    expect(() => JSON.parse(garbled.text)).toThrow();
    expect(sandbox.wireRecords('message-center')).toHaveLength(1);
    expect((await call('get-balance', { authentication: auth(OTHER) })).status).toBe(200);
  });
});
