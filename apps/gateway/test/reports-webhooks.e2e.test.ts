import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEFAULT_SANDBOX_ACCOUNTS, figensoftSettingsFor, startSandbox, type Sandbox } from '@rota/figensoft-sandbox';
import { verifyWebhook } from '@rota/webhook';
import type { RunningGateway } from '../src/http/gateway-server.js';
import { startConfiguredGateway, type ConfiguredGateway } from './support/configured-gateway.js';
import { GatewayClient, NUMBERS, SECRETS } from './support/harness.js';
import { until } from '@rota/testkit';

// Delivery reports and signed webhooks, through a gateway started from a
// configuration file (the real wiring), the FigenSoft sandbox and a receiver.

const WEBHOOK_SECRET = 'whsec-campaign-service-0123456789abcdef';
/** The secret being rotated out: every delivery is signed with both. */
const PREVIOUS_WEBHOOK_SECRET = 'whsec-campaign-service-previous-012345';
const PUSH_TOKEN = 'push-token-0123456789abcdefghij';

interface Delivery {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

describe('delivery reports and webhooks, end to end', () => {
  let served: ConfiguredGateway;
  let sandbox: Sandbox;
  let receiver: Server;
  let receiverUrl: string;
  let deliveries: Delivery[];
  let gateway: RunningGateway;
  let client: GatewayClient;

  beforeAll(async () => {
    deliveries = [];
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        deliveries.push({ path: req.url ?? '', headers: req.headers, body });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    sandbox = await startSandbox({ accounts: DEFAULT_SANDBOX_ACCOUNTS, deliveryDelayMs: 50, consent: { approved: [NUMBERS.approvedWire], optedOut: ['905559998877'] } });
    served = await startConfiguredGateway({
      providers: [
        {
          type: 'figensoft',
          settings: {
            pushToken: PUSH_TOKEN,
            ...figensoftSettingsFor(sandbox.url),
          },
        },
      ],
      gateway: {
        listen: { host: '127.0.0.1', port: 0 },
        apiKeys: [
          { name: 'campaign-service', key: SECRETS.apiKey, webhook: { url: `${receiverUrl}/rota`, secret: WEBHOOK_SECRET, previousSecret: PREVIOUS_WEBHOOK_SECRET, allowedUrls: [`${receiverUrl}/orders`] } },
          { name: 'billing', key: SECRETS.otherApiKey },
        ],
        adminToken: SECRETS.adminToken,
        // The receiver is on loopback: development allows it, by address.
        webhooks: { allowHttp: true, allowedAddresses: ['127.0.0.1'] },
      },
      store: { kind: 'memory' },
      reports: { scheduleSeconds: [1, 1] },
    });
    ({ gateway, client } = served);
  });
  afterAll(async () => {
    await served.close();
    await sandbox.close();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  });

  const eventsFor = (messageId: string) =>
    deliveries.map((d) => ({ ...d, event: JSON.parse(d.body) as { id: string; type: string; data: Record<string, any> } })).filter((d) => d.event.data.messageId === messageId);

  it('a CAMPAIGN to a number that opted out ends rejected (opted-out) in the record and in a signed webhook, with no call from the client', async () => {
    // Before: it answered 202 accepted, and the refusal was seen only by whoever polled.
    const sent = await client.send({ to: NUMBERS.optedOut, text: 'Kış indirimi', iysType: 'CAMPAIGN', reference: 'winter-1' });
    expect(sent.body).toMatchObject({ status: 'accepted', callbackUrl: `${receiverUrl}/rota` });
    const rejected = await until(() => eventsFor(sent.body.id).find((d) => d.event.type === 'message.rejected'), 'the message.rejected webhook');
    expect(rejected.event.data).toMatchObject({ messageId: sent.body.id, reference: 'winter-1', status: 'accepted', delivery: { state: 'rejected', reason: 'opted-out', providerCode: '-241', final: true } });
    expect(rejected.path).toBe('/rota');
    expect(rejected.headers['rota-event-id']).toBe(rejected.event.id);
    expect(verifyWebhook(rejected.body, rejected.headers['rota-signature'], WEBHOOK_SECRET)).toMatchObject({ ok: true });
    expect(verifyWebhook(rejected.body, rejected.headers['rota-signature'], 'another-secret-0123456789abcdef0123')).toEqual({ ok: false, reason: 'bad-signature' });
    // While the secret is rotated, a receiver still on the previous one takes it too (two v1 entries).
    expect(rejected.headers['rota-signature']).toMatch(/^t=\d+,v1=[0-9a-f]{64},v1=[0-9a-f]{64}$/);
    expect(verifyWebhook(rejected.body, rejected.headers['rota-signature'], PREVIOUS_WEBHOOK_SECRET)).toMatchObject({ ok: true });
    expect(eventsFor(sent.body.id).map((d) => d.event.type)).toContain('message.accepted');

    const read = await client.call('GET', `/v1/messages/${sent.body.id}`);
    expect(read.body.delivery).toMatchObject({ state: 'rejected', reason: 'opted-out', final: true });
    expect(read.body.timeline.map((step: { state: string; source: string }) => `${step.state}:${step.source}`)).toEqual(['accepted:dispatch', 'rejected:poll']);
  });

  it('a CAMPAIGN to a number without IYS consent ends rejected (iys-consent-missing) in the record and in a signed webhook', async () => {
    // FigenSoft's 424 (not on the IYS approved list) was mapped to undelivered: the consent refusal came as message.undelivered.
    const sent = await client.send({ to: NUMBERS.other, text: 'Kış indirimi', iysType: 'CAMPAIGN', reference: 'winter-2' });
    expect(sent.body.status).toBe('accepted');
    const rejected = await until(() => eventsFor(sent.body.id).find((d) => d.event.type === 'message.rejected'), 'the message.rejected webhook');
    expect(rejected.event.data).toMatchObject({ messageId: sent.body.id, reference: 'winter-2', delivery: { state: 'rejected', reason: 'iys-consent-missing', providerCode: '424', final: true } });
    expect(verifyWebhook(rejected.body, rejected.headers['rota-signature'], WEBHOOK_SECRET)).toMatchObject({ ok: true });
    expect(eventsFor(sent.body.id).map((d) => d.event.type)).not.toContain('message.undelivered');
    const read = await client.call('GET', `/v1/messages/${sent.body.id}`);
    expect(read.body.delivery).toMatchObject({ state: 'rejected', reason: 'iys-consent-missing', final: true });
  });

  it('takes the sandbox\'s pushed reports through POST /v1/providers/figensoft/reports, authenticated by its token', async () => {
    sandbox.setPushUrl(`${gateway.url}/v1/providers/figensoft/reports?token=${PUSH_TOKEN}`);
    try {
      const sent = await client.send({ to: NUMBERS.other, text: 'Kargonuz yolda', iysType: 'NOTIFICATION' });
      const read = await until(async () => {
        const answer = await client.call('GET', `/v1/messages/${sent.body.id}`);
        return answer.body.delivery?.final ? answer.body : undefined;
      }, 'the pushed report');
      expect(read.delivery).toMatchObject({ state: 'delivered', final: true });
      expect(read.timeline.at(-1)).toMatchObject({ state: 'delivered', source: 'push' });
      expect(sandbox.pushes().sent).toBeGreaterThan(0);
    } finally {
      sandbox.setPushUrl(undefined);
    }
    const forged = await client.call('POST', '/v1/providers/figensoft/reports?token=wrong-token-0123456789abcdef', { key: null, json: { Reports: [] } });
    expect(forged).toMatchObject({ status: 401, body: { error: 'unauthorized' } });
    expect((await client.call('POST', '/v1/providers/nowhere/reports', { key: null, json: {} })).status).toBe(404);
  });

  it('reads a status now with ?refresh=true', async () => {
    const sent = await client.send({ to: NUMBERS.approved, text: 'Faturanız hazır', iysType: 'NOTIFICATION' });
    await new Promise((resolve) => setTimeout(resolve, 80)); // the sandbox's delivery delay
    const read = await client.call('GET', `/v1/messages/${sent.body.id}?refresh=true`);
    expect(read.body.delivery).toMatchObject({ state: 'delivered', final: true });
    expect(read.body.timeline.at(-1)).toMatchObject({ source: 'refresh' });
    expect((await client.call('GET', `/v1/messages/${sent.body.id}?refresh=maybe`)).status).toBe(400);
  });

  it('answers a garbled provider answer to ?refresh=true with 502 provider-bad-answer, and leaves the record as it was', async () => {
    const sent = await client.send({ to: NUMBERS.approved, text: 'Randevunuz yarın', iysType: 'NOTIFICATION' });
    expect(sent.body.status).toBe('accepted');
    const before = await client.call('GET', `/v1/messages/${sent.body.id}`);
    const fault = sandbox.injectFault({ kind: 'garbled', endpoint: 'Status' });
    try {
      const refreshed = await client.call('GET', `/v1/messages/${sent.body.id}?refresh=true`);
      expect(refreshed.status).toBe(502);
      expect(refreshed.body).toEqual({ error: 'provider-bad-answer', message: expect.any(String) });
      // The provider's words, never its credentials.
      for (const account of DEFAULT_SANDBOX_ACCOUNTS) expect(refreshed.body.message).not.toContain(account.password);
    } finally {
      sandbox.removeFault(fault);
    }
    const after = await client.call('GET', `/v1/messages/${sent.body.id}`);
    expect(after.body.timeline.filter((step: { source: string }) => step.source === 'refresh')).toEqual([]);
    expect(after.body.timeline.length).toBeLessThanOrEqual(before.body.timeline.length + 1); // at most a background poll, never the garbled read
    // The provider answers again: the same read works.
    const read = await client.call('GET', `/v1/messages/${sent.body.id}?refresh=true`);
    expect(read.status).toBe(200);
  });

  it('sends a message\'s webhooks to its own callbackUrl only within the client\'s allowlist', async () => {
    const outside = await client.send({ to: NUMBERS.approved, text: 'x', iysType: 'NOTIFICATION', callbackUrl: 'https://attacker.example/steal' });
    expect(outside.status).toBe(400);
    expect(outside.body.issues).toEqual([{ path: 'callbackUrl', reason: expect.stringContaining('allowed webhook URLs') }]);
    const lookalike = await client.send({ to: NUMBERS.approved, text: 'x', iysType: 'NOTIFICATION', callbackUrl: `${receiverUrl}/orders-evil` });
    expect(lookalike.status).toBe(400);
    const none = await client.send({ to: NUMBERS.approved, text: 'x', iysType: 'NOTIFICATION', callbackUrl: `${receiverUrl}/orders/1` }, SECRETS.otherApiKey);
    expect(none.body.issues).toEqual([{ path: 'callbackUrl', reason: expect.stringContaining('no webhooks configured') }]);

    const inside = await client.send({ to: NUMBERS.approved, text: 'Siparişiniz hazır', iysType: 'NOTIFICATION', callbackUrl: `${receiverUrl}/orders/42` });
    expect(inside.status).toBe(202);
    const accepted = await until(() => eventsFor(inside.body.id).find((d) => d.event.type === 'message.accepted'), 'the accepted webhook');
    expect(accepted.path).toBe('/orders/42');

    // Written another way, the same receiver is kept as the URL parser writes it: one receiver, one key for its 410 switch and its cap.
    const shouted = await client.send({ to: NUMBERS.approved, text: 'Siparişiniz yolda', iysType: 'NOTIFICATION', callbackUrl: `${receiverUrl.toUpperCase()}/orders/./43 b` });
    expect([shouted.status, shouted.body.callbackUrl]).toEqual([202, `${receiverUrl}/orders/43%20b`]);
  });

  it('lets a client redeliver its own event, and not another client\'s', async () => {
    const sent = await client.send({ to: NUMBERS.approved, text: 'Tekrar', iysType: 'NOTIFICATION' });
    const first = await until(() => eventsFor(sent.body.id).find((d) => d.event.type === 'message.accepted'), 'the accepted webhook');
    expect((await client.call('POST', `/v1/webhooks/events/${first.event.id}/redeliver`, { key: SECRETS.otherApiKey })).status).toBe(404);
    expect((await client.call('POST', `/v1/webhooks/events/${first.event.id}/redeliver`)).status).toBe(202);
    await until(() => (eventsFor(sent.body.id).filter((d) => d.event.id === first.event.id).length >= 2 ? true : undefined), 'the redelivery');
  });

  // Last: over everything the tests above made happen (deliveries, refusals, pushes, reads, redeliveries).
  it('never shows the webhook secret, the one being rotated out, or the push token: no log line, answer or delivery holds one', async () => {
    // One signed delivery of its own, so that run alone (-t) it still reads one.
    const own = await client.send({ to: NUMBERS.approved, text: 'Son', iysType: 'NOTIFICATION' });
    await until(() => eventsFor(own.body.id).find((d) => d.event.type === 'message.accepted'), 'the accepted webhook');
    const answers = client.answers.map((a) => `${JSON.stringify(a.headers)}\n${a.text}`).join('\n');
    const sent = deliveries.map((d) => `${d.path}\n${JSON.stringify(d.headers)}\n${d.body}`).join('\n');
    const logs = served.logs.text();
    expect(logs.length).toBeGreaterThan(0);
    expect(deliveries.length).toBeGreaterThan(0);
    for (const secret of [WEBHOOK_SECRET, PREVIOUS_WEBHOOK_SECRET, PUSH_TOKEN]) {
      expect({ secret, logs: logs.includes(secret), answers: answers.includes(secret), deliveries: sent.includes(secret) }).toEqual({ secret, logs: false, answers: false, deliveries: false });
    }
  });
});
