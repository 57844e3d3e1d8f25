import { createHmac } from 'node:crypto';
import { startRecordingServer, type RecordingServer } from '@rota/testkit';
import { createMessageCenterClient, MessageCenterCredentials, type MessageCenterClient } from '../src/index.js';
import { formatSendDateTime } from '../src/message-center-wire.js';
import { HASH, KEY } from './fixtures.js';

// The request bytes against message-center-api.md, field by field: a recording
// server stands where api.iletimerkezi.com would, so what is asserted is what
// went over the socket.

let server: RecordingServer;
let client: MessageCenterClient;
const credentials = new MessageCenterCredentials(KEY, HASH);
const OK_SEND = JSON.stringify({ response: { status: { code: '200', message: 'İşlem başarılı' }, order: { id: '12323232' } } });

beforeAll(async () => {
  server = await startRecordingServer(() => ({ body: OK_SEND }));
  client = createMessageCenterClient({ baseUrl: `${server.origin}/mc/` });
});
afterAll(async () => {
  await client.close();
  await server.close();
});
beforeEach(() => {
  server.requests.length = 0;
  server.answer = () => ({ body: OK_SEND });
});

const lastBody = () => JSON.parse(server.requests.at(-1)!.body.toString('utf8'));
const send = (order: Partial<Parameters<MessageCenterClient['sendSms']>[1]> = {}) =>
  client.sendSms(credentials, { sender: 'ROTA', flag: { iys: '0' }, text: 'Merhaba', numbers: ['+905321112233'], ...order });

describe('send-sms request', () => {
  it('POSTs JSON to <baseUrl>/v1/send-sms/json', async () => {
    await send();
    const request = server.requests[0]!;
    expect([request.method, request.url]).toEqual(['POST', '/mc/v1/send-sms/json']);
    expect(request.headers['content-type']).toBe('application/json; charset=utf-8');
  });

  it('carries the key and hash in request.authentication, nowhere else', async () => {
    await send();
    const request = server.requests[0]!;
    expect(lastBody().request.authentication).toEqual({ key: KEY, hash: HASH });
    expect(JSON.stringify(request.headers)).not.toContain(HASH);
    expect(request.url).not.toContain(KEY);
  });

  it('order.sender is the sender as given', async () => {
    await send({ sender: 'ROTAKAMP' });
    expect(lastBody().request.order.sender).toBe('ROTAKAMP');
  });

  it('order.sendDateTime is "" (now) without sendAt, DD/MM/YYYY HH:MM in Turkey time with it', async () => {
    await send();
    expect(lastBody().request.order.sendDateTime).toBe('');
    await send({ sendAt: new Date('2030-04-23T06:00:42Z') });
    expect(lastBody().request.order.sendDateTime).toBe('23/04/2030 09:00');
    expect(formatSendDateTime(new Date('2030-12-31T22:05:00Z'))).toBe('01/01/2031 01:05');
  });

  it('order.iys is "0" for transactional traffic, with no iysList', async () => {
    await send({ flag: { iys: '0' } });
    const order = lastBody().request.order;
    expect(order.iys).toBe('0');
    expect('iysList' in order).toBe(false);
  });

  it('order.iys is "1" with order.iysList for commercial traffic', async () => {
    await send({ flag: { iys: '1', iysList: 'TACIR' } });
    expect(lastBody().request.order).toMatchObject({ iys: '1', iysList: 'TACIR' });
  });

  it('order.message is { text, receipents: { number: [...] } } — the API\'s spelling — numbers without "+"', async () => {
    await send({ text: 'Şifreniz: 4711 "ok"', numbers: ['+905321112233', '+905421112244', '905051112255'] });
    expect(lastBody().request.order.message).toEqual({ text: 'Şifreniz: 4711 "ok"', receipents: { number: ['905321112233', '905421112244', '905051112255'] } });
  });

  it('the whole body has exactly the contract\'s keys, in its order', async () => {
    await send({ flag: { iys: '1', iysList: 'BIREYSEL' } });
    const body = lastBody();
    expect(Object.keys(body)).toEqual(['request']);
    expect(Object.keys(body.request)).toEqual(['authentication', 'order']);
    expect(Object.keys(body.request.order)).toEqual(['sender', 'sendDateTime', 'iys', 'iysList', 'message']);
  });

  it('reads the order id, as a string or a number', async () => {
    expect(await send()).toEqual({ code: 200, message: 'İşlem başarılı', orderId: '12323232' });
    server.answer = () => ({ body: JSON.stringify({ response: { status: { code: 200, message: 'ok' }, order: { id: 45 } } }) });
    expect(await send()).toMatchObject({ code: 200, orderId: '45' });
  });

  it('reads an error code from the envelope whatever the HTTP status, with Retry-After', async () => {
    server.answer = () => ({ status: 503, headers: { 'retry-after': '4' }, body: JSON.stringify({ response: { status: { code: '503', message: 'Servis geçici olarak kullanılamıyor' } } }) });
    expect(await send()).toEqual({ code: 503, message: 'Servis geçici olarak kullanılamıyor', retryAfterMs: 4_000 });
  });
});

describe('get-report and get-balance requests', () => {
  it('get-report: order { id, page, rowCount 1000 } to /v1/get-report/json', async () => {
    server.answer = () => ({ body: JSON.stringify({ response: { status: { code: 200, message: '' }, order: { id: '45', status: 114, total: 1, message: [{ number: '+905321112233', status: '111' }] } } }) });
    const answer = await client.getReport(credentials, '45', 2);
    expect(server.requests[0]!.url).toBe('/mc/v1/get-report/json');
    expect(lastBody()).toEqual({ request: { authentication: { key: KEY, hash: HASH }, order: { id: '45', page: 2, rowCount: 1000 } } });
    expect(answer.order).toEqual({ id: '45', status: 114, total: 1, rows: [{ number: '+905321112233', status: 111 }] });
  });

  it('get-balance: authentication only, to /v1/get-balance/json; amounts as strings', async () => {
    server.answer = () => ({ body: JSON.stringify({ response: { status: { code: '200', message: '' }, balance: { amount: '12,50', sms: '18343' } } }) });
    expect(await client.getBalance(credentials)).toEqual({ code: 200, message: '', sms: 18_343, amount: 12.5 });
    expect(server.requests[0]!.url).toBe('/mc/v1/get-balance/json');
    expect(lastBody()).toEqual({ request: { authentication: { key: KEY, hash: HASH } } });
  });
});

describe('credentials', () => {
  it('derive the hash from a secret as lowercase hex HMAC-SHA256 of the key', async () => {
    await client.sendSms(MessageCenterCredentials.fromSecret(KEY, 'the-secret'), { sender: 'ROTA', flag: { iys: '0' }, text: 'x', numbers: ['+905321112233'] });
    expect(lastBody().request.authentication).toEqual({ key: KEY, hash: createHmac('sha256', 'the-secret').update(KEY).digest('hex') });
  });
});
