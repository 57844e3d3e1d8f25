import { connect } from 'node:net';
import { startHarness, SECRETS, type Harness } from './support/harness.js';

/** One raw HTTP exchange, for what a well-behaved client cannot send: the status line and the body. */
function raw(port: number, request: string | Buffer, options: { end?: boolean } = {}): Promise<{ status: number; headers: string; body: string; closedAfterMs: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const [head = '', body = ''] = text.split('\r\n\r\n');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
      resolve({ status, headers: head, body, closedAfterMs: performance.now() - started });
    });
    socket.write(request);
    if (options.end !== false) socket.end();
  });
}

describe('errors the HTTP framework raises: the documented shape, and no echo of the input', () => {
  let h: Harness;
  let port: number;
  beforeAll(async () => {
    h = await startHarness({ gateway: { timeouts: { requestMs: 1_000, headersMs: 1_000 } } });
    port = Number(new URL(h.client.url).port);
  });
  afterAll(() => h.close());

  const auth = `Authorization: Bearer ${SECRETS.apiKey}\r\n`;

  it.each([
    ['a bad URL encoding', `GET /v1/messages/%E0%A4%A-echo-me HTTP/1.1\r\nHost: x\r\n${auth}\r\n`, 400, 'invalid-request'],
    ['a 3,000-character id', `GET /v1/messages/${'e'.repeat(3_000)}-echo-me HTTP/1.1\r\nHost: x\r\n${auth}\r\n`, 414, 'uri-too-long'],
    ['oversized headers', `GET /v1/providers?echo-me HTTP/1.1\r\nHost: x\r\nX-Big: ${'h'.repeat(20_000)}\r\n\r\n`, 431, 'headers-too-large'],
    ['a request line that is not HTTP', `NONSENSE echo-me\r\n\r\n`, 400, 'invalid-request'],
    // Node answered these itself with an empty 400 (no Host), or kept the first Host of two.
    ['an HTTP/1.1 request without Host', `GET /v1/messages?echo-me HTTP/1.1\r\n${auth}\r\n`, 400, 'invalid-request'],
    ['a request with two Host headers', `GET /v1/messages?echo-me HTTP/1.1\r\nHost: a\r\nHost: b\r\n${auth}\r\n`, 400, 'invalid-request'],
  ])('%s', async (_what, request, status, error) => {
    const answer = await raw(port, request);
    expect(answer.status).toBe(status);
    expect(answer.headers.toLowerCase()).toContain('content-type: application/json');
    const body = JSON.parse(answer.body) as { error: string; message: string };
    expect(body).toEqual({ error, message: expect.any(String) });
    expect(answer.body).not.toContain('echo-me');
  });

  it('closes a connection whose body arrives too slowly, with 408, within the configured bound', async () => {
    // Before: a client sending its body slowly kept the connection open over 75 s.
    const head = `POST /v1/messages HTTP/1.1\r\nHost: x\r\n${auth}Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"to":`;
    const answer = await raw(port, head, { end: false });
    expect(answer.status).toBe(408);
    expect(JSON.parse(answer.body)).toEqual({ error: 'request-timeout', message: expect.any(String) });
    expect(answer.closedAfterMs).toBeLessThan(3_000);
  });

  it.each([
    ['its body', `POST /v1/messages HTTP/1.1\r\nHost: x\r\n${auth}Content-Type: application/json\r\nContent-Length: LENGTH\r\n\r\n{"to":`, ''],
    ['its headers', `POST /v1/messages HTTP/1.1\r\nHost: x\r\n${auth}`, 'Content-Type: application/json\r\nContent-Length: LENGTH\r\n\r\n{"to":'],
  ])('sends nothing of a request answered 408 whose client goes on sending %s after the answer', async (what, first, second) => {
    const text = `late ${what} ${Date.now()}`;
    const body = `{"to":"+905321234567","text":"${text}","iysType":"NOTIFICATION"}`;
    const fill = (part: string) => part.replace('LENGTH', String(Buffer.byteLength(body)));
    const rest = fill(second) + body.slice('{"to":'.length);
    // A client that does not close when the server does: it keeps its half open and sends the rest.
    const socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    socket.on('error', () => {});
    const received: Buffer[] = [];
    const answered = new Promise<void>((resolve) => socket.on('data', (chunk) => (received.push(chunk), resolve())));
    socket.write(fill(first));
    await answered;
    expect(Buffer.concat(received).toString()).toMatch(/^HTTP\/1\.1 408 /);
    socket.write(rest, () => {});
    await new Promise((resolve) => setTimeout(resolve, 500));
    socket.destroy();
    // Nothing recorded, nothing at the provider: a 4xx changed nothing.
    expect(h.sandbox.records().filter((record) => record.text === text)).toEqual([]);
    const listed = await h.client.call('GET', '/v1/messages?limit=100', { key: SECRETS.adminToken });
    expect(JSON.stringify(listed.body)).not.toContain(text);
  });
});
