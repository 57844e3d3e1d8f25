import { startRecordingServer, type RecordingServer } from '@rota/testkit';
import { createTwilioClient, TwilioCredentials, type TwilioClient } from '../src/index.js';
import { createMessageForm } from '../src/twilio-wire.js';
import { ACCOUNT_SID, AUTH_TOKEN } from './fixtures.js';

// The request bytes against twilio-api.md, field by field, as they reached a recording server.

let server: RecordingServer;
let client: TwilioClient;
const credentials = new TwilioCredentials(ACCOUNT_SID, AUTH_TOKEN);
const CREATED = JSON.stringify({ sid: `SM${'a'.repeat(32)}`, status: 'queued', to: '+905321112233', num_segments: '1', error_code: null });

beforeAll(async () => {
  server = await startRecordingServer(() => ({ status: 201, body: CREATED }));
  client = createTwilioClient({ baseUrl: server.origin });
});
afterAll(async () => {
  await client.close();
  await server.close();
});
beforeEach(() => {
  server.requests.length = 0;
  server.answer = () => ({ status: 201, body: CREATED });
});

const form = () => new URLSearchParams(server.requests.at(-1)!.body.toString('utf8'));

describe('POST /2010-04-01/Accounts/{AccountSid}/Messages.json', () => {
  it('goes to the account\'s Messages.json, form-encoded, with HTTP Basic AccountSid:AuthToken', async () => {
    await client.createMessage(credentials, { to: '+905321112233', from: 'ROTA', body: 'x' });
    const request = server.requests[0]!;
    expect([request.method, request.url]).toEqual(['POST', `/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`]);
    expect(request.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(request.headers.authorization).toBe(`Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')}`);
    expect(request.body.toString()).not.toContain(AUTH_TOKEN);
  });

  it('To is E.164 with its +, From the sender, Body the text — one To only', async () => {
    await client.createMessage(credentials, { to: '+905321112233', from: 'ROTA', body: 'Şifreniz 1234 & more' });
    expect([...form()]).toEqual([
      ['To', '+905321112233'],
      ['From', 'ROTA'],
      ['Body', 'Şifreniz 1234 & more'],
    ]);
  });

  it('StatusCallback and ValidityPeriod when given, encoded as the contract\'s example', async () => {
    await client.createMessage(credentials, { to: '+905321112233', from: 'ROTA', body: 'Sifreniz 1234', statusCallback: 'https://rota.example/dlr/twilio?ref=abc', validityPeriod: 1800 });
    expect(server.requests[0]!.body.toString()).toBe('To=%2B905321112233&From=ROTA&Body=Sifreniz+1234&StatusCallback=https%3A%2F%2Frota.example%2Fdlr%2Ftwilio%3Fref%3Dabc&ValidityPeriod=1800');
  });

  it('encodes a form exactly as URLSearchParams does', () => {
    const message = { to: '+905321112233', from: 'ROTA', body: "a b!'()*~-._ ğ\n%&=+", statusCallback: 'https://x.example/a?b=c d' };
    expect(createMessageForm(message)).toBe(new URLSearchParams({ To: message.to, From: message.from, Body: message.body, StatusCallback: message.statusCallback }).toString());
  });

  it('reads the resource (num_segments a string) and Twilio\'s error body whatever the HTTP status', async () => {
    expect(await client.createMessage(credentials, { to: '+905321112233', from: 'ROTA', body: 'x' })).toEqual({
      ok: true,
      value: { sid: `SM${'a'.repeat(32)}`, status: 'queued', to: '+905321112233', numSegments: 1 },
    });
    server.answer = () => ({ status: 429, headers: { 'retry-after': '1' }, body: '{"code":20429,"message":"Too Many Requests","more_info":"https://www.twilio.com/docs/errors/20429","status":429}' });
    expect(await client.createMessage(credentials, { to: '+905321112233', from: 'ROTA', body: 'x' })).toEqual({ ok: false, httpStatus: 429, code: 20429, message: 'Too Many Requests', retryAfterMs: 1_000 });
  });
});

describe('GET Messages/{Sid}.json and Balance.json', () => {
  it('reads a message back by sid, and the balance (a string)', async () => {
    server.answer = () => ({ body: JSON.stringify({ sid: 'SMx', status: 'undelivered', error_code: 30003, date_updated: 'Thu, 24 Aug 2023 05:01:45 +0000' }) });
    expect(await client.fetchMessage(credentials, 'SMx')).toEqual({ ok: true, value: { sid: 'SMx', status: 'undelivered', errorCode: 30003, dateUpdated: 'Thu, 24 Aug 2023 05:01:45 +0000' } });
    expect([server.requests[0]!.method, server.requests[0]!.url]).toEqual(['GET', `/2010-04-01/Accounts/${ACCOUNT_SID}/Messages/SMx.json`]);
    server.answer = () => ({ body: JSON.stringify({ account_sid: ACCOUNT_SID, balance: '0.05', currency: 'USD' }) });
    expect(await client.balance(credentials)).toEqual({ ok: true, value: { balance: 0.05, currency: 'USD' } });
    expect(server.requests[1]!.url).toBe(`/2010-04-01/Accounts/${ACCOUNT_SID}/Balance.json`);
  });
});
