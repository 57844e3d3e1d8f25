import { mkdtemp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRouter } from '@rota/core';
import type { Ledger } from '@rota/ledger';
import { createFakeProvider, type FakeProvider } from '@rota/testkit';
import { buildGateway } from '../src/http/build-gateway.js';
import { CONSOLE_CSP, defaultConsoleDir } from '../src/console/console-assets.js';
import { createGatewayMetrics } from '../src/metrics/gateway-metrics.js';
import { captureLogs, GatewayClient, NUMBERS, SECRETS, startHarness, type Harness } from './support/harness.js';

const admin = { key: SECRETS.adminToken };
const CONSOLE_SRC = fileURLToPath(new URL('../../console/src/', import.meta.url));

/**
 * Every route the console page calls, as the page spells it (`:name` for a
 * value). The last test reads the page's sources and fails if it calls one
 * that is not here, so each is checked below for who may call it and what it gives out.
 */
const CONSOLE_ROUTES = [
  'GET /v1/admin/providers',
  'GET /v1/admin/traffic',
  'GET /v1/admin/messages',
  'GET /v1/admin/messages/:id',
  'POST /v1/admin/messages/:id/resend',
  'GET /v1/admin/bulks',
  'GET /v1/admin/bulks/:id',
  'GET /v1/admin/config',
  'GET /v1/readiness',
  'PATCH /v1/providers/:id',
  'POST /v1/providers/:id/breaker',
] as const;

describe('the operations console\'s routes', () => {
  let h: Harness;
  let fake: FakeProvider;
  let accepted: { id: string };
  let unknown: { id: string };
  let bulkId: string;

  beforeAll(async () => {
    fake = createFakeProvider({ id: 'primary' });
    h = await startHarness({ extra: [{ provider: fake, rank: 1 }] });
    accepted = (await h.client.send({ to: NUMBERS.approved, text: 'Merhaba', iysType: 'NOTIFICATION' })).body;
    fake.setScript([{ type: 'error', kind: 'outcome-unknown', message: 'timeout after the request was written' }]);
    unknown = (await h.client.send({ to: NUMBERS.other, text: 'Belki', iysType: 'NOTIFICATION' })).body;
    fake.setScript([]);
    // The fake is down for FigenSoft's turn: one failure at primary, then FigenSoft takes it.
    fake.setScript([{ type: 'error', kind: 'provider-unavailable', message: 'down' }]);
    await h.client.send({ to: NUMBERS.approved, text: 'Yedek', iysType: 'NOTIFICATION' });
    fake.setScript([]);
    bulkId = (await h.client.call('POST', '/v1/bulk', { json: { text: 'Kampanya', iysType: 'NOTIFICATION', recipients: [NUMBERS.approved, NUMBERS.other] } })).body.bulkId;
  });
  afterAll(() => h.close());

  const path = (route: string) =>
    route
      .split(' ')[1]!
      .replace('/v1/admin/messages/:id', `/v1/admin/messages/${unknown.id}`)
      .replace('/v1/admin/bulks/:id', `/v1/admin/bulks/${bulkId}`)
      .replace('/v1/providers/:id', '/v1/providers/primary');
  const bodyOf = (route: string) => (route.startsWith('PATCH') ? { rank: 1 } : route.endsWith('/breaker') ? { state: 'auto' } : route.startsWith('POST') ? {} : undefined);

  it.each(CONSOLE_ROUTES)('%s: no credential 401, a send key 403 (the console cannot be used with one)', async (route) => {
    const method = route.split(' ')[0] as 'GET' | 'POST' | 'PATCH';
    const json = bodyOf(route);
    const none = await h.client.call(method, path(route), { key: null, ...(json ? { json } : {}) });
    expect({ route, status: none.status }).toEqual({ route, status: 401 });
    const send = await h.client.call(method, path(route), { key: SECRETS.apiKey, ...(json ? { json } : {}) });
    expect({ route, status: send.status, error: send.body?.error }).toEqual({ route, status: 403, error: 'forbidden' });
  });

  it('providers: status with the last minutes\' counts per account, and the delivery rate of the last hour\'s final reports', async () => {
    const before = await h.client.call('GET', '/v1/admin/providers', admin);
    const primaryBefore = before.body.providers.find((p: { providerId: string }) => p.providerId === 'primary');
    // No final report yet: no rate, rather than a made-up one.
    expect(primaryBefore).toMatchObject({ deliveries: { delivered: 0, final: 0 }, deliveryRate: null });
    expect(primaryBefore.accounts[0]).toMatchObject({ deliveries: { delivered: 0, final: 0 }, deliveryRate: null });
    // The fake reports delivered; a refresh asks it now rather than on the collector's schedule.
    const refreshed = await h.client.call('GET', `/v1/messages/${accepted.id}?refresh=true`);
    expect(refreshed.body.delivery).toMatchObject({ state: 'delivered', final: true });

    const answer = await h.client.call('GET', '/v1/admin/providers', admin);
    expect(answer.status).toBe(200);
    expect(answer.body.windowMinutes).toBe(5);
    // Embedded, this process sends: its breakers and counts are the traffic's.
    expect(answer.body.sendsHere).toBe(true);
    const primary = answer.body.providers.find((p: { providerId: string }) => p.providerId === 'primary');
    expect(primary).toMatchObject({ rank: 1, enabled: true, inFlight: 0 });
    // accepted + the bulk's two; one unknown; one failure before FigenSoft took the third message.
    expect(primary.recent).toEqual({ accepted: 3, failed: 1, rejected: 0, unknown: 1 });
    expect(answer.body.deliveryWindowMinutes).toBe(60);
    expect(primary).toMatchObject({ deliveries: { delivered: 1, final: 1 }, deliveryRate: 1 });
    expect(primary.accounts[0]).toMatchObject({ accountId: 'primary-notification', breaker: 'closed', override: 'auto', deliveries: { delivered: 1, final: 1 }, deliveryRate: 1 });
    const figensoft = answer.body.providers.find((p: { providerId: string }) => p.providerId === 'figensoft');
    expect(figensoft.accounts.find((a: { accountId: string }) => a.accountId === 'figensoft-notification').recent.accepted).toBe(1);
    expect((await h.client.call('GET', '/v1/admin/providers?minutes=0', admin)).status).toBe(400);
  });

  it('traffic: 10-second buckets per provider over the hour, and the queue from the ledger', async () => {
    const answer = await h.client.call('GET', '/v1/admin/traffic', admin);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ bucketMs: 10_000, buckets: 360, queue: { depth: { otp: 0, notification: 0, campaign: 0 }, oldestQueuedAgeMs: 0 } });
    const primary = answer.body.providers.find((p: { providerId: string }) => p.providerId === 'primary');
    expect(primary.accepted).toHaveLength(360);
    expect(primary.accepted.reduce((a: number, b: number) => a + b, 0)).toBe(3);
    expect(answer.body.byState).toMatchObject({ accepted: 4, unknown: 1 });
    expect((await h.client.call('GET', '/v1/admin/traffic?minutes=5', admin)).body.buckets).toBe(30);
    expect((await h.client.call('GET', '/v1/admin/traffic?minutes=61', admin)).status).toBe(400);
  });

  it('messages: numbers masked in lists and reads; a reveal answers the number and is logged with the operator and the masked number', async () => {
    const list = await h.client.call('GET', `/v1/admin/messages?to=${encodeURIComponent('0532 123 45 67')}`, admin);
    expect(list.status).toBe(200);
    expect(list.body.items.length).toBeGreaterThan(0);
    for (const item of list.body.items) expect(item.to).toBe('+90532*****67');
    expect(list.text).not.toContain(NUMBERS.approved);

    const read = await h.client.call('GET', `/v1/admin/messages/${accepted.id}`, admin);
    expect(read.body).toMatchObject({ id: accepted.id, status: 'accepted', to: '+90532*****67', providerId: 'primary' });
    expect(read.body.attempts).toEqual([expect.objectContaining({ providerId: 'primary', outcome: 'accepted' })]);
    // Its timeline, as GET /v1/messages/:id has it: the acceptance, then the report the providers test refreshed.
    expect(read.body.timeline).toEqual([expect.objectContaining({ kind: 'state', state: 'accepted' }), expect.objectContaining({ kind: 'delivery', state: 'delivered', source: 'refresh' })]);

    const revealed = await h.client.call('GET', `/v1/admin/messages/${accepted.id}?reveal=true`, { ...admin, headers: { 'x-rota-operator': encodeURIComponent('Ayşe <script>') } });
    expect(revealed.body.to).toBe(NUMBERS.approved);
    const line = h.logs.lines().find((l) => l.msg === 'a phone number was revealed in the operations console');
    expect(line).toMatchObject({ id: accepted.id, to: '+90532*****67', by: 'admin', operator: 'Ayşe script' });
    // A number given as the operator's name is masked like any number in a log line.
    for (const name of ['05321234567', '0532 123 45 67', '0532-123-4567']) {
      await h.client.call('GET', `/v1/admin/messages/${accepted.id}?reveal=true`, { ...admin, headers: { 'x-rota-operator': encodeURIComponent(name) } });
      const numbered = h.logs.lines().filter((l) => l.msg === 'a phone number was revealed in the operations console').at(-1);
      expect({ name, operator: numbered?.operator }).toEqual({ name, operator: name.replace(/\d(?=(?:\D*\d){2})/g, '*') });
    }

    expect((await h.client.call('GET', `/v1/admin/messages/${accepted.id}?reveal=yes`, admin)).status).toBe(400);
    expect((await h.client.call('GET', '/v1/admin/messages/msg_nosuchmessage00000000000', admin)).status).toBe(404);
    expect((await h.client.call('GET', '/v1/admin/messages?to=12', admin)).body.issues[0].path).toBe('to');
    // An empty owner is not "every client" (that is owner left out), here as on GET /v1/messages.
    for (const list of ['/v1/admin/messages?owner=', '/v1/admin/bulks?owner=']) {
      const answer = await h.client.call('GET', list, admin);
      expect({ list, status: answer.status, issues: answer.body.issues }).toEqual({ list, status: 400, issues: [{ path: 'owner', reason: expect.stringContaining('must not be empty') }] });
    }
  });

  it('messages: a number a provider quotes in a reason never reaches the record, its attempts or its timeline', async () => {
    fake.setScript([{ type: 'error', kind: 'message-rejected', message: `The 'To' number ${NUMBERS.other} is not a valid phone number.` }]);
    const refused = (await h.client.send({ to: NUMBERS.other, text: 'Geçersiz', iysType: 'NOTIFICATION' })).body;
    fake.setScript([]);
    const read = await h.client.call('GET', `/v1/admin/messages/${refused.id}`, admin);
    expect(read.status).toBe(200);
    expect(read.text).not.toContain(NUMBERS.other);
    expect(read.text).not.toContain(NUMBERS.other.slice(1));
    // The router kept the number out of the provider's words before they were stored (another recipient's could be there).
    expect(read.body.attempts.map((attempt: { reason?: string }) => attempt.reason)).toContainEqual("The 'To' number [number] is not a valid phone number.");
    const list = await h.client.call('GET', `/v1/admin/messages?to=${encodeURIComponent(NUMBERS.other)}`, admin);
    expect(list.text).not.toContain(NUMBERS.other);
    // The reveal gives the record's own number; the reason stays as stored.
    const revealed = await h.client.call('GET', `/v1/admin/messages/${refused.id}?reveal=true`, admin);
    expect(revealed.body.to).toBe(NUMBERS.other);
    expect(revealed.body.reason).toContain('[number]');
  });

  it('messages: a number a client wrote in the text, reference or idempotency key, or a report\'s reason quotes, is masked in lists, reads and resends; the reveal gives them whole', async () => {
    const quoted = '+905329876543';
    const digits = quoted.slice(1);
    const written = await h.client.send({
      to: NUMBERS.approved,
      text: `hello call ${quoted}`,
      reference: `customer-${digits}`,
      idempotencyKey: `otp-${quoted}`,
      iysType: 'NOTIFICATION',
    });
    expect(written.status).toBeLessThan(300);
    const { id } = written.body as { id: string };
    // No provider says a number in a report's reason today (it is one of a few words): a record of an older
    // version or another writer of the database might, as reasons did before they were stored as `[number]`.
    await h.ledger.store.applyReports([{ id, report: { state: 'undelivered', reason: `handset ${quoted} unreachable` as never, final: false }, source: 'push', nextDueAt: null }]);
    // An unknown one, to send again: the resend answers its copy.
    fake.setScript([{ type: 'error', kind: 'outcome-unknown', message: 'timeout after the request was written' }]);
    const unsure = (await h.client.send({ to: NUMBERS.approved, text: `hello again ${quoted}`, iysType: 'NOTIFICATION' })).body as { id: string };
    fake.setScript([]);

    const answers = [
      await h.client.call('GET', '/v1/admin/messages?limit=25', admin),
      await h.client.call('GET', `/v1/admin/messages?to=${encodeURIComponent(NUMBERS.approved)}`, admin),
      await h.client.call('GET', `/v1/admin/messages/${id}`, admin),
      await h.client.call('GET', `/v1/admin/messages/${id}?reveal=false`, admin),
      await h.client.call('POST', `/v1/admin/messages/${unsure.id}/resend`, { ...admin, json: {} }),
    ];
    for (const [index, answer] of answers.entries()) {
      expect({ index, ok: answer.status < 300 }).toEqual({ index, ok: true });
      expect({ index, leaks: answer.text.includes(digits) || answer.text.includes(NUMBERS.approvedWire) }).toEqual({ index, leaks: false });
    }
    const read = answers[2]!.body;
    expect(read).toMatchObject({
      text: 'hello call +**********43',
      reference: 'customer-**********43',
      idempotencyKey: 'otp-+**********43',
      delivery: { state: 'undelivered', reason: 'handset +90532*****43 unreachable' },
    });
    expect(answers[4]!.status).toBe(202);
    expect(answers[4]!.body).toMatchObject({ resendOf: unsure.id, text: 'hello again +**********43' });

    const revealed = await h.client.call('GET', `/v1/admin/messages/${id}?reveal=true`, admin);
    expect(revealed.body).toMatchObject({ to: NUMBERS.approved, text: `hello call ${quoted}`, reference: `customer-${digits}`, idempotencyKey: `otp-${quoted}`, delivery: { reason: `handset ${quoted} unreachable` } });
  });

  it('resend: only an unknown message, answered masked', async () => {
    expect((await h.client.call('POST', `/v1/admin/messages/${accepted.id}/resend`, { ...admin, json: {} })).status).toBe(409);
    const again = await h.client.call('POST', `/v1/admin/messages/${unknown.id}/resend`, { ...admin, json: {} });
    expect(again.status).toBe(202);
    expect(again.body).toMatchObject({ resendOf: unknown.id, to: '+90555*****33' });
  });

  it('bulks: newest first with counts by state, and one by id', async () => {
    const list = await h.client.call('GET', '/v1/admin/bulks', admin);
    expect(list.status).toBe(200);
    expect(list.body.items[0]).toMatchObject({ bulkId, owner: 'campaign-service', count: 2, iysType: 'NOTIFICATION' });
    const one = await h.client.call('GET', `/v1/admin/bulks/${bulkId}`, admin);
    expect(one.body).toMatchObject({ bulkId, count: 2 });
    expect((await h.client.call('GET', '/v1/admin/bulks?cursor=nope', admin)).status).toBe(400);
    expect((await h.client.call('GET', '/v1/admin/bulks/blk_nosuchbulk0000000000000', admin)).status).toBe(404);
  });

  it('config: a gateway built in code has no file', async () => {
    const answer = await h.client.call('GET', '/v1/admin/config', admin);
    expect(answer.body).toEqual({ file: null, appliedAt: null, changed: [], waitingForRestart: [], lastRefused: null, providers: ['primary', 'figensoft'] });
  });

  it('no console route gives out a provider account\'s username, a password, a key, or the provider\'s URL', async () => {
    const seen: string[] = [];
    for (const route of CONSOLE_ROUTES) {
      const method = route.split(' ')[0] as 'GET' | 'POST' | 'PATCH';
      const json = bodyOf(route);
      const answer = await h.client.call(method, path(route), { ...admin, ...(json ? { json } : {}) });
      expect({ route, ok: answer.status < 500 || route === 'GET /v1/readiness' }).toEqual({ route, ok: true });
      seen.push(answer.text);
    }
    const text = seen.join('\n');
    expect(text).toContain('figensoft-notification');
    for (const secret of [...Object.values(SECRETS), 'rota-notify', 'rota-campaign', h.sandbox.url, '/api_json']) {
      expect({ secret, found: text.includes(secret) }).toEqual({ secret, found: false });
    }
  });

  it('every API answer is kept out of caches and read as JSON only (a reveal holds a full number); /metrics is not the API', async () => {
    const answers = [
      ...(await Promise.all(
        CONSOLE_ROUTES.filter((route) => route.startsWith('GET')).map(async (route) => ({ route, answer: await h.client.call('GET', path(route), admin) })),
      )),
      { route: 'reveal', answer: await h.client.call('GET', `/v1/admin/messages/${accepted.id}?reveal=true`, admin) },
      { route: 'a client\'s read', answer: await h.client.call('GET', `/v1/messages/${accepted.id}`) },
      { route: 'no credential', answer: await h.client.call('GET', '/v1/admin/messages', { key: null }) },
      { route: 'no such message', answer: await h.client.call('GET', '/v1/admin/messages/msg_nosuchmessage00000000000', admin) },
      { route: 'a bad query', answer: await h.client.call('GET', '/v1/admin/messages?reveal=yes', admin) },
    ];
    for (const { route, answer } of answers) {
      expect({ route, cache: answer.headers['cache-control'], sniff: answer.headers['x-content-type-options'] }).toEqual({ route, cache: 'no-store', sniff: 'nosniff' });
    }
    const metrics = await h.client.call('GET', '/metrics', { key: null });
    expect(metrics.status).toBe(200);
    expect(metrics.headers['cache-control']).toBeUndefined();
  });

  it('the page calls no route this test does not check', async () => {
    const files: string[] = [];
    const walk = async (dir: string) => {
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        if (entry.isDirectory()) await walk(join(dir, entry.name));
        else if (/\.tsx?$/.test(entry.name)) files.push(join(dir, entry.name));
      }
    };
    await walk(CONSOLE_SRC);
    const called = new Set<string>();
    for (const file of files) {
      const source = await readFile(file, 'utf8');
      // Paths as the page writes them: '/v1/…' or `/v1/…${…}…`; a ${…} is one value.
      for (const match of source.matchAll(/['`](\/v1\/[^'`?]*)/g)) {
        // An encoded value is one path segment; any other ${…} is the query string.
        called.add(match[1]!.replace(/\$\{encodeURIComponent\([^`]*?\)\}/g, ':id').split('${')[0]!.replace(/\/$/, ''));
      }
    }
    expect(called.size).toBeGreaterThan(5);
    const checked = new Set(CONSOLE_ROUTES.map((r) => r.split(' ')[1]!));
    for (const route of called) expect({ route, checked: checked.has(route) }).toEqual({ route, checked: true });
  });
});

describe('the console page', () => {
  const start = async (consoleAssets: string | null | undefined) => {
    const router = createRouter({ providers: [] });
    const app = buildGateway({
      runtime: { router, config: () => ({}) as never },
      ledger: {} as Ledger,
      logger: captureLogs().logger,
      metrics: createGatewayMetrics(),
      ...(consoleAssets === undefined ? {} : { consoleAssets }),
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    const client = new GatewayClient(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`);
    const get = (url: string) => client.call('GET', url, { key: null });
    return { get, close: async () => { await client.close(); await app.close(); await router.close(); } };
  };

  it('is found in @rota/console\'s dist through the package dependency', () => {
    expect(defaultConsoleDir()?.replace(/\\/g, '/')).toMatch(/apps\/console\/dist$/);
  });

  it('answers 503 with a clear JSON error when the console was not built; the gateway still starts', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rota-console-missing-'));
    try {
      for (const assets of [null, join(dir, 'dist')]) {
        const { get, close } = await start(assets);
        for (const url of ['/console', '/console/', '/console/assets/index.js']) {
          const answer = await get(url);
          expect({ url, status: answer.status }).toEqual({ url, status: 503 });
          expect(answer.body).toEqual({ error: 'console-not-built', message: expect.stringContaining('pnpm build') });
        }
        expect((await get('/healthz')).status).toBe(200);
        await close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('serves the built files it listed, with a strict content security policy, and nothing else', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rota-console-dist-'));
    try {
      await mkdir(join(dir, 'assets'));
      await writeFile(join(dir, 'index.html'), '<!doctype html><title>console</title>');
      await writeFile(join(dir, 'assets', 'index-abc.js'), 'console.log(1)');
      await writeFile(join(dir, '..', 'outside.js'), 'secret').catch(() => undefined);
      const { get, close } = await start(dir);

      const page = await get('/console');
      expect(page.status).toBe(200);
      expect(page.headers['content-type']).toContain('text/html');
      expect(page.headers['content-security-policy']).toBe(CONSOLE_CSP);
      expect(page.headers['cache-control']).toBe('no-store');
      expect(page.headers['x-frame-options']).toBe('DENY');
      const script = await get('/console/assets/index-abc.js');
      expect(script.status).toBe(200);
      expect(script.headers['content-type']).toContain('text/javascript');
      expect(script.headers['cache-control']).toContain('immutable');

      for (const url of ['/console/assets/nope.js', '/console/assets/..%2F..%2Foutside.js', '/console/assets/%2e%2e%2findex.html']) {
        expect({ url, status: (await get(url)).status }).toEqual({ url, status: 404 });
      }
      await close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
