import { createFakeProvider } from '@rota/testkit';
import { NUMBERS, SECRETS, startHarness, type Harness } from './support/harness.js';

const WRONG_PASSWORDS = { notify: 'WRONG-notify-PASS-5e5e5e', campaign: 'WRONG-campaign-PASS-6f6f6f' };
const ALL_SECRETS = [...Object.values(SECRETS), ...Object.values(WRONG_PASSWORDS)];
const RAW_NUMBERS = [NUMBERS.approved, NUMBERS.approvedWire, '5321234567', NUMBERS.other, '905551112233', '5551112233', NUMBERS.optedOut, '5559998877'];

/** Everything a client or an operator can see of one harness: every response, every log line, the metrics. */
async function exercise(h: Harness): Promise<void> {
  const c = h.client;
  await c.send({ to: NUMBERS.approved, text: 'Kodunuz 482913', iysType: 'NOTIFICATION' });
  const accepted = await c.send({ to: '0555 111 22 33', text: 'Kampanya', iysType: 'CAMPAIGN', idempotencyKey: 'k-1' });
  await c.call('POST', '/v1/messages/batch', {
    json: { messages: [{ to: NUMBERS.approved, text: 'Toplu', iysType: 'NOTIFICATION' }, { to: NUMBERS.optedOut, text: 'Toplu', iysType: 'CAMPAIGN' }] },
  });
  if (accepted.body?.id) await c.call('GET', `/v1/messages/${accepted.body.id}`);
  // Bad input that carries numbers and credentials in odd places.
  await c.send({ to: NUMBERS.approved, text: '', iysType: 'NOTIFICATION', password: SECRETS.notifyPassword });
  await c.call('POST', '/v1/messages', { raw: `{"to":"${NUMBERS.other}", "text": ${SECRETS.apiKey}`, headers: { 'content-type': 'application/json' } });
  await c.call('POST', '/v1/messages/batch', { json: { messages: [{ to: `${NUMBERS.other}x`, text: 'a', iysType: 'NOTIFICATION' }] } });
  // Wrong credentials of every kind.
  await c.send({ to: NUMBERS.approved, text: 'x', iysType: 'NOTIFICATION' }, `${SECRETS.apiKey}-wrong`);
  await c.send({ to: NUMBERS.approved, text: 'x', iysType: 'NOTIFICATION' }, SECRETS.adminToken);
  await c.call('PATCH', '/v1/providers/figensoft', { key: SECRETS.apiKey, json: { enabled: false } });
  // Operator views.
  await c.call('GET', '/v1/providers');
  await c.call('PATCH', '/v1/providers/figensoft', { key: SECRETS.adminToken, json: { rank: 4 } });
  await c.call('POST', '/v1/providers/figensoft/breaker', { key: SECRETS.adminToken, json: { state: 'open', accountId: 'figensoft-campaign' } });
  await c.call('POST', '/v1/providers/figensoft/breaker', { key: SECRETS.adminToken, json: { state: 'auto' } });
  await c.call('GET', '/readyz', { key: null });
  await c.call('GET', '/healthz', { key: null });
  await c.call('GET', '/openapi.json', { key: null });
  await c.call('GET', '/metrics', { key: null });
}

describe('secrets and phone numbers never leak', () => {
  const harnesses: Harness[] = [];
  afterAll(() => Promise.all(harnesses.map((h) => h.close())));

  it.each([
    ['FigenSoft accepting', undefined],
    ['FigenSoft refusing the credentials (auth failure path)', WRONG_PASSWORDS],
  ])('%s: no response, log line or metric holds a secret; logs hold no raw number', async (_name, passwords) => {
    const fake = createFakeProvider({ id: 'primary', script: [{ type: 'accept', simulated: true }, { type: 'error', kind: 'provider-unavailable', message: 'down' }] });
    const h = await startHarness({ extra: [{ provider: fake, rank: 5 }], ...(passwords ? { passwords } : {}) });
    harnesses.push(h);
    await exercise(h);

    const responses = h.client.answers.map((a) => `${JSON.stringify(a.headers)}\n${a.text}`).join('\n');
    const logs = h.logs.text();
    const metrics = await h.metrics.render();
    expect(logs.length).toBeGreaterThan(0);
    expect(metrics).toContain('rota_messages_total');

    for (const secret of ALL_SECRETS) {
      expect({ secret, where: 'responses', found: responses.includes(secret) }).toEqual({ secret, where: 'responses', found: false });
      expect({ secret, where: 'logs', found: logs.includes(secret) }).toEqual({ secret, where: 'logs', found: false });
      expect({ secret, where: 'metrics', found: metrics.includes(secret) }).toEqual({ secret, where: 'metrics', found: false });
    }
    for (const number of RAW_NUMBERS) {
      expect({ number, inLogs: logs.includes(number) }).toEqual({ number, inLogs: false });
      expect({ number, inMetrics: metrics.includes(number) }).toEqual({ number, inMetrics: false });
    }
    // The numbers are there, masked, wherever a line is about a recipient.
    const aboutRecipients = h.logs.lines().filter((line) => 'to' in line && line.to !== undefined);
    expect(aboutRecipients.length).toBeGreaterThan(0);
    for (const line of aboutRecipients) expect(line.to).toMatch(/^\+90\d{3}\*+\d{2}$/);
    expect(logs).toContain('+90532*****67');
  });

  it('the failing-credentials run really failed at FigenSoft (the path above was exercised)', () => {
    const failing = harnesses[1]!;
    const failed = failing.client.answers.find((a) => a.body?.status === 'failed' || a.body?.results?.some?.((r: { status: string }) => r.status === 'failed'));
    expect(failed).toBeDefined();
    const figensoftFailures = failing.logs.lines().filter((l) => l.provider === 'figensoft' && l.errorKind === 'provider-unavailable');
    expect(figensoftFailures.length).toBeGreaterThan(0);
  });

  it('API clients see account ids and our own words: never a provider account\'s username or the provider\'s URL', () => {
    // Before: a result's reason read 'FigenSoft account figensoft-notification ("rota-notify") …' and named the provider URL.
    for (const h of harnesses) {
      const toClients = h.client.answers.filter((a) => !a.text.startsWith('# HELP')).map((a) => a.text).join('\n');
      expect(toClients).toContain('figensoft-notification');
      for (const operatorOnly of ['rota-notify', 'rota-campaign', h.sandbox.url, '/api_json']) expect({ operatorOnly, found: toClients.includes(operatorOnly) }).toEqual({ operatorOnly, found: false });
    }
  });
});
