import { startRecordingServer, type RecordingServer } from '@rota/testkit';
import { analyzeText } from '@rota/provider';
import { createInfobipClient, InfobipCredentials, type InfobipClient, type SendBody } from '../src/index.js';
import { API_KEY, BRAND_CODE, configFor, createInfobip, requestFor } from './fixtures.js';

// The request bytes against infobip-api.md, field by field, as they reached a recording server.

let server: RecordingServer;
let client: InfobipClient;
const credentials = new InfobipCredentials(API_KEY);

const accepted = (body: string) => {
  const request = JSON.parse(body) as { messages: { destinations: { to: string; messageId: string }[] }[] };
  const messages = request.messages.flatMap((m) =>
    m.destinations.map((d) => ({ messageId: d.messageId, status: { groupId: 1, groupName: 'PENDING', id: 26, name: 'PENDING_ACCEPTED', description: '' }, destination: d.to, details: { messageCount: 1 } })),
  );
  return JSON.stringify({ bulkId: 'b', messages });
};

beforeAll(async () => {
  server = await startRecordingServer((request) => ({ body: request.method === 'POST' ? accepted(request.body.toString()) : '{"results":[]}' }));
  client = createInfobipClient({ baseUrl: `${server.origin}/` });
});
afterAll(async () => {
  await client.close();
  await server.close();
});
beforeEach(() => {
  server.requests.length = 0;
});

const body = () => JSON.parse(server.requests.at(-1)!.body.toString('utf8'));
const base: SendBody = { bulkId: 'rota-bulk-1', entries: [{ sender: 'ROTA', destinations: [{ to: '905321112233', messageId: 'rota-bulk-1-0' }], text: 'Merhaba', analysis: analyzeText('Merhaba'), callbackData: 'infobip-ROTA-notification' }] };

describe('POST /sms/3/messages', () => {
  it('goes to <baseUrl>/sms/3/messages with Authorization: App <apiKey> and JSON', async () => {
    await client.send(credentials, base);
    const request = server.requests[0]!;
    expect([request.method, request.url]).toEqual(['POST', '/sms/3/messages']);
    expect(request.headers.authorization).toBe(`App ${API_KEY}`);
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.body.toString()).not.toContain(API_KEY);
  });

  it('messages[].sender, destinations[{to,messageId}] (international, no +), content.text', async () => {
    await client.send(credentials, base);
    expect(body().messages[0]).toMatchObject({ sender: 'ROTA', destinations: [{ to: '905321112233', messageId: 'rota-bulk-1-0' }], content: { text: 'Merhaba' } });
  });

  it('content.language: none for GSM-7 and UCS-2, TR with the shift the text needs', async () => {
    await client.send(credentials, base);
    expect(body().messages[0].content).toEqual({ text: 'Merhaba' });
    const turkish = 'Şifreniz 4711';
    expect(analyzeText(turkish).encoding).toBe('GSM7_TURKISH_SHIFT');
    await client.send(credentials, { ...base, entries: [{ ...base.entries[0]!, text: turkish, analysis: analyzeText(turkish) }] });
    const shift = analyzeText(turkish).shift === 'locking' ? { lockingShift: true } : { singleShift: true };
    expect(body().messages[0].content).toEqual({ text: turkish, language: { languageCode: 'TR', ...shift } });
    const single = 'Şu';
    await client.send(credentials, { ...base, entries: [{ ...base.entries[0]!, text: single, analysis: { encoding: 'GSM7_TURKISH_SHIFT', shift: 'single' } }] });
    expect(body().messages[0].content.language).toEqual({ languageCode: 'TR', singleShift: true });
    await client.send(credentials, { ...base, entries: [{ ...base.entries[0]!, text: '😀', analysis: analyzeText('😀') }] });
    expect(body().messages[0].content).toEqual({ text: '😀' });
  });

  it('options.validityPeriod { amount, timeUnit: MINUTES } and options.regional.turkeyIys { brandCode, recipientType }', async () => {
    await client.send(credentials, { ...base, entries: [{ ...base.entries[0]!, validityMinutes: 30, turkeyIys: { brandCode: BRAND_CODE, recipientType: 'TACIR' } }] });
    expect(body().messages[0].options).toEqual({ validityPeriod: { amount: 30, timeUnit: 'MINUTES' }, regional: { turkeyIys: { brandCode: BRAND_CODE, recipientType: 'TACIR' } } });
  });

  it('webhooks { delivery.url, contentType, callbackData }', async () => {
    await client.send(credentials, { ...base, entries: [{ ...base.entries[0]!, webhookUrl: 'https://rota.example/v1/providers/infobip/reports?token=t' }] });
    expect(body().messages[0].webhooks).toEqual({ delivery: { url: 'https://rota.example/v1/providers/infobip/reports?token=t' }, contentType: 'application/json', callbackData: 'infobip-ROTA-notification' });
  });

  it('request options: includeSmsCountInResponse, schedule.bulkId, schedule.sendAt as yyyy-MM-ddTHH:mm:ss.SSS+0000', async () => {
    await client.send(credentials, { ...base, sendAt: new Date('2030-01-05T10:00:00.000Z') });
    expect(body().options).toEqual({ includeSmsCountInResponse: true, schedule: { bulkId: 'rota-bulk-1', sendAt: '2030-01-05T10:00:00.000+0000' } });
  });

  it('the provider splits a CAMPAIGN: Turkish numbers with turkeyIys (brand code from the account, recipient type from the message), others without', async () => {
    const provider = createInfobip(configFor(`${server.origin}/`));
    try {
      const request = requestFor(provider, { to: '+905321112233', text: 'Kampanya', iysType: 'CAMPAIGN', recipientType: 'TACIR' }, ['+905321112233', '+4915112345678', '+905421112244']);
      const { receipts } = await provider.send(request);
      const messages = body().messages;
      expect(messages.map((m: { destinations: { to: string }[]; options?: unknown }) => [m.destinations.map((d) => d.to), m.options ?? null])).toEqual([
        [['905321112233', '905421112244'], { regional: { turkeyIys: { brandCode: BRAND_CODE, recipientType: 'TACIR' } } }],
        [['4915112345678'], null],
      ]);
      expect(receipts.map((r) => r.to)).toEqual(['+905321112233', '+4915112345678', '+905421112244']);
      const notification = requestFor(provider, { to: '+905321112233', text: 'Kod 1', iysType: 'NOTIFICATION', validUntil: new Date(Date.now() + 90 * 60_000) });
      await provider.send(notification);
      expect(body().messages).toHaveLength(1);
      expect(body().messages[0].options).toEqual({ validityPeriod: { amount: 90, timeUnit: 'MINUTES' } });
    } finally {
      await provider.close();
    }
  });
});

describe('GET /sms/3/reports and /account/1/balance', () => {
  it('asks for one message id, limit 1, with the key in the header', async () => {
    await client.report(credentials, 'rota-bulk-1-0');
    const request = server.requests[0]!;
    expect([request.method, request.url, request.headers.authorization]).toEqual(['GET', '/sms/3/reports?messageId=rota-bulk-1-0&limit=1', `App ${API_KEY}`]);
  });

  it('reads the balance', async () => {
    server.answer = () => ({ body: '{"balance":47.79,"currency":"EUR"}' });
    try {
      expect(await client.balance(credentials)).toEqual({ ok: true, value: { balance: 47.79, currency: 'EUR' } });
      expect(server.requests[0]!.url).toBe('/account/1/balance');
    } finally {
      server.answer = (request) => ({ body: request.method === 'POST' ? accepted(request.body.toString()) : '{"results":[]}' });
    }
  });

  it('reads both error envelopes', async () => {
    server.answer = () => ({ status: 401, body: '{"errorCode":"E401","description":"Invalid login details","action":null,"violations":[],"resources":[]}' });
    expect(await client.send(credentials, base)).toEqual({ ok: false, httpStatus: 401, code: 'E401', text: 'Invalid login details' });
    server.answer = () => ({ status: 429, headers: { 'retry-after': '2' }, body: '{"requestError":{"serviceException":{"messageId":"TOO_MANY_REQUESTS","text":"slow down"}}}' });
    expect(await client.balance(credentials)).toEqual({ ok: false, httpStatus: 429, code: 'TOO_MANY_REQUESTS', text: 'slow down', retryAfterMs: 2_000 });
    server.answer = (request) => ({ body: request.method === 'POST' ? accepted(request.body.toString()) : '{"results":[]}' });
  });
});
