import { createRouter } from '@rota/core';
import { createFakeProvider } from '@rota/testkit';
import { createGatewayMetrics } from '../src/metrics/gateway-metrics.js';
import { sample } from './support/prometheus-sample.js';

// A worker taken for dead had its unit's tries refused (another worker held the records and sent them),
// and counted each as a failed message: 202 failures summed across workers that never happened.
describe('rota_messages_total and a message held back before any provider was asked', () => {
  it('does not count it as failed; a message no provider could send still is', async () => {
    const metrics = createGatewayMetrics();
    const provider = createFakeProvider({ id: 'primary', script: [{ type: 'error', kind: 'provider-unavailable', code: 'DOWN' }] });
    const router = createRouter({ providers: [{ provider, rank: 1 }], retry: { retries: 0 } });
    metrics.observeRouter(router);
    const message = { to: '+905321234567', text: 'Kodunuz 1234', iysType: 'NOTIFICATION' };

    const held = await router.send(message, {
      beforeAttempt: () => {
        throw new Error('another worker took these records over');
      },
    });
    expect(held).toMatchObject({ status: 'failed', heldBack: true });
    const failed = await router.send(message);
    expect(failed).toMatchObject({ status: 'failed' });
    expect(failed).not.toHaveProperty('heldBack');

    const text = await metrics.registry.metrics();
    expect(sample(text, 'rota_messages_total', { status: 'failed', provider: 'none', simulated: 'false' })).toBe(1);
    await router.close();
  });
});

// On PostgreSQL the worker that reads a message's report is seldom the one that sent it: a share of this process's
// sends read 2.31 on one worker and 0 on the other (all delivered).
describe('rota_delivery_rate in a process that writes reports of messages another process sent', () => {
  it('is the share of the final reports this process wrote that say delivered, whatever it sent', async () => {
    const metrics = createGatewayMetrics();
    const final = (state: string) => metrics.ledgerObserver.final({ providerId: 'figensoft', accountId: 'figensoft-notification', state, afterAcceptanceMs: 1_000 } as never);
    for (const state of ['delivered', 'delivered', 'delivered', 'undelivered']) final(state);
    const text = await metrics.registry.metrics();
    expect(sample(text, 'rota_delivery_rate', { provider: 'figensoft', account: 'figensoft-notification' })).toBe(0.75);
  });
});

// The queue and record series are read from the store at each scrape. While it could not be reached the whole
// scrape failed (503), and with it the breaker, attempt and HTTP series, exactly during the incident.
describe('a scrape while the message store cannot be reached', () => {
  const stats = { queueDepth: { otp: 0, notification: 2, campaign: 0 }, oldestQueuedAgeMs: 1_500, held: 0, byState: { queued: 2 } };
  const storeOf = (reachable: () => boolean) => ({
    store: {
      stats: async () => {
        if (!reachable()) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
        return stats;
      },
      webhookBacklog: async () => [],
    },
  });

  it("answers the process's own series and rota_store_up 0, leaving the store's out; once it is back, all of them and rota_store_up 1", async () => {
    let reachable = true;
    const metrics = createGatewayMetrics();
    metrics.observeLedger(storeOf(() => reachable) as never);
    metrics.observeHttp('POST', '/v1/messages', 503, 0.01);

    const before = await metrics.render();
    expect(sample(before, 'rota_store_up', {})).toBe(1);
    expect(sample(before, 'rota_queue_depth', { priority: 'notification' })).toBe(2);

    // A scrape's one stats read is shared until the next turn of the event loop: scrapes are seconds apart.
    const nextScrape = () => new Promise((resolve) => setImmediate(resolve));
    reachable = false;
    await nextScrape();
    const during = await metrics.render();
    expect(sample(during, 'rota_store_up', {})).toBe(0);
    expect(during).not.toContain('rota_queue_depth');
    expect(during).not.toContain('rota_messages_by_state');
    expect(sample(during, 'rota_http_requests_total', { method: 'POST', route: '/v1/messages', status: '503' })).toBe(1);

    reachable = true;
    await nextScrape();
    const after = await metrics.render();
    expect(sample(after, 'rota_store_up', {})).toBe(1);
    expect(sample(after, 'rota_queue_oldest_age_seconds', {})).toBe(1.5);
  });

  it('still fails a scrape on an error that is not the store being away (a bug is not hidden as an outage)', async () => {
    const metrics = createGatewayMetrics();
    metrics.observeLedger({ store: { stats: async () => Promise.reject(new TypeError('x is not a function')), webhookBacklog: async () => [] } } as never);
    await expect(metrics.render()).rejects.toThrow('x is not a function');
  });
});
