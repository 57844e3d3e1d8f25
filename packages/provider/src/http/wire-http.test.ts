import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { numberListBody, TRANSPORT_FAILURES, WireHttp, WireTransportError, parseRetryAfter, splitBaseUrl, transportCode } from './index.js';

// The HTTP layer against a tiny loopback server: what a wire client learns from
// each way an exchange can end, and the one fact that decides retry against
// unknown — whether the request was written.

type Handle = (req: IncomingMessage, res: ServerResponse, body: string) => void;
let server: Server;
let origin: string;
let handle: Handle;
let received = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      received++;
      handle(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const post = { method: 'POST' as const, path: '/x', headers: { 'content-type': 'application/json' }, body: '{"a":1}' };

async function failureOf(promise: Promise<unknown>): Promise<WireTransportError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(WireTransportError);
    return error as WireTransportError;
  }
  throw new Error('expected a rejection');
}

describe('WireHttp', () => {
  it('resolves with a 2xx answer, body and all', async () => {
    handle = (_req, res, body) => res.writeHead(201, { 'content-type': 'application/json' }).end(`{"echo":${body}}`);
    const http = new WireHttp({ provider: 'Test', origin });
    try {
      expect(await http.exchange(post, 'send')).toEqual({ statusCode: 201, retryAfter: undefined, body: '{"echo":{"a":1}}' });
    } finally {
      await http.close();
    }
  });

  it('resolves with an error answer too (the provider table reads it), with Retry-After, its body cut at 64 KiB', async () => {
    handle = (_req, res) => res.writeHead(429, { 'retry-after': '7' }).end(`{"code":20429}${' '.repeat(200_000)}`);
    const http = new WireHttp({ provider: 'Test', origin });
    try {
      const exchange = await http.exchange(post, 'send');
      expect(exchange).toMatchObject({ statusCode: 429, retryAfter: '7' });
      expect(exchange.body.startsWith('{"code":20429}')).toBe(true);
      expect(exchange.body.length).toBe(64 * 1024);
      const error = http.httpStatusError('send', exchange);
      expect(error).toMatchObject({ failure: 'http-status', httpStatus: 429, retryAfterMs: 7_000, requestWritten: true });
      expect(transportCode(error)).toBe('HTTP_429');
    } finally {
      await http.close();
    }
  });

  it('connection refused: nothing written', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const http = new WireHttp({ provider: 'Test', origin: `http://127.0.0.1:${port}` });
    try {
      expect(await failureOf(http.exchange(post, 'send'))).toMatchObject({ failure: 'connection-refused', requestWritten: false, errorCode: 'ECONNREFUSED' });
    } finally {
      await http.close();
    }
  });

  it('an abort in flight: written; an already-aborted signal: nothing sent', async () => {
    handle = () => undefined; // never answers
    const http = new WireHttp({ provider: 'Test', origin });
    try {
      const before = received;
      const error = await failureOf(http.exchange(post, 'send', AbortSignal.timeout(150)));
      expect(error).toMatchObject({ failure: 'aborted-after-write', requestWritten: true });
      expect(transportCode(error)).toBe('aborted');
      expect(received).toBe(before + 1);
      expect(await failureOf(http.exchange(post, 'send', AbortSignal.abort()))).toMatchObject({ failure: 'aborted-before-write', requestWritten: false });
    } finally {
      await http.close();
    }
  });

  it('an abort while queued behind a hung request: nothing written', async () => {
    handle = () => undefined;
    const http = new WireHttp({ provider: 'Test', origin, connections: 1 });
    try {
      const hung = http.exchange(post, 'send', AbortSignal.timeout(1_000));
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await failureOf(http.exchange(post, 'send', AbortSignal.timeout(100)))).toMatchObject({ failure: 'aborted-before-write', requestWritten: false });
      expect((await failureOf(hung)).failure).toBe('aborted-after-write');
    } finally {
      await http.close();
    }
  });

  it('a reset after the request was written', async () => {
    handle = (_req, res) => res.socket?.resetAndDestroy();
    const http = new WireHttp({ provider: 'Test', origin });
    try {
      const error = await failureOf(http.exchange(post, 'send'));
      expect(error).toMatchObject({ failure: 'reset-after-write', requestWritten: true });
      expect(error.cause).toEqual({ name: expect.any(String), code: expect.any(String) });
    } finally {
      await http.close();
    }
  });

  it('names the operation, never the URL or the body', async () => {
    handle = (_req, res) => res.socket?.resetAndDestroy();
    const http = new WireHttp({ provider: 'Test', origin });
    try {
      const error = await failureOf(http.exchange({ ...post, path: '/x?token=SECRET-T0KEN', body: '{"password":"SECRET-PW"}' }, 'send-sms'));
      expect(error.message).toBe('Test send-sms: connection closed after the request was sent (ECONNRESET)');
      expect(JSON.stringify(error) + String(error.stack)).not.toMatch(/SECRET/);
    } finally {
      await http.close();
    }
  });

  it('a closed client refuses, and close is idempotent', async () => {
    const http = new WireHttp({ provider: 'Test', origin });
    await http.close();
    await http.close();
    expect(await failureOf(http.exchange(post, 'send'))).toMatchObject({ requestWritten: false, errorCode: 'CLIENT_CLOSED' });
  });
});

describe('helpers', () => {
  it('splits a base URL into origin and path prefix, refusing credentials', () => {
    expect(splitBaseUrl('https://api.example.com/v1//')).toEqual({ origin: 'https://api.example.com', prefix: '/v1' });
    expect(splitBaseUrl('http://127.0.0.1:8090')).toEqual({ origin: 'http://127.0.0.1:8090', prefix: '' });
    expect(() => splitBaseUrl('https://u:p@example.com')).toThrow('credentials');
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('3')).toBe(3_000);
    // A day at most: a Node timer past 24.8 days fires at once, so a huge one was no pause at all.
    expect(parseRetryAfter('99999999999999')).toBe(24 * 3_600_000);
    expect(parseRetryAfter('Fri, 31 Dec 9999 23:59:59 GMT')).toBe(24 * 3_600_000);
    expect(parseRetryAfter(new Date(Date.now() + 60_000).toUTCString(), Date.now())).toBeGreaterThan(55_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });

  it('never calls a failure before the write outcome-unknown, nor one after it retryable', () => {
    for (const [failure, row] of Object.entries(TRANSPORT_FAILURES)) {
      if (failure.endsWith('-before-write') || failure.startsWith('connect') || failure === 'dns-failure') expect(row.kind).not.toBe('outcome-unknown');
      if (failure.endsWith('-after-write') || failure === 'garbled-response') expect(row.kind).toBe('outcome-unknown');
    }
  });
});

describe('numberListBody', () => {
  it('writes head, the digits of each number (quoted or not) and tail, as JSON.stringify / join would', () => {
    const numbers = ['+905321112233', '905421112244', '+4915112345678'];
    expect(numberListBody('{"text":"Şifre ğ","n":[', numbers, true, ']}')!.toString()).toBe(`{"text":"Şifre ğ","n":${JSON.stringify(numbers.map((n) => n.replace('+', '')))}}`);
    expect(numberListBody('<Numbers>', numbers, false, '</Numbers>')!.toString()).toBe(`<Numbers>${numbers.map((n) => n.replace('+', '')).join(',')}</Numbers>`);
    expect(numberListBody('[', numbers, true, ']', 1, 2)!.toString()).toBe('["905421112244"]');
    expect(numberListBody('[', [], true, ']')!.toString()).toBe('[]');
  });

  it('gives up on anything but + and digits, so the caller writes it the slow way', () => {
    expect(numberListBody('[', ['+90532"1'], true, ']')).toBeUndefined();
    expect(numberListBody('[', ['+905321112233,905421112244'], false, ']')).toBeUndefined();
    expect(numberListBody('[', ['+'], true, ']')).toBeUndefined();
  });
});
