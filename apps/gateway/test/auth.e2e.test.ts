import { createFakeProvider, type FakeProvider } from '@rota/testkit';
import { NUMBERS, SECRETS, startHarness, type Harness } from './support/harness.js';

const message = { to: NUMBERS.other, text: 'Merhaba', iysType: 'NOTIFICATION' };

describe('bearer authentication: send keys send, the admin token administers', () => {
  let h: Harness;
  let fake: FakeProvider;
  beforeAll(async () => {
    fake = createFakeProvider({ id: 'primary' });
    h = await startHarness({ extra: [{ provider: fake, rank: 1 }] });
  });
  afterAll(() => h.close());

  const expectNothingSent = () => {
    expect(fake.callCount).toBe(0);
    expect(h.sandbox.records()).toEqual([]);
  };

  it('401 without a key, with a challenge, before the body is looked at', async () => {
    const answer = await h.client.send(message, null);
    expect(answer.status).toBe(401);
    expect(answer.body.error).toBe('unauthorized');
    expect(answer.headers['www-authenticate']).toBe('Bearer realm="rota"');
    const batch = await h.client.call('POST', '/v1/messages/batch', { key: null, json: { messages: [message] } });
    expect(batch.status).toBe(401);
    const status = await h.client.call('GET', '/v1/messages/abc', { key: null });
    expect(status.status).toBe(401);
    expectNothingSent();
  });

  it('401 with a wrong key, a key of another length, or a malformed header', async () => {
    expect((await h.client.send(message, 'test-send-KEY-7f3a9c1e5c')).status).toBe(401);
    expect((await h.client.send(message, 'x')).status).toBe(401);
    expect((await h.client.send(message, `${SECRETS.apiKey}x`)).status).toBe(401);
    const basic = await h.client.call('POST', '/v1/messages', { key: null, json: message, headers: { authorization: `Basic ${SECRETS.apiKey}` } });
    expect(basic.status).toBe(401);
    expect(basic.body.message).toContain('Bearer');
    expectNothingSent();
  });

  it('a send key cannot change providers or breakers (403)', async () => {
    const patch = await h.client.call('PATCH', '/v1/providers/primary', { key: SECRETS.apiKey, json: { enabled: false } });
    expect(patch.status).toBe(403);
    expect(patch.body.error).toBe('forbidden');
    const breaker = await h.client.call('POST', '/v1/providers/primary/breaker', { key: SECRETS.otherApiKey, json: { state: 'open' } });
    expect(breaker.status).toBe(403);
    expect(h.router.status().find((s) => s.providerId === 'primary')).toMatchObject({ enabled: true });
    expect(h.router.status()[0]!.accounts.every((a) => a.override === 'auto')).toBe(true);
  });

  it('the admin token cannot send (403) but may read providers', async () => {
    const send = await h.client.send(message, SECRETS.adminToken);
    expect(send.status).toBe(403);
    expect(send.body.message).toContain('API key');
    expectNothingSent();
    expect((await h.client.call('GET', '/v1/providers', { key: SECRETS.adminToken })).status).toBe(200);
    expect((await h.client.call('GET', '/v1/providers', { key: SECRETS.apiKey })).status).toBe(200);
    expect((await h.client.call('GET', '/v1/providers', { key: 'nope-nope-nope' })).status).toBe(401);
  });

  it('every configured key works, and is named (not shown) in the request log', async () => {
    expect((await h.client.send(message, SECRETS.apiKey)).status).toBe(202);
    expect((await h.client.send(message, SECRETS.otherApiKey)).status).toBe(202);
    const clients = h.logs.lines().filter((l) => l.msg === 'request' && l.route === '/v1/messages' && l.status === 202).map((l) => l.client);
    expect(clients).toEqual(['campaign-service', 'billing']);
    fake.reset();
  });

  it('reads keys from the configuration in force: a rotated key works at once, the old one stops', async () => {
    const previous = h.config.current;
    const rotated = 'rotated-send-KEY-55aa77cc99';
    h.config.current = { ...previous, gateway: { ...previous.gateway, apiKeys: [{ name: 'campaign-service', key: rotated }] } };
    try {
      expect((await h.client.send(message, SECRETS.apiKey)).status).toBe(401);
      expect((await h.client.send(message, rotated)).status).toBe(202);
    } finally {
      h.config.current = previous;
      fake.reset();
    }
  });

  it('rotates a key without a new client name: the previous key is the same client until removed', async () => {
    const keyed = { ...message, idempotencyKey: 'invoice-777' };
    const first = await h.client.send(keyed, SECRETS.apiKey);
    expect(first.status).toBe(202);
    const previous = h.config.current;
    const rotated = 'rotated-send-KEY-55aa77cc99';
    const [service, ...others] = previous.gateway.apiKeys;
    h.config.current = { ...previous, gateway: { ...previous.gateway, apiKeys: [{ ...service!, key: rotated, previousKey: SECRETS.apiKey }, ...others] } };
    try {
      // The new key is the same client: its record reads, and its idempotency key answers the first send (nothing sent again).
      expect((await h.client.call('GET', `/v1/messages/${first.body.id}`, { key: rotated })).status).toBe(200);
      const retried = await h.client.send(keyed, rotated);
      expect(retried.body.id).toBe(first.body.id);
      expect(fake.callCount).toBe(1);
      // The old key still works while it is the previous one.
      expect((await h.client.call('GET', `/v1/messages/${first.body.id}`, { key: SECRETS.apiKey })).status).toBe(200);
      // Removed: the old key stops at once.
      h.config.current = { ...previous, gateway: { ...previous.gateway, apiKeys: [{ ...service!, key: rotated }, ...others] } };
      expect((await h.client.send(message, SECRETS.apiKey)).status).toBe(401);
    } finally {
      h.config.current = previous;
      fake.reset();
    }
  });

  it('health, readiness, metrics and the OpenAPI document need no key', async () => {
    for (const path of ['/healthz', '/readyz', '/metrics', '/openapi.json']) {
      expect((await h.client.call('GET', path, { key: null })).status).toBe(200);
    }
  });

  it('with gateway.metricsToken set, /metrics needs it (or the admin token), and that token reads nothing else', async () => {
    const previous = h.config.current;
    const metricsToken = 'test-metrics-TOKEN-4c6e8a0b2d';
    h.config.current = { ...previous, gateway: { ...previous.gateway, metricsToken } };
    try {
      const open = await h.client.call('GET', '/metrics', { key: null });
      expect(open.status).toBe(401);
      expect(open.headers['www-authenticate']).toBe('Bearer realm="rota"');
      const byKey = await h.client.call('GET', '/metrics', { key: SECRETS.apiKey });
      expect([byKey.status, byKey.body.message]).toEqual([403, 'this endpoint needs the metrics token or the admin token']);
      expect((await h.client.call('GET', '/metrics', { key: 'test-metrics-TOKEN-4c6e8a0b2e' })).status).toBe(401);
      const scraped = await h.client.call('GET', '/metrics', { key: metricsToken });
      expect(scraped.status).toBe(200);
      expect(scraped.text).toContain('rota_http_requests_total');
      expect((await h.client.call('GET', '/metrics', { key: SECRETS.adminToken })).status).toBe(200);
      // The scraper's token is no key: it neither sends, nor reads messages or providers.
      const send = await h.client.send(message, metricsToken);
      expect(send.status).toBe(403);
      expect(send.body.message).toBe('the metrics token reads /metrics only');
      expect((await h.client.call('GET', '/v1/messages/abc', { key: metricsToken })).status).toBe(403);
      const patch = await h.client.call('PATCH', '/v1/providers/primary', { key: metricsToken, json: { enabled: false } });
      expect([patch.status, patch.body.message]).toEqual([403, 'the metrics token reads /metrics only']);
      expectNothingSent();
      // The other open routes stay open.
      for (const path of ['/healthz', '/readyz', '/openapi.json']) expect((await h.client.call('GET', path, { key: null })).status).toBe(200);
    } finally {
      h.config.current = previous;
    }
    expect((await h.client.call('GET', '/metrics', { key: null })).status).toBe(200);
  });
});
