import { createFakeProvider, type FakeProvider } from '@rota/testkit';
import { NUMBERS, SECRETS, startHarness, type Harness } from './support/harness.js';
import { sample } from './support/prometheus-sample.js';

describe('GET /metrics: Prometheus text fed by the router', () => {
  let h: Harness;
  let fake: FakeProvider;
  beforeAll(async () => {
    fake = createFakeProvider({ id: 'primary', script: [{ type: 'accept', simulated: true }, { type: 'error', kind: 'provider-unavailable', code: 'DOWN' }] });
    h = await startHarness({ extra: [{ provider: fake, rank: 1 }] });
  });
  afterAll(() => h.close());

  const scrape = async () => {
    const answer = await h.client.call('GET', '/metrics', { key: null });
    expect(answer.status).toBe(200);
    expect(String(answer.headers['content-type'])).toContain('text/plain');
    return answer.text;
  };

  it('counts messages by status and provider, simulated acceptances apart, and attempts by outcome', async () => {
    // 1: the fake accepts, simulated. 2: the fake fails, FigenSoft takes it.
    expect((await h.client.send({ to: NUMBERS.other, text: 'bir', iysType: 'NOTIFICATION' })).body.simulated).toBe(true);
    expect((await h.client.send({ to: NUMBERS.other, text: 'iki', iysType: 'NOTIFICATION' })).body.providerId).toBe('figensoft');
    const text = await scrape();

    expect(sample(text, 'rota_messages_total', { status: 'accepted', provider: 'primary', simulated: 'true' })).toBe(1);
    expect(sample(text, 'rota_messages_total', { status: 'accepted', provider: 'figensoft', simulated: 'false' })).toBe(1);
    expect(sample(text, 'rota_provider_attempts_total', { provider: 'primary', account: 'primary-notification', outcome: 'accepted', error_kind: 'none' })).toBe(1);
    expect(sample(text, 'rota_provider_attempts_total', { provider: 'primary', account: 'primary-notification', outcome: 'failed', error_kind: 'provider-unavailable' })).toBe(1);
    expect(sample(text, 'rota_provider_attempts_total', { provider: 'figensoft', account: 'figensoft-notification', outcome: 'accepted', error_kind: 'none' })).toBe(1);
    expect(sample(text, 'rota_provider_attempt_duration_seconds_count', { provider: 'figensoft', outcome: 'accepted' })).toBe(1);
    expect(sample(text, 'rota_http_requests_total', { method: 'POST', route: '/v1/messages', status: '202' })).toBe(2);
  });

  it('counts rejected and failed messages', async () => {
    // Invalid at the gateway: never reaches the router, so no message metric; the HTTP counter sees the 400.
    await h.client.send({ to: 'nope', text: 'x', iysType: 'NOTIFICATION' });
    fake.setScript([{ type: 'accept', rejectRecipients: [NUMBERS.approved], rejectReason: 'blocked' }]);
    await h.client.send({ to: NUMBERS.approved, text: 'engelli', iysType: 'NOTIFICATION' });
    h.router.forceBreaker('figensoft', 'figensoft-campaign', 'open');
    fake.setScript([], { type: 'error', kind: 'provider-unavailable' });
    await h.client.send({ to: NUMBERS.approved, text: 'kampanya', iysType: 'CAMPAIGN' });
    h.router.forceBreaker('figensoft', 'figensoft-campaign', 'auto');
    fake.setScript([], { type: 'accept' });

    const text = await scrape();
    expect(sample(text, 'rota_messages_total', { status: 'rejected', provider: 'primary', simulated: 'false' })).toBe(1);
    expect(sample(text, 'rota_messages_total', { status: 'failed', provider: 'none', simulated: 'false' })).toBe(1);
    expect(sample(text, 'rota_http_requests_total', { method: 'POST', route: '/v1/messages', status: '400' })).toBe(1);
    expect(sample(text, 'rota_provider_attempts_total', { provider: 'figensoft', account: 'figensoft-campaign', outcome: 'skipped', error_kind: 'none' })).toBe(1);
  });

  it('counts a batch request whose recipients fared differently once as a request, each recipient under its own outcome', async () => {
    const before = await scrape();
    const count = (text: string, name: string, labels: Record<string, string>) => sample(text, name, labels) ?? 0;
    const accepted = { provider: 'primary', account: 'primary-notification', outcome: 'accepted', error_kind: 'none' };
    const failed = { provider: 'primary', account: 'primary-notification', outcome: 'failed', error_kind: 'provider-unavailable' };
    fake.setScript([{ type: 'accept', notTakenRecipients: [NUMBERS.approved], notTakenReason: 'out of credit' }], { type: 'accept' });
    const answer = await h.client.call('POST', '/v1/messages/batch', { json: { messages: [NUMBERS.other, NUMBERS.approved].map((to) => ({ to, text: 'parça', iysType: 'NOTIFICATION' })) } });
    expect(answer.body.results.map((r: { providerId: string }) => r.providerId)).toEqual(['primary', 'figensoft']);
    fake.setScript([], { type: 'accept' });
    const after = await scrape();
    const delta = (name: string, labels: Record<string, string>) => count(after, name, labels) - count(before, name, labels);
    expect(delta('rota_provider_attempts_total', accepted)).toBe(1);
    expect(delta('rota_provider_attempts_total', failed)).toBe(0);
    expect(delta('rota_provider_attempt_duration_seconds_count', { provider: 'primary', outcome: 'accepted' })).toBe(1);
    expect(delta('rota_provider_attempt_recipients_total', { provider: 'primary', outcome: 'accepted' })).toBe(1);
    expect(delta('rota_provider_attempt_recipients_total', { provider: 'primary', outcome: 'failed' })).toBe(1);
  });

  it('shows breaker state per provider account, forced states included, and ranks and switches', async () => {
    await h.client.call('POST', '/v1/providers/primary/breaker', { key: SECRETS.adminToken, json: { state: 'open', accountId: 'primary-campaign' } });
    await h.client.call('PATCH', '/v1/providers/figensoft', { key: SECRETS.adminToken, json: { rank: 9, enabled: false } });
    const text = await scrape();
    expect(sample(text, 'rota_breaker_state', { provider: 'primary', account: 'primary-campaign' })).toBe(2);
    expect(sample(text, 'rota_breaker_state', { provider: 'primary', account: 'primary-notification' })).toBe(0);
    expect(sample(text, 'rota_breaker_forced', { provider: 'primary', account: 'primary-campaign', override: 'open' })).toBe(1);
    expect(sample(text, 'rota_breaker_transitions_total', { provider: 'primary', account: 'primary-campaign', state: 'open' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'rota_provider_rank', { provider: 'figensoft' })).toBe(9);
    expect(sample(text, 'rota_provider_enabled', { provider: 'figensoft' })).toBe(0);
    expect(sample(text, 'rota_provider_enabled', { provider: 'primary' })).toBe(1);
  });

  it('labels carry only ids, outcomes and routes: no number, no text, no credential', async () => {
    // An unmatched URL is counted under "unmatched", never under its path.
    expect((await h.client.call('GET', `/v1/lookup/${NUMBERS.approvedWire}`)).status).toBe(404);
    const text = await scrape();
    expect(sample(text, 'rota_http_requests_total', { method: 'GET', route: 'unmatched', status: '404' })).toBe(1);
    const labelValues = [...text.matchAll(/="([^"]*)"/g)].map((m) => m[1]!);
    expect(labelValues.length).toBeGreaterThan(10);
    for (const value of labelValues) {
      expect(value).toMatch(/^[a-z0-9./_:+-]*$/i);
      expect(value).not.toMatch(/\d{7,}/);
    }
    for (const secret of Object.values(SECRETS)) expect(text).not.toContain(secret);
    expect(text).not.toContain('engelli');
  });
});
