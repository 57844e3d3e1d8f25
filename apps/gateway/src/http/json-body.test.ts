import { fastify, type FastifyInstance } from 'fastify';
import { request } from 'undici';
import { gzipSync } from 'node:zlib';
import { installErrorHandling } from './error-handler.js';
import { registerJsonBody } from './json-body.js';

// Regression (load/fuzz work): bytes that are not UTF-8 used to be decoded with
// U+FFFD in their place, so a message with a broken text was sent as if the
// client had written the replacement characters.

let app: FastifyInstance;
let seen: unknown[];

beforeAll(async () => {
  app = fastify();
  registerJsonBody(app, () => 4_096);
  installErrorHandling(app, { error: () => {} } as never);
  app.post('/echo', async (request) => {
    seen.push(request.body);
    return { ok: true };
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(() => app.close());
beforeEach(() => {
  seen = [];
});

// Over loopback (fastify's inject cannot load under jest's ESM mode).
async function post(body: Buffer, headers: Record<string, string> = {}): Promise<{ statusCode: number; json: () => unknown }> {
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const response = await request(`http://127.0.0.1:${port}/echo`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const parsed = await response.body.json();
  return { statusCode: response.statusCode, json: () => parsed };
}
const around = (bytes: number[]) => Buffer.concat([Buffer.from('{"text":"Merhaba '), Buffer.from(bytes), Buffer.from('"}')]);

describe('the JSON body reader', () => {
  it.each([
    ['a lone continuation byte', [0x80]],
    ['0xff', [0xff]],
    ['a truncated two-byte sequence', [0xc3]],
    ['an overlong encoding of "/"', [0xc0, 0xaf]],
    ['an encoded UTF-16 surrogate', [0xed, 0xa0, 0x80]],
    ['a code point above U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
  ])('refuses a body that is not UTF-8 (%s) with 400 invalid-json, before the handler', async (_name, bytes) => {
    const answer = await post(around(bytes));
    expect(answer.statusCode).toBe(400);
    expect(answer.json()).toEqual({ error: 'invalid-json', message: 'request body is not valid UTF-8' });
    expect(seen).toEqual([]);
  });

  it('refuses a body nested deeper than any request before parsing it, naming the depth; keeps one at the limit', async () => {
    const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
    const deep = await post(Buffer.from(`{"messages":${nested(40)}}`));
    expect(deep.statusCode).toBe(400);
    expect(deep.json()).toEqual({ error: 'invalid-json', message: expect.stringMatching(/^request body nests objects and arrays more than 32 levels deep: no request of this API comes near/) });
    expect(seen).toEqual([]);
    expect((await post(Buffer.from(`{"messages":${nested(31)}}`))).statusCode).toBe(200);
  });

  it.each([
    ['a gzip body labelled gzip', gzipSync(Buffer.from('{"text":"Merhaba"}')), 'gzip'],
    ['a plain body labelled br', Buffer.from('{"text":"Merhaba"}'), 'br'],
  ])('refuses %s with 415: a coding it does not undo is neither guessed at nor ignored', async (_name, body, coding) => {
    const answer = await post(body, { 'content-encoding': coding });
    expect(answer.statusCode).toBe(415);
    expect(answer.json()).toEqual({ error: 'unsupported-media-type', message: expect.stringContaining('Content-Encoding is not supported') });
    expect(seen).toEqual([]);
  });

  it('takes Content-Encoding: identity as no coding', async () => {
    expect((await post(Buffer.from('{"text":"Merhaba"}'), { 'content-encoding': 'identity' })).statusCode).toBe(200);
  });

  it('refuses a body that names a key twice in one object, naming each (JSON.parse would keep the last without a word)', async () => {
    const answer = await post(Buffer.from('{"messages":[{"to":"+905321234567","text":"a"},{"to":"+905321234568","text":"b","to":"+905329999999"}],"t\\u006fken":1,"token":2}'));
    expect(answer.statusCode).toBe(400);
    expect(answer.json()).toEqual({
      error: 'invalid-request',
      message: 'the request body names a field more than once; nothing was done',
      issues: [
        { path: 'messages.1.to', reason: 'appears more than once in its object: send each field once' },
        { path: 'token', reason: 'appears more than once in its object: send each field once' },
      ],
    });
    expect(seen).toEqual([]);
  });

  it('reads multi-byte UTF-8 exactly', async () => {
    const text = 'Şişli’de ğüıöç € 😀';
    const answer = await post(Buffer.from(JSON.stringify({ text }), 'utf8'));
    expect(answer.statusCode).toBe(200);
    expect(seen).toEqual([{ text }]);
  });
});

describe('the charset a JSON body is labelled with', () => {
  it.each(['application/json; charset=utf-8', 'application/json;charset="UTF-8"', 'application/json; charset=utf8', 'application/json'])('reads %s', async (contentType) => {
    const answer = await post(Buffer.from('{"text":"Fiyat: ç"}'), { 'content-type': contentType });
    expect(answer.statusCode).toBe(200);
    expect(seen).toEqual([{ text: 'Fiyat: ç' }]);
  });

  it.each(['application/json; charset=iso-8859-1', 'application/json; charset=windows-1254', 'application/json; charset="utf-16"'])('refuses %s with 415, naming it, and reads nothing', async (contentType) => {
    const answer = await post(Buffer.from('{"text":"Fiyat: ç"}'), { 'content-type': contentType });
    expect(answer.statusCode).toBe(415);
    expect(answer.json()).toMatchObject({ error: 'unsupported-media-type', message: expect.stringContaining(`charset=${contentType.split('=')[1]!.replaceAll('"', '').toLowerCase()} is not supported`) });
    expect(seen).toEqual([]);
  });
});
