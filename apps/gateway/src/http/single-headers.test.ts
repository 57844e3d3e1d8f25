import { connect } from 'node:net';
import { fastify, type FastifyInstance } from 'fastify';
import { refuseRepeatedHeaders, repeatedSingleHeader } from './single-headers.js';

// Regression (load/fuzz work): Node keeps the first of two Authorization
// headers and drops the second without a word, so a request carrying a valid
// key and any other credential was sent.

describe('repeatedSingleHeader', () => {
  it('names Authorization or Content-Type written twice, in any case', () => {
    expect(repeatedSingleHeader(['Authorization', 'Bearer a', 'Host', 'x', 'authorization', 'Bearer b'])).toBe('authorization');
    expect(repeatedSingleHeader(['content-type', 'application/json', 'CONTENT-TYPE', 'text/plain'])).toBe('content-type');
  });

  it('names Idempotency-Key or Content-Encoding written twice: Node would join them into one value with a comma', () => {
    expect(repeatedSingleHeader(['Idempotency-Key', 'a', 'idempotency-key', 'b'])).toBe('idempotency-key');
    expect(repeatedSingleHeader(['Content-Encoding', 'gzip', 'content-encoding', 'identity'])).toBe('content-encoding');
  });

  it('lets every other header repeat, and each single header appear once', () => {
    expect(repeatedSingleHeader(['Authorization', 'Bearer a', 'Content-Type', 'application/json', 'Accept', 'a', 'accept', 'b'])).toBeUndefined();
    expect(repeatedSingleHeader([])).toBeUndefined();
  });
});

describe('refuseRepeatedHeaders over a socket', () => {
  let app: FastifyInstance;
  let reached = 0;

  beforeAll(async () => {
    app = fastify();
    refuseRepeatedHeaders(app);
    app.get('/', async () => {
      reached += 1;
      return { ok: true };
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(() => app.close());

  function exchange(head: string): Promise<string> {
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      let text = '';
      socket.setEncoding('latin1');
      socket.on('data', (chunk: string) => (text += chunk));
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
      socket.write(`${head}Host: x\r\nConnection: close\r\n\r\n`);
    });
  }

  it('answers 400 naming the header, and the route never runs', async () => {
    const text = await exchange('GET / HTTP/1.1\r\nAuthorization: Bearer good-key-0123456789\r\nAuthorization: Bearer other\r\n');
    expect(text.split('\r\n')[0]).toBe('HTTP/1.1 400 Bad Request');
    expect(text).toContain('"message":"the authorization header must appear once"');
    expect(reached).toBe(0);
  });

  it('lets a request with each header once through', async () => {
    const text = await exchange('GET / HTTP/1.1\r\nAuthorization: Bearer good-key-0123456789\r\n');
    expect(text.split('\r\n')[0]).toBe('HTTP/1.1 200 OK');
    expect(reached).toBe(1);
  });
});
