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
