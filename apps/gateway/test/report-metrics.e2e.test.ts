import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEFAULT_SANDBOX_ACCOUNTS, figensoftSettingsFor, startSandbox, type Sandbox } from '@rota/figensoft-sandbox';
import type { RunningGateway } from '../src/http/gateway-server.js';
import { startConfiguredGateway, type ConfiguredGateway } from './support/configured-gateway.js';
import { GatewayClient, NUMBERS, SECRETS } from './support/harness.js';
import { sample } from './support/prometheus-sample.js';
import { until as untilWithin } from '@rota/testkit';

// The delivery report and webhook metrics count what happened: the final
// reports the records hold, the deliveries the receiver saw and what it
// answered, the events still waiting. A gateway of its own (the real wiring,
// from a configuration file), so no other test's messages are counted.

const WEBHOOK_SECRET = 'whsec-metrics-0123456789abcdef0123456789';

/** Waits as long as a report schedule and a webhook retry may take. */
const until = <T>(check: () => T | undefined | Promise<T | undefined>, what: string): Promise<T> => untilWithin(check, what, 20_000, 50);

describe('delivery report and webhook metrics', () => {
  let served: ConfiguredGateway;
  let sandbox: Sandbox;
  let receiver: Server;
  let receiverUrl: string;
  /** What the receiver answered, one entry a delivery. */
  const answered: { path: string; status: number; type: string }[] = [];
  let gateway: RunningGateway;
  let client: GatewayClient;

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        // A receiver that fails on purpose under /orders/broken.
        const status = req.url?.startsWith('/orders/broken') ? 503 : 204;
        answered.push({ path: req.url ?? '', status, type: (JSON.parse(body) as { type: string }).type });
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    sandbox = await startSandbox({ accounts: DEFAULT_SANDBOX_ACCOUNTS, deliveryDelayMs: 20, consent: { approved: [NUMBERS.approvedWire], optedOut: ['905559998877'] } });
    served = await startConfiguredGateway({
      providers: [
        {
          type: 'figensoft',
          settings: figensoftSettingsFor(sandbox.url),
        },
      ],
      gateway: {
        listen: { host: '127.0.0.1', port: 0 },
        apiKeys: [{ name: 'campaign-service', key: SECRETS.apiKey, webhook: { url: `${receiverUrl}/rota`, secret: WEBHOOK_SECRET, allowedUrls: [`${receiverUrl}/orders`] } }],
        adminToken: SECRETS.adminToken,
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

  it('counts final reports by provider, account and state, their latency, the delivery rate, and webhook outcomes by receiver origin', async () => {
    const sends = [
      client.send({ to: NUMBERS.approved, text: 'Kargonuz yolda', iysType: 'NOTIFICATION' }),
      client.send({ to: NUMBERS.other, text: 'Faturanız hazır', iysType: 'NOTIFICATION' }),
      client.send({ to: NUMBERS.optedOut, text: 'Kış indirimi', iysType: 'CAMPAIGN' }),
      client.send({ to: NUMBERS.approved, text: 'Siparişiniz hazır', iysType: 'NOTIFICATION', callbackUrl: `${receiverUrl}/orders/broken/7` }),
    ];
    const ids = (await Promise.all(sends)).map((sent) => {
      expect(sent.body.status).toBe('accepted');
      return sent.body.id as string;
    });
    const records = await until(async () => {
      const read = await Promise.all(ids.map(async (id) => (await client.call('GET', `/v1/messages/${id}`)).body));
      return read.every((record) => record.delivery?.final) ? read : undefined;
    }, 'every final report');
    expect(records.map((record) => `${record.accountId}:${record.delivery.state}`)).toEqual([
      'figensoft-notification:delivered',
      'figensoft-notification:delivered',
      'figensoft-campaign:rejected',
      'figensoft-notification:delivered',
    ]);
    // Both events of each of the first three reached the receiver; the broken one has been tried for both of its events.
    await until(() => {
      const ok = answered.filter((a) => a.status === 204).length;
      const failedTypes = new Set(answered.filter((a) => a.status === 503).map((a) => a.type));
      return ok === 6 && failedTypes.size === 2 ? true : undefined;
    }, 'the deliveries');

    const scrape = async () => (await client.call('GET', '/metrics', { key: null })).text as string;
    // The outcomes are counted once each round is written: wait for the counter to catch up with the receiver.
    const text = await until(async () => {
      const now = await scrape();
      const retried = answered.filter((a) => a.status === 503).length;
      return sample(now, 'rota_webhook_deliveries_total', { origin: receiverUrl, outcome: 'delivered' }) === 6 &&
        sample(now, 'rota_webhook_deliveries_total', { origin: receiverUrl, outcome: 'retry' }) === retried
        ? now
        : undefined;
    }, 'the webhook counters');

    expect(sample(text, 'rota_delivery_reports_total', { provider: 'figensoft', account: 'figensoft-notification', state: 'delivered' })).toBe(3);
    expect(sample(text, 'rota_delivery_reports_total', { provider: 'figensoft', account: 'figensoft-campaign', state: 'rejected' })).toBe(1);
    expect(sample(text, 'rota_delivery_reports_total', { provider: 'figensoft', account: 'figensoft-notification', state: 'undelivered' })).toBeUndefined();
    expect(sample(text, 'rota_delivery_report_seconds_count', { provider: 'figensoft' })).toBe(4);
    expect(sample(text, 'rota_delivery_report_seconds_sum', { provider: 'figensoft' })).toBeGreaterThan(0);
    expect(sample(text, 'rota_delivery_rate', { provider: 'figensoft', account: 'figensoft-notification' })).toBe(1);
    expect(sample(text, 'rota_delivery_rate', { provider: 'figensoft', account: 'figensoft-campaign' })).toBe(0);
    // The broken receiver's two events wait, undelivered; nothing else does.
    expect(sample(text, 'rota_webhook_backlog', { origin: receiverUrl, state: 'pending' })).toBe(2);
    expect(sample(text, 'rota_webhook_deliveries_total', { origin: receiverUrl, outcome: 'dead' })).toBeUndefined();
    // A receiver is labelled by its origin only: a URL's path may carry a token.
    expect(text).not.toContain('/orders/broken');
  });
});
