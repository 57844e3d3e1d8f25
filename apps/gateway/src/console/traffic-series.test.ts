import { createRouter } from '@rota/core';
import { createFakeProvider } from '@rota/testkit';
import { TrafficSeries } from './traffic-series.js';

describe('TrafficSeries', () => {
  const T0 = Date.parse('2025-03-01T09:00:00Z');

  it('sums each provider\'s accounts per 10-second bucket, oldest first, the current bucket last', () => {
    let now = T0;
    const series = new TrafficSeries({ clock: () => now });
    series.record('figensoft', 'figensoft-notification', 'accepted', 3);
    series.record('figensoft', 'figensoft-campaign', 'accepted', 2);
    series.record('figensoft', 'figensoft-campaign', 'failed');
    now += 10_000;
    series.record('figensoft', 'figensoft-notification', 'unknown');
    series.record('mobildev', 'mobildev-notification', 'rejected', 4);

    const window = series.window(3);
    expect(window).toMatchObject({ bucketMs: 10_000, buckets: 3, startMs: T0 - 10_000 });
    expect(window.providers).toEqual([
      { providerId: 'figensoft', accepted: [0, 5, 0], failed: [0, 1, 0], rejected: [0, 0, 0], unknown: [0, 0, 1] },
      { providerId: 'mobildev', accepted: [0, 0, 0], failed: [0, 0, 0], rejected: [0, 0, 4], unknown: [0, 0, 0] },
    ]);
  });

  it('forgets what is older than the window: a slot reused an hour later starts from zero', () => {
    let now = T0;
    const series = new TrafficSeries({ clock: () => now });
    series.record('figensoft', 'a', 'accepted', 7);
    now += 3_600_000; // the same slot of the ring, one hour on
    expect(series.window().providers).toEqual([]);
    series.record('figensoft', 'a', 'failed');
    const [figensoft] = series.window().providers;
    expect(figensoft!.accepted.reduce((a, b) => a + b)).toBe(0);
    expect(figensoft!.failed.at(-1)).toBe(1);
    expect(series.recent(300_000)).toEqual([{ providerId: 'figensoft', accountId: 'a', counts: { accepted: 0, failed: 1, rejected: 0, unknown: 0 } }]);
  });

  it('totals an account over the last minutes', () => {
    let now = T0;
    const series = new TrafficSeries({ clock: () => now });
    series.record('figensoft', 'a', 'accepted', 2);
    now += 4 * 60_000;
    series.record('figensoft', 'a', 'accepted');
    now += 2 * 60_000;
    expect(series.recent(5 * 60_000)).toEqual([{ providerId: 'figensoft', accountId: 'a', counts: { accepted: 1, failed: 0, rejected: 0, unknown: 0 } }]);
  });

  it('is fed by the router\'s attempts: a failure at one provider and the acceptance at the next; skips are not counted', async () => {
    const broken = createFakeProvider({ id: 'broken', script: [{ type: 'error', kind: 'provider-unavailable', message: 'down' }] });
    const working = createFakeProvider({ id: 'working' });
    const router = createRouter({ providers: [{ provider: broken, rank: 1 }, { provider: working, rank: 2 }], retry: { retries: 0 } });
    const series = new TrafficSeries();
    const detach = series.observeRouter(router);
    const result = await router.send({ to: '+905321234567', text: 'Merhaba', iysType: 'NOTIFICATION' });
    expect(result.status).toBe('accepted');
    router.setEnabled('broken', false);
    await router.send({ to: '+905321234567', text: 'Merhaba', iysType: 'NOTIFICATION' });
    detach();
    await router.send({ to: '+905321234567', text: 'Merhaba', iysType: 'NOTIFICATION' });

    const totals = Object.fromEntries(series.recent(60_000).map((r) => [r.providerId, r.counts]));
    expect(totals).toEqual({
      broken: { accepted: 0, failed: 1, rejected: 0, unknown: 0 },
      working: { accepted: 2, failed: 0, rejected: 0, unknown: 0 },
    });
    await router.close();
  });
});
