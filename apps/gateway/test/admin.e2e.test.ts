import { ReadinessResponseSchema } from '@rota/api';
import { createFakeProvider, until, type FakeProvider } from '@rota/testkit';
import { NUMBERS, SECRETS, startHarness, type Harness } from './support/harness.js';
import { sample } from './support/prometheus-sample.js';

const admin = { key: SECRETS.adminToken };

describe('operator controls change where the next message goes', () => {
  let h: Harness;
  let fake: FakeProvider;

  beforeAll(async () => {
    fake = createFakeProvider({ id: 'primary' });
    h = await startHarness({ extra: [{ provider: fake, rank: 1 }] });
  });
  afterAll(() => h.close());
  beforeEach(async () => {
    h.sandbox.clearRecords();
    fake.reset();
    // Every test starts from the same routing: primary (rank 1) before figensoft (rank 3), breakers automatic.
    await h.client.call('PATCH', '/v1/providers/primary', { ...admin, json: { enabled: true, rank: 1 } });
    await h.client.call('POST', '/v1/providers/primary/breaker', { ...admin, json: { state: 'auto' } });
  });

  const notify = (text: string) => h.client.send({ to: NUMBERS.other, text, iysType: 'NOTIFICATION' });

  it('lists providers in rank order with breaker state per account', async () => {
    const answer = await h.client.call('GET', '/v1/providers');
    expect(answer.status).toBe(200);
    const providers = answer.body.providers as { providerId: string; rank: number; enabled: boolean; accounts: { accountId: string; breaker: string }[] }[];
    expect(providers.map((p) => [p.providerId, p.rank, p.enabled])).toEqual([
      ['primary', 1, true],
      ['figensoft', 3, true],
    ]);
    expect(providers[1]!.accounts).toEqual([
      { accountId: 'figensoft-notification', breaker: 'closed', override: 'auto' },
      { accountId: 'figensoft-campaign', breaker: 'closed', override: 'auto' },
    ]);
    // An API key (the harness's default) reads the routing, not every client's traffic; the admin token reads both.
    for (const provider of providers) for (const figure of ['counts', 'meanLatencyMs', 'inFlight']) expect(provider).not.toHaveProperty(figure);
    const asAdmin = (await h.client.call('GET', '/v1/providers', admin)).body.providers as Record<string, unknown>[];
    for (const provider of asAdmin) for (const figure of ['counts', 'meanLatencyMs', 'inFlight']) expect(provider).toHaveProperty(figure);
    expect(asAdmin.map(({ providerId, rank, enabled, accounts }) => ({ providerId, rank, enabled, accounts }))).toEqual(
      providers.map(({ providerId, rank, enabled, accounts }) => ({ providerId, rank, enabled, accounts })),
    );
  });

  it('disabling the first provider moves the next message to FigenSoft; enabling it brings traffic back', async () => {
    expect((await notify('önce')).body.providerId).toBe('primary');
    expect(h.sandbox.records()).toHaveLength(0);

    const disabled = await h.client.call('PATCH', '/v1/providers/primary', { ...admin, json: { enabled: false } });
    expect(disabled.status).toBe(200);
    expect(disabled.body).toMatchObject({ providerId: 'primary', enabled: false });

    const moved = await notify('sonra');
    expect(moved.body).toMatchObject({ status: 'accepted', providerId: 'figensoft' });
    expect(h.sandbox.records().map((r) => r.username)).toEqual(['rota-notify']);

    await h.client.call('PATCH', '/v1/providers/primary', { ...admin, json: { enabled: true } });
    expect((await notify('geri')).body.providerId).toBe('primary');
    expect(fake.acceptedCount).toBe(2);
  });

  it('re-ranking puts FigenSoft first', async () => {
    const answer = await h.client.call('PATCH', '/v1/providers/primary', { ...admin, json: { rank: 7 } });
    expect(answer.status).toBe(200);
    expect(answer.body.rank).toBe(7);
    expect((await notify('yeni sıra')).body.providerId).toBe('figensoft');
    expect(fake.callCount).toBe(0);
  });

  it('forcing a breaker open moves traffic down the ranks; auto brings it back', async () => {
    const forced = await h.client.call('POST', '/v1/providers/primary/breaker', { ...admin, json: { state: 'open' } });
    expect(forced.status).toBe(200);
    expect(forced.body.accounts.every((a: { breaker: string; override: string }) => a.breaker === 'open' && a.override === 'open')).toBe(true);

    const moved = await notify('sigorta açık');
    expect(moved.body.providerId).toBe('figensoft');
    expect(moved.body.attempts[0]).toMatchObject({ providerId: 'primary', outcome: 'skipped' });
    expect(fake.callCount).toBe(0);

    await h.client.call('POST', '/v1/providers/primary/breaker', { ...admin, json: { state: 'auto' } });
    expect((await notify('sigorta kapalı')).body.providerId).toBe('primary');
  });

  it('holds a queued message while every provider is switched off, and sends it once when one is back on; a caller who waits is answered at once', async () => {
    const metrics = async () => {
      const text = (await h.client.call('GET', '/metrics', { key: null })).text;
      return { held: sample(text, 'rota_messages_held_total', {}) ?? 0, failed: sample(text, 'rota_messages_total', { status: 'failed', provider: 'none', simulated: 'false' }) ?? 0 };
    };
    const before = await metrics();
    for (const id of ['primary', 'figensoft']) expect((await h.client.call('PATCH', `/v1/providers/${id}`, { ...admin, json: { enabled: false } })).status).toBe(200);
    try {
      const queued = await h.client.call('POST', '/v1/messages', { json: { to: NUMBERS.other, text: 'bekleyen', iysType: 'NOTIFICATION' }, headers: { prefer: 'respond-async' } });
      expect(queued.status).toBe(202);
      const held = await until(async () => {
        const read = await h.client.call('GET', `/v1/messages/${queued.body.id}`);
        return read.body.status === 'queued' && typeof read.body.reason === 'string' && read.body.reason.startsWith('held until a route opens') ? read.body : undefined;
      }, 'the queued message held');
      expect(held.reason).toContain('no provider is enabled');
      expect(held.timeline).toEqual([expect.objectContaining({ kind: 'state', state: 'held', source: 'dispatch' })]);
      const waited = await notify('beklemeyen');
      expect(waited.body).toMatchObject({ status: 'failed', reason: 'no provider is enabled' });
      expect(fake.callCount + h.sandbox.records().length).toBe(0);
      // Held (and tried again meanwhile): counted once as held, never as failed; the message the caller waited for failed.
      await until(async () => ((await h.client.call('GET', `/v1/messages/${queued.body.id}`)).body.updatedAt !== held.updatedAt ? true : undefined), 'the message held again');
      expect(await metrics()).toEqual({ held: before.held + 1, failed: before.failed + 1 });

      await h.client.call('PATCH', '/v1/providers/figensoft', { ...admin, json: { enabled: true } });
      const sent = await until(async () => {
        const read = await h.client.call('GET', `/v1/messages/${queued.body.id}`);
        return read.body.status === 'accepted' ? read.body : undefined;
      }, 'the held message sent once a provider is back on');
      expect(sent.providerId).toBe('figensoft');
      expect(sent).not.toHaveProperty('reason');
      expect(h.sandbox.records()).toHaveLength(1);
    } finally {
      await h.client.call('PATCH', '/v1/providers/figensoft', { ...admin, json: { enabled: true } });
    }
  });

  it('forces one account only when accountId is given', async () => {
    const forced = await h.client.call('POST', '/v1/providers/primary/breaker', { ...admin, json: { state: 'open', accountId: 'primary-campaign' } });
    expect(forced.status).toBe(200);
    const accounts = Object.fromEntries((forced.body.accounts as { accountId: string; breaker: string }[]).map((a) => [a.accountId, a.breaker]));
    expect(accounts).toEqual({ 'primary-notification': 'closed', 'primary-campaign': 'open' });
    expect((await notify('bildirim')).body.providerId).toBe('primary');
    expect((await h.client.send({ to: NUMBERS.approved, text: 'kampanya', iysType: 'CAMPAIGN' })).body.providerId).toBe('figensoft');
  });

  it('answers 404 naming an unknown provider or account, changing nothing', async () => {
    const provider = await h.client.call('PATCH', '/v1/providers/nosuch', { ...admin, json: { enabled: false } });
    expect(provider.status).toBe(404);
    expect(provider.body.message).toContain('nosuch');
    const account = await h.client.call('POST', '/v1/providers/primary/breaker', { ...admin, json: { state: 'open', accountId: 'nope' } });
    expect(account.status).toBe(404);
    expect(account.body.message).toContain('nope');
    const status = (await h.client.call('GET', '/v1/providers')).body.providers[0];
    expect(status.accounts.every((a: { override: string }) => a.override === 'auto')).toBe(true);
  });

  it('answers a message the provider refuses with 422, without failing over', async () => {
    fake.setScript([{ type: 'accept', rejectRecipients: [NUMBERS.other], rejectCode: 'BLOCKED', rejectReason: 'recipient blocked' }]);
    const answer = await notify('engelli');
    expect(answer.status).toBe(422);
    expect(answer.body).toMatchObject({ status: 'rejected', providerId: 'primary' });
    expect(h.sandbox.records()).toHaveLength(0);
  });

  it('reports readiness from the providers\' health checks: ready or not in public, the detail to the admin token only', async () => {
    const ready = await h.client.call('GET', '/readyz', { key: null });
    expect(ready.status).toBe(200);
    // Before: the unauthenticated answer carried usernames, balances, login errors and the provider URL.
    expect(ready.body).toEqual({ ready: true });
    expect((await h.client.call('GET', '/v1/readiness', { key: null })).status).toBe(401);
    expect((await h.client.call('GET', '/v1/readiness')).status).toBe(403); // a send key
    const detailed = await h.client.call('GET', '/v1/readiness', { key: SECRETS.adminToken });
    expect(detailed.status).toBe(200);
    expect(JSON.stringify(detailed.body)).not.toMatch(/rota-notify|rota-campaign|127\.0\.0\.1/);
    const figensoft = detailed.body.providers.find((p: { providerId: string }) => p.providerId === 'figensoft');
    expect(figensoft.healthy).toBe(true);
    expect(figensoft.accounts).toHaveLength(2);
    // The answer is exactly its documented shape (parsing drops what the schema does not name): the
    // console reads each account's credit from it, so `balance` must be in the schema, not only on the wire.
    expect(figensoft.accounts[0].balance).toEqual(expect.any(Number));
    expect(ReadinessResponseSchema.parse(detailed.body)).toEqual(detailed.body);

    // Everything unhealthy or disabled: 503.
    fake.setHealthy('primary-notification', false);
    fake.setHealthy('primary-campaign', false);
    h.sandbox.setCredit('rota-campaign', 0);
    try {
      // One account that can still send (FigenSoft's NOTIFICATION one) keeps the gateway ready: its provider says unhealthy.
      const partly = await h.client.call('GET', '/v1/readiness', { key: SECRETS.adminToken });
      expect(partly.status).toBe(200);
      expect(partly.body.providers.find((p: { providerId: string }) => p.providerId === 'figensoft').healthy).toBe(false);
      expect(await h.client.call('GET', '/readyz', { key: null })).toMatchObject({ status: 200, body: { ready: true } });
      h.sandbox.setCredit('rota-notify', 0);
      const notReady = await h.client.call('GET', '/v1/readiness', { key: SECRETS.adminToken });
      expect(notReady.status).toBe(503);
      expect(notReady.body.ready).toBe(false);
      expect(await h.client.call('GET', '/readyz', { key: null })).toMatchObject({ status: 503, body: { ready: false } });
      const detail = notReady.body.providers.find((p: { providerId: string }) => p.providerId === 'figensoft');
      expect(detail.healthy).toBe(false);
      expect(detail.accounts[0].detail).toContain('credit');
    } finally {
      fake.setHealthy('primary-notification', true);
      fake.setHealthy('primary-campaign', true);
      h.sandbox.setCredit('rota-notify', 1_000_000);
      h.sandbox.setCredit('rota-campaign', 1_000_000);
    }
  });

  it('liveness needs nothing', async () => {
    const live = await h.client.call('GET', '/healthz', { key: null });
    expect(live.status).toBe(200);
    expect(live.body).toEqual({ status: 'ok' });
  });
});
