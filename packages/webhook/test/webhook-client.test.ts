import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { forbiddenAddress, receiverUrlProblem, WebhookClient } from '../src/index.js';

let server: Server;
let port: number;
let handler: (req: IncomingMessage, res: ServerResponse) => void;
let received: string[];

beforeAll(async () => {
  server = createServer((req, res) => {
    received.push(req.url ?? '');
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  received = [];
  handler = (_req, res) => res.writeHead(204).end();
});

describe('forbiddenAddress', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.8.9.10', 'loopback'],
    ['::1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.5', 'private'],
    ['192.168.1.1', 'private'],
    ['fd12:3456::1', 'unique local'],
    ['169.254.1.1', 'link-local'],
    ['fe80::1', 'link-local'],
    ['169.254.169.254', 'metadata'],
    ['fd00:ec2::254', 'metadata'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['::ffff:10.0.0.1', 'IPv4-mapped private'],
    ['224.0.0.1', 'multicast'],
    ['::ffff:7f00:1', 'IPv4-mapped loopback, hex notation'],
    ['::127.0.0.1', 'IPv4-compatible loopback'],
    ['::a00:1', 'IPv4-compatible private, hex notation'],
    ['::ffff:0:127.0.0.1', 'IPv4-translated loopback'],
    ['64:ff9b:1::a00:1', 'local-use NAT64'],
    ['2002:7f00:1::1', '6to4 of a loopback address'],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'Teredo'],
    ['fec0::1', 'site-local'],
    ['100::1', 'discard-only'],
  ])('refuses %s (%s)', (address) => {
    expect(forbiddenAddress(address)).toBeDefined();
  });

  it('lets public addresses through, and an allowlisted private one', () => {
    expect(forbiddenAddress('93.184.216.34')).toBeUndefined();
    expect(forbiddenAddress('2606:2800:220:1:248:1893:25c8:1946')).toBeUndefined();
    expect(forbiddenAddress('127.0.0.1', new Set(['127.0.0.1']))).toBeUndefined();
    expect(forbiddenAddress('169.254.169.254')).toBe('is a cloud metadata address');
  });
});

describe('WebhookClient', () => {
  const local = () => new WebhookClient({ allowHttp: true, allowedAddresses: ['127.0.0.1'], timeoutMs: 1_000 });

  it('delivers to an allowlisted receiver and reports its status', async () => {
    const client = local();
    expect(await client.deliver(`http://127.0.0.1:${port}/hook`, '{}', { 'rota-event-id': 'evt_1' })).toEqual({ ok: true, status: 204 });
    expect(received).toEqual(['/hook']);
    await client.close();
  });

  it.each([
    ['a loopback IP', (p: number) => `http://127.0.0.1:${p}/hook`],
    ['a hostname that resolves to loopback', (p: number) => `http://localhost:${p}/hook`],
    ['an IPv6 loopback', (p: number) => `http://[::1]:${p}/hook`],
    ['the metadata address', () => 'http://169.254.169.254/latest/meta-data/'],
    ['a private address', () => 'http://10.0.0.1/hook'],
  ])('refuses %s unless allowlisted, without connecting', async (_what, url) => {
    const client = new WebhookClient({ allowHttp: true, timeoutMs: 1_000 });
    const attempt = await client.deliver(url(port), '{}', {});
    expect(attempt).toMatchObject({ ok: false, retry: false, error: expect.stringMatching(/loopback|private|metadata|reserved/) });
    expect(received).toEqual([]);
    await client.close();
  });

  describe('a receiver named by a hostname: every address it resolves to is checked', () => {
    /** A resolver that answers from a table and says what it was asked: no real DNS. */
    const resolver = (table: Record<string, string[]>) => {
      const asked: string[] = [];
      const lookup = async (hostname: string) => {
        asked.push(hostname);
        const addresses = table[hostname];
        if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
        return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
      };
      return { asked, lookup };
    };

    it.each([
      ['the cloud metadata address', ['169.254.169.254'], /metadata/],
      ['the IPv6 metadata address', ['fd00:ec2::254'], /metadata/],
      ['loopback', ['127.0.0.1'], /loopback/],
      ['a private address', ['10.20.30.40'], /private/],
      ['a public and a private address (either could be dialled)', ['93.184.216.34', '192.168.0.10'], /private/],
    ])('refuses a name that resolves to %s, without connecting', async (_what, addresses, reason) => {
      const dns = resolver({ 'hooks.attacker.example': addresses });
      const client = new WebhookClient({ allowHttp: true, timeoutMs: 1_000, lookup: dns.lookup });
      const attempt = await client.deliver(`http://hooks.attacker.example:${port}/hook`, '{}', {});
      expect(attempt).toEqual({ ok: false, retry: false, error: expect.stringMatching(reason) });
      expect(attempt.ok ? '' : attempt.error).toContain('hooks.attacker.example resolves to an address that');
      expect(dns.asked).toEqual(['hooks.attacker.example']);
      expect(received).toEqual([]);
      await client.close();
    });

    it('delivers to a name that resolves to an address the configuration allows, connecting to that address', async () => {
      const dns = resolver({ 'receiver.internal.example': ['127.0.0.1'] });
      const refusing = new WebhookClient({ allowHttp: true, timeoutMs: 1_000, lookup: dns.lookup });
      expect(await refusing.deliver(`http://receiver.internal.example:${port}/hook`, '{}', {})).toMatchObject({ ok: false, retry: false, error: expect.stringMatching(/loopback/) });
      await refusing.close();
      const allowing = new WebhookClient({ allowHttp: true, timeoutMs: 1_000, allowedAddresses: ['127.0.0.1'], lookup: dns.lookup });
      expect(await allowing.deliver(`http://receiver.internal.example:${port}/hook`, '{}', {})).toEqual({ ok: true, status: 204 });
      expect(received).toEqual(['/hook']);
      await allowing.close();
    });

    it('allows the metadata address only when it is listed itself: another allowed address does not open it', async () => {
      const dns = resolver({ 'hooks.attacker.example': ['169.254.169.254'] });
      const client = new WebhookClient({ allowHttp: true, timeoutMs: 1_000, allowedAddresses: ['127.0.0.1', '10.0.0.0'], lookup: dns.lookup });
      expect(await client.deliver('http://hooks.attacker.example/latest/meta-data/', '{}', {})).toMatchObject({ ok: false, retry: false, error: expect.stringMatching(/metadata/) });
      await client.close();
    });

    it('says a name that does not resolve is worth a retry (DNS may recover)', async () => {
      const client = new WebhookClient({ allowHttp: true, timeoutMs: 1_000, lookup: resolver({}).lookup });
      expect(await client.deliver(`http://nowhere.example:${port}/hook`, '{}', {})).toEqual({ ok: false, retry: true, error: 'delivery failed: ENOTFOUND' });
      await client.close();
    });
  });

  it('refuses plain http unless development allows it, and any other scheme', async () => {
    const client = new WebhookClient({ allowedAddresses: ['127.0.0.1'] });
    expect(await client.deliver(`http://127.0.0.1:${port}/hook`, '{}', {})).toMatchObject({ ok: false, retry: false, error: expect.stringContaining('https') });
    expect(await client.deliver('ftp://example.com/hook', '{}', {})).toMatchObject({ ok: false, retry: false });
    expect(received).toEqual([]);
    // Where plain http is allowed, another scheme is not told to use https only.
    expect(receiverUrlProblem('javascript:alert(1)')).toBe('must be an https URL');
    expect(receiverUrlProblem('javascript:alert(1)', true)).toBe('must be an https or http URL');
    // Plain http is refused naming the switch its user has: this package's option, or the caller's own name for it.
    expect(receiverUrlProblem('http://hooks.example/rota')).toBe('must use https (plain http only when allowHttp is on, for development)');
    expect(receiverUrlProblem('http://hooks.example/rota', false, 'gateway.webhooks.allowHttp')).toContain('gateway.webhooks.allowHttp is on');
    const named = new WebhookClient({ allowHttpName: 'gateway.webhooks.allowHttp' });
    try {
      expect(await named.deliver('http://hooks.example/rota', '{}', {})).toMatchObject({ ok: false, retry: false, error: expect.stringContaining('gateway.webhooks.allowHttp is on') });
    } finally {
      await named.close();
    }
    await client.close();
  });

  it('never follows a redirect, even to a forbidden address', async () => {
    handler = (_req, res) => res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
    const client = local();
    expect(await client.deliver(`http://127.0.0.1:${port}/hook`, '{}', {})).toMatchObject({ ok: false, status: 302, retry: true, error: expect.stringContaining('not followed') });
    expect(received).toEqual(['/hook']);
    await client.close();
  });

  it('says a 410 is gone, a 5xx is worth a retry, and a hang ends at the time limit', async () => {
    const client = local();
    handler = (_req, res) => res.writeHead(410).end();
    expect(await client.deliver(`http://127.0.0.1:${port}/hook`, '{}', {})).toMatchObject({ ok: false, status: 410, gone: true, retry: false });
    handler = (_req, res) => res.writeHead(503).end();
    expect(await client.deliver(`http://127.0.0.1:${port}/hook`, '{}', {})).toMatchObject({ ok: false, status: 503, retry: true });
    handler = () => {};
    const started = Date.now();
    expect(await client.deliver(`http://127.0.0.1:${port}/hook`, '{}', {})).toMatchObject({ ok: false, retry: true });
    expect(Date.now() - started).toBeLessThan(3_000);
    await client.close();
  });

  it('ends a delivery whose answer drips slowly at the time limit, however often a byte comes', async () => {
    // Each byte comes well within the idle timeout (bodyTimeout): only the delivery's own limit ends it.
    handler = (_req, res) => {
      res.writeHead(200);
      const drip = setInterval(() => res.write('.'), 100);
      res.on('close', () => clearInterval(drip));
    };
    const client = local();
    const started = Date.now();
    const attempt = await client.deliver(`http://127.0.0.1:${port}/hook`, '{}', {});
    const took = Date.now() - started;
    // The receiver did answer 200 before it started dripping: the event reached it.
    expect(attempt).toEqual({ ok: true, status: 200 });
    expect(took).toBeGreaterThanOrEqual(1_000);
    expect(took).toBeLessThan(2_000);
    await client.close();
  });

  it('sends the path and query of the URL as given', async () => {
    const client = local();
    expect(await client.deliver(`http://127.0.0.1:${port}/hooks/rota?token=abc&x=1`, '{}', {})).toEqual({ ok: true, status: 204 });
    expect(received).toEqual(['/hooks/rota?token=abc&x=1']);
    await client.close();
  });

  it('reads no more of an answer than the cap', async () => {
    handler = (_req, res) => {
      res.writeHead(200);
      const chunk = Buffer.alloc(64 * 1024, 120);
      for (let i = 0; i < 64; i++) res.write(chunk); // 4 MiB
      res.end();
    };
    const client = new WebhookClient({ allowHttp: true, allowedAddresses: ['127.0.0.1'], maxResponseBytes: 1_024 });
    expect(await client.deliver(`http://127.0.0.1:${port}/hook`, '{}', {})).toEqual({ ok: true, status: 200 });
    await client.close();
  });
});
