import type { Sandbox } from '@rota/figensoft-sandbox';
import type { RunningGateway } from '../src/http/gateway-server.js';
import { startConfiguredGateway, type ConfiguredGateway } from './support/configured-gateway.js';
import { figensoftSettings, GatewayClient, SECRETS, startTestSandbox } from './support/harness.js';

// A campaign on an account limited to 10 messages a second: the dispatcher
// claims a unit of it at once, and its records wait for the limit. A cancel
// then stops them too, not only what is still queued: only the requests
// under way when the cancel came go out after it.

describe('canceling a bulk that waits for its account\'s rate limit', () => {
  let served: ConfiguredGateway;
  let sandbox: Sandbox;
  let gateway: RunningGateway;
  let client: GatewayClient;

  beforeAll(async () => {
    sandbox = await startTestSandbox();
    served = await startConfiguredGateway({
      providers: [{ type: 'figensoft', rank: 1, settings: figensoftSettings(sandbox.url), limits: { 'figensoft-notification': { maxPerSecond: 10 } } }],
      gateway: { listen: { host: '127.0.0.1', port: 0 }, apiKeys: [{ name: 'campaign-service', key: SECRETS.apiKey }], adminToken: SECRETS.adminToken, maxBulkRecipients: 1_000 },
      store: { kind: 'memory' },
    });
    ({ gateway, client } = served);
  });
  afterAll(async () => {
    await served.close();
    await sandbox.close();
  });

  it('cancels the claimed records no request was made for: the provider gets nothing more than the request under way', async () => {
    const recipients = Array.from({ length: 300 }, (_, i) => `+90532${String(2_000_000 + i).padStart(7, '0')}`);
    const bulk = await client.call('POST', '/v1/bulk', { json: { text: 'Hafta sonu indirimi', iysType: 'NOTIFICATION', recipients } });
    expect(bulk.status).toBe(202);
    const path = `/v1/bulk/${bulk.body.bulkId}`;
    for (let i = 0; i < 200 && sandbox.records().length < 10; i++) await new Promise((resolve) => setTimeout(resolve, 25));
    const waiting = (await client.call('GET', path)).body.byState;
    expect(waiting.dispatching).toBeGreaterThan(200); // claimed at once, waiting for the limit

    const canceled = await client.call('POST', `${path}/cancel`);
    const sentThen = sandbox.records().length;
    expect(canceled.status).toBe(200);
    // Before: only what was still `queued` (here nothing) could be canceled, and the rest went out over 30 s.
    // A request already past the limit when the cancel came (the unit's, or one more beside it) is sent: 10 each.
    expect(canceled.body.canceled).toBeGreaterThanOrEqual(300 - sentThen - 20);
    await new Promise((resolve) => setTimeout(resolve, 2_500)); // two and a half seconds of the limit: 25 more would have gone
    const sent = sandbox.records().length;
    expect(sent).toBeLessThanOrEqual(sentThen + 20);
    const after = (await client.call('GET', path)).body.byState;
    expect(after).toMatchObject({ accepted: sent, canceled: 300 - sent, dispatching: 0, queued: 0 });
  });
});
