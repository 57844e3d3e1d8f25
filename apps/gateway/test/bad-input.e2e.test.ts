import { createFakeProvider, type FakeProvider } from '@rota/testkit';
import { NUMBERS, SECRETS, startHarness, type Harness } from './support/harness.js';

const good = { to: NUMBERS.other, text: 'Merhaba', iysType: 'NOTIFICATION' };
const BODY_LIMIT = 4_096;
const MAX_BATCH = 5;

type Case = {
  name: string;
  method?: 'POST' | 'PATCH';
  path?: string;
  key?: string;
  json?: unknown;
  raw?: string;
  contentType?: string;
  status: number;
  /** The issue path that must be named, or the error code for body-level problems. */
  field?: string;
  error?: string;
};

const cases: Case[] = [
  { name: 'missing to', json: { text: 'x', iysType: 'NOTIFICATION' }, status: 400, field: 'to' },
  { name: 'letters for a number', json: { ...good, to: 'call me' }, status: 400, field: 'to' },
  { name: 'a Turkish fixed line', json: { ...good, to: '0212 123 45 67' }, status: 400, field: 'to' },
  { name: 'a number as a JSON number', json: { ...good, to: 5321234567 }, status: 400, field: 'to' },
  { name: 'empty text', json: { ...good, text: '' }, status: 400, field: 'text' },
  { name: 'blank text', json: { ...good, text: '   \n ' }, status: 400, field: 'text' },
  { name: 'text over 1600 characters', json: { ...good, text: 'a'.repeat(1_601) }, status: 400, field: 'text' },
  { name: 'text over 10 segments', json: { ...good, text: '€'.repeat(400) + 'ж'.repeat(400) }, status: 400, field: 'text' },
  { name: 'a control character in the text', json: { ...good, text: 'bell\u0007' }, status: 400, field: 'text' },
  { name: 'missing iysType', json: { to: NUMBERS.other, text: 'x' }, status: 400, field: 'iysType' },
  { name: 'unknown iysType', json: { ...good, iysType: 'PROMO' }, status: 400, field: 'iysType' },
  { name: 'unknown recipientType', json: { ...good, recipientType: 'KURUM' }, status: 400, field: 'recipientType' },
  { name: 'sender too short', json: { ...good, sender: 'AB' }, status: 400, field: 'sender' },
  { name: 'sender with Turkish letters', json: { ...good, sender: 'ŞİRKET' }, status: 400, field: 'sender' },
  { name: 'an unknown field', json: { ...good, priority: 'high' }, status: 400, field: 'priority' },
  { name: 'sendAt not a date', json: { ...good, sendAt: 'tomorrow' }, status: 400, field: 'sendAt' },
  { name: 'a validUntil in the year 999 (a provider took it for a malformed date)', json: { ...good, validUntil: '0999-01-01T00:00:00Z' }, status: 400, field: 'validUntil' },
  { name: 'validUntil before sendAt', json: { ...good, sendAt: '2030-01-02T10:00:00+03:00', validUntil: '2030-01-01T10:00:00+03:00' }, status: 400, field: 'validUntil' },
  { name: 'a text of invisible characters (opened a breaker)', json: { ...good, text: '\u2028\ufeff\u200b' }, status: 400, field: 'text' },
  { name: 'otp not a boolean', json: { ...good, otp: 'yes' }, status: 400, field: 'otp' },
  { name: "an idempotencyKey in the operators' resend: space", json: { ...good, idempotencyKey: 'resend:msg_abc' }, status: 400, field: 'idempotencyKey' },
  { name: "a bulk's idempotencyKey in the operators' resend: space (one key space)", path: '/v1/bulk', json: { text: 'x', iysType: 'NOTIFICATION', recipients: [good.to], idempotencyKey: 'resend:msg_abc' }, status: 400, field: 'idempotencyKey' },
  { name: 'empty idempotencyKey', json: { ...good, idempotencyKey: '' }, status: 400, field: 'idempotencyKey' },
  { name: 'an array instead of a message', json: [good], status: 400, field: '(root)' },
  { name: 'a __proto__ key (valid JSON: named, not called invalid)', raw: `{"to":"${NUMBERS.other}","text":"x","iysType":"NOTIFICATION","__proto__":{"admin":true}}`, status: 400, field: '__proto__' },
  {
    name: 'a constructor.prototype key deep in a batch',
    path: '/v1/messages/batch',
    raw: `{"messages":[{"to":"${NUMBERS.other}","text":"x","iysType":"NOTIFICATION"},{"to":"${NUMBERS.other}","text":"x","iysType":"NOTIFICATION","constructor":{"prototype":{}}}]}`,
    status: 400,
    field: 'messages.1.constructor.prototype',
  },
  { name: 'malformed JSON', raw: '{"to": "+905551112233", "text": ', status: 400, error: 'invalid-json' },
  { name: 'an empty JSON body', raw: '', status: 400, error: 'invalid-json' },
  { name: 'text/plain', raw: 'to=+905551112233', contentType: 'text/plain', status: 415, error: 'unsupported-media-type' },
  { name: 'JSON labelled Latin-1 (it would be read as UTF-8, "ç" sent as something else)', raw: '{"to":"+905551112233","text":"Fiyat: \u00e7","iysType":"NOTIFICATION"}', contentType: 'application/json; charset=iso-8859-1', status: 415, error: 'unsupported-media-type' },
  { name: 'JSON labelled UTF-16', raw: '{"to":"+905551112233","text":"x","iysType":"NOTIFICATION"}', contentType: 'application/json; charset="UTF-16"', status: 415, error: 'unsupported-media-type' },
  { name: 'form encoding', raw: 'to=%2B905551112233', contentType: 'application/x-www-form-urlencoded', status: 415, error: 'unsupported-media-type' },
  { name: 'a body over gateway.bodyLimitBytes', json: { ...good, text: 'a'.repeat(BODY_LIMIT) }, status: 413, error: 'payload-too-large' },
  // Batches: refused whole, with the index of each bad message.
  { name: 'a batch with one bad number', path: '/v1/messages/batch', json: { messages: [good, good, good, { ...good, to: '123' }] }, status: 400, field: 'messages.3.to' },
  { name: 'a batch with two bad messages', path: '/v1/messages/batch', json: { messages: [{ ...good, text: '' }, good, { ...good, iysType: 'X' }] }, status: 400, field: 'messages.2.iysType' },
  { name: 'a batch with one idempotency key twice', path: '/v1/messages/batch', json: { messages: [{ ...good, idempotencyKey: 'k-1' }, good, { ...good, text: 'Başka', idempotencyKey: 'k-1' }] }, status: 400, field: 'messages.2.idempotencyKey' },
  { name: 'an empty batch', path: '/v1/messages/batch', json: { messages: [] }, status: 400, field: 'messages' },
  { name: 'a batch over maxBatchSize', path: '/v1/messages/batch', json: { messages: Array.from({ length: MAX_BATCH + 1 }, () => good) }, status: 400, field: 'messages' },
  { name: 'a batch without messages', path: '/v1/messages/batch', json: { items: [good] }, status: 400, field: 'messages' },
  { name: 'messages not an array', path: '/v1/messages/batch', json: { messages: good }, status: 400, field: 'messages' },
  // NUL (U+0000): PostgreSQL text cannot hold it, and the store answered a 500.
  { name: 'a NUL in the idempotencyKey', json: { ...good, idempotencyKey: 'order-\u0000-1' }, status: 400, field: 'idempotencyKey' },
  { name: 'a NUL in a batch message reference', path: '/v1/messages/batch', json: { messages: [good, { ...good, reference: 'r\u0000' }] }, status: 400, field: 'messages.1.reference' },
  { name: 'a NUL in a bulk idempotencyKey', path: '/v1/bulk', json: { recipients: [NUMBERS.other], text: 'x', iysType: 'NOTIFICATION', idempotencyKey: '\u0000' }, status: 400, field: 'idempotencyKey' },
  { name: 'a NUL in a field name', json: { ...good, 'x\u0000': 1 }, status: 400, field: 'x\\u0000' },
  // A lone surrogate reads back from the store as U+FFFD: a retry under the key found no record and answered 500.
  { name: 'a lone surrogate in the idempotencyKey', json: { ...good, idempotencyKey: 'order-\udabc' }, status: 400, field: 'idempotencyKey' },
  { name: 'a lone surrogate in a batch message reference', path: '/v1/messages/batch', json: { messages: [good, { ...good, reference: '\udc00r' }] }, status: 400, field: 'messages.1.reference' },
  { name: 'a lone surrogate in a bulk idempotencyKey', path: '/v1/bulk', json: { recipients: [NUMBERS.other], text: 'x', iysType: 'NOTIFICATION', idempotencyKey: '\ud800' }, status: 400, field: 'idempotencyKey' },
  // An unknown query parameter: answered as if unwritten, a guess reads as done as asked.
  { name: 'a query parameter where the route takes none (Prefer is a header)', path: '/v1/messages?mode=queue', json: good, status: 400, field: 'mode' },
  { name: 'an unknown query parameter on a batch', path: '/v1/messages/batch?dryRun=true', json: { messages: [good] }, status: 400, field: 'dryRun' },
  // Admin bodies.
  { name: 'a negative rank', method: 'PATCH', path: '/v1/providers/primary', key: SECRETS.adminToken, json: { rank: -1 }, status: 400, field: 'rank' },
  { name: 'enabled as a string', method: 'PATCH', path: '/v1/providers/primary', key: SECRETS.adminToken, json: { enabled: 'no' }, status: 400, field: 'enabled' },
  { name: 'an empty patch', method: 'PATCH', path: '/v1/providers/primary', key: SECRETS.adminToken, json: {}, status: 400, field: '(root)' },
  { name: 'an unknown patch field', method: 'PATCH', path: '/v1/providers/primary', key: SECRETS.adminToken, json: { weight: 3 }, status: 400, field: 'weight' },
  { name: 'an unknown breaker state', path: '/v1/providers/primary/breaker', key: SECRETS.adminToken, json: { state: 'half-open' }, status: 400, field: 'state' },
];

describe('bad input over HTTP: a 4xx naming the field, and nothing sent or changed', () => {
  let h: Harness;
  let fake: FakeProvider;

  beforeAll(async () => {
    fake = createFakeProvider({ id: 'primary' });
    h = await startHarness({ extra: [{ provider: fake, rank: 1 }], gateway: { bodyLimitBytes: BODY_LIMIT, maxBatchSize: MAX_BATCH } });
  });
  afterAll(() => h.close());

  it(`has at least 20 cases (${cases.length})`, () => {
    expect(cases.length).toBeGreaterThanOrEqual(20);
  });

  it.each(cases)('$name → $status', async (c) => {
    const headers: Record<string, string> = {};
    if (c.contentType) headers['content-type'] = c.contentType;
    else if (c.raw !== undefined) headers['content-type'] = 'application/json';
    const answer = await h.client.call(c.method ?? 'POST', c.path ?? '/v1/messages', {
      ...(c.json !== undefined ? { json: c.json } : { raw: c.raw ?? '' }),
      headers,
      ...(c.key ? { key: c.key } : {}),
    });
    expect(answer.status).toBe(c.status);
    if (c.field !== undefined) {
      expect(answer.body.error).toBe('invalid-request');
      expect(answer.body.issues.map((i: { path: string }) => i.path)).toContain(c.field);
      for (const issue of answer.body.issues) expect(issue.reason.length).toBeGreaterThan(0);
    }
    if (c.error !== undefined) expect(answer.body.error).toBe(c.error);
    expect(typeof answer.body.message).toBe('string');

    // Nothing reached a provider, nothing was changed.
    expect(h.sandbox.records()).toEqual([]);
    expect(fake.callCount).toBe(0);
    const primary = h.router.status().find((s) => s.providerId === 'primary')!;
    expect(primary).toMatchObject({ rank: 1, enabled: true });
    expect(primary.accounts.every((a) => a.override === 'auto')).toBe(true);
  });

  it('names every bad message of a batch, with its index', async () => {
    const messages = [good, { ...good, to: 'x' }, good, { ...good, text: '', iysType: 'NOPE' }];
    const answer = await h.client.call('POST', '/v1/messages/batch', { json: { messages } });
    expect(answer.status).toBe(400);
    expect(answer.body.issues.map((i: { path: string }) => i.path).sort()).toEqual(['messages.1.to', 'messages.3.iysType', 'messages.3.text']);
    expect(h.sandbox.records()).toEqual([]);
  });

  it('names every problem at once: a checked field is not held back until the others are mended', async () => {
    const paths = async (path: string, json: unknown) => {
      const answer = await h.client.call('POST', path, { json });
      expect(answer.status).toBe(400);
      return answer.body.issues.map((i: { path: string }) => i.path);
    };
    const tooLong = 'ş'.repeat(1_500); // 11 segments
    expect(await paths('/v1/messages', { ...good, to: 'x', text: tooLong, idempotencyKey: 'resend:msg_abc', sendAt: '2030-01-02T10:00:00Z', validUntil: '2030-01-01T10:00:00Z' })).toEqual(['to', 'text', 'validUntil', 'idempotencyKey']);
    const batch = [{ ...good, idempotencyKey: 'k-1' }, { ...good, text: '', idempotencyKey: 'k-1' }];
    expect(await paths('/v1/messages/batch', { messages: batch })).toEqual(['messages.1.text', 'messages.1.idempotencyKey']);
    expect(await paths('/v1/messages/batch', { messages: [good, 'Merhaba', null] })).toEqual(['messages.1', 'messages.2']);
    expect(await paths('/v1/bulk', { text: tooLong, iysType: 'NOTIFICATION', recipients: [good.to, 'x', good.to] })).toEqual(['text', 'recipients.1', 'recipients.2']);
    expect(h.sandbox.records()).toEqual([]);
  });

  it('takes a body limit change (a reload) on the next request', async () => {
    const big = { ...good, text: 'a'.repeat(1_500) + 'b'.repeat(100) };
    expect((await h.client.send({ ...big, text: 'a'.repeat(1_000) })).status).toBe(202);
    const previous = h.config.current;
    h.config.current = { ...previous, gateway: { ...previous.gateway, bodyLimitBytes: 1_024 } };
    try {
      expect((await h.client.send({ ...big, text: 'a'.repeat(1_000) })).status).toBe(413);
    } finally {
      h.config.current = previous;
      fake.reset();
    }
  });

  it('applies the limit to a chunked body (no Content-Length) while reading it', async () => {
    const { Readable } = await import('node:stream');
    const chunks = Array.from({ length: 10 }, (_, i) => (i === 0 ? '{"to":"+905551112233","iysType":"NOTIFICATION","text":"' : 'a'.repeat(1_000)));
    const answer = await h.client.call('POST', '/v1/messages', {
      raw: Readable.from(chunks.map((c) => Buffer.from(c))) as unknown as Buffer,
      headers: { 'content-type': 'application/json' },
    });
    expect(answer.status).toBe(413);
    expect(answer.body.error).toBe('payload-too-large');
    expect(fake.callCount).toBe(0);
  });

  it('never answered a client mistake with a 500 (nothing logged at error level)', () => {
    const errors = h.logs.lines().filter((line) => line.level === 'error' || line.status === 500);
    expect(errors).toEqual([]);
  });

  it('refuses a NUL in a path segment or a query value with a 400 naming it', async () => {
    for (const [path, field] of [
      ['/v1/messages/msg_%00', 'id'],
      ['/v1/messages?bulkId=blk_%00', 'bulkId'],
      ['/v1/bulk/blk_%00x', 'id'],
    ] as const) {
      const answer = await h.client.call('GET', path);
      expect(answer.status).toBe(400);
      expect(answer.body.issues).toEqual([{ path: field, reason: 'must not contain a NUL character (\\u0000)' }]);
    }
    // A read sent nothing and an erasure is not a send: the refusal says what it did not do.
    expect((await h.client.call('GET', '/v1/bulk/blk_%00x')).body.message).toBe('the request is invalid');
    expect((await h.client.call('DELETE', '/v1/numbers/0532%00/messages', { key: SECRETS.adminToken })).body.message).toBe('the request is invalid; nothing was changed');
    // Authentication comes first: a caller without a key learns nothing of the request's content.
    expect((await h.client.call('GET', '/v1/messages/msg_%00', { key: 'not-a-key' })).status).toBe(401);
  });

  it('refuses an unknown query parameter on a read with a 400 naming it and what the route takes', async () => {
    const sent = await h.client.send(good);
    const id = sent.body.id as string;
    const typo = await h.client.call('GET', `/v1/messages/${id}?refesh=true`);
    expect(typo.status).toBe(400);
    expect(typo.body.issues).toEqual([{ path: 'refesh', reason: 'is not a query parameter of this route: it takes refresh' }]);
    expect((await h.client.call('GET', `/v1/messages/${id}?refresh=false`)).status).toBe(200);
    const admin = await h.client.call('GET', '/v1/admin/providers?minute=5', { key: SECRETS.adminToken });
    expect(admin.status).toBe(400);
    expect(admin.body.issues).toEqual([{ path: 'minute', reason: 'is not a query parameter of this route: it takes minutes' }]);
    // The lists name an unknown filter themselves; authentication still comes first.
    const takes = 'is not a query parameter of this route: it takes owner, state, bulkId, to, createdFrom, createdUntil, limit, cursor';
    // Given twice, on a list or elsewhere: named as such, not as the wrong type.
    expect((await h.client.call('GET', '/v1/messages?limit=1&limit=2')).body.issues).toEqual([{ path: 'limit', reason: 'is given more than once: give it once' }]);
    expect((await h.client.call('GET', `/v1/messages/${id}?refresh=true&refresh=false`)).body.issues).toEqual([{ path: 'refresh', reason: 'is given more than once: give it once' }]);
    expect((await h.client.call('GET', '/v1/messages?stat=accepted')).body.issues).toEqual([{ path: 'stat', reason: takes }]);
    expect((await h.client.call('GET', '/v1/admin/messages?mode=queue', { key: SECRETS.adminToken })).body.issues).toEqual([{ path: 'mode', reason: takes }]);
    expect((await h.client.call('GET', '/v1/admin/bulks?page=2', { key: SECRETS.adminToken })).body.issues).toEqual([{ path: 'page', reason: 'is not a query parameter of this route: it takes owner, limit, cursor' }]);
    expect((await h.client.call('GET', `/v1/messages/${id}?refesh=true`, { key: 'not-a-key' })).status).toBe(401);
    fake.reset();
  });

  it('answers 404 for unknown routes and methods, not 500', async () => {
    expect((await h.client.call('GET', '/v2/messages')).status).toBe(404);
    expect((await h.client.call('DELETE', '/v1/messages', { key: SECRETS.apiKey })).status).toBe(404);
  });
});
