import { REFRESH_BURST } from '../src/http/refresh-budget.js';
import { jest } from '@jest/globals';
import { createFigenSoftProvider } from '@rota/figensoft';
import { figensoftSettings, NUMBERS, SECRETS, startHarness, type Harness } from './support/harness.js';
import { until } from '@rota/testkit';

describe('sending through the gateway to FigenSoft (sandbox, over loopback), every message recorded', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());
  beforeEach(() => h.sandbox.clearRecords());

  it('sends a NOTIFICATION through the NOTIFICATION account and answers 202 with the record', async () => {
    const answer = await h.client.send({ to: '0532 123 45 67', text: 'Siparişiniz yola çıktı', iysType: 'NOTIFICATION', reference: 'order-7' });
    expect(answer.status).toBe(202);
    expect(answer.body).toMatchObject({
      status: 'accepted',
      owner: 'campaign-service',
      reference: 'order-7',
      to: NUMBERS.approved,
      providerId: 'figensoft',
      accountId: 'figensoft-notification',
      segments: 1,
      encoding: 'GSM7_TURKISH_SHIFT',
    });
    // Opaque and random: nothing of the provider's id in it.
    expect(answer.body.id).toMatch(/^msg_[A-Za-z0-9_-]{22}$/);
    expect(answer.body.id).not.toContain(answer.body.providerMessageId);

    const records = h.sandbox.records();
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ username: 'rota-notify', iysType: 'NOTIFICATION', receiver: NUMBERS.approvedWire, originator: 'ROTA' });
    expect(records[0]!.messageId).toBe(answer.body.providerMessageId);
  });

  it('sends a CAMPAIGN message through the CAMPAIGN account', async () => {
    const answer = await h.client.send({ to: NUMBERS.approved, text: 'Kampanya: %20 indirim', iysType: 'CAMPAIGN', recipientType: 'BIREYSEL' });
    expect(answer.status).toBe(202);
    expect(answer.body).toMatchObject({ status: 'accepted', accountId: 'figensoft-campaign' });
    expect(h.sandbox.records().map((r) => [r.username, r.iysType])).toEqual([['rota-campaign', 'CAMPAIGN']]);
  });

  it('reads a message back from its record, with no provider call; another client gets 404, the admin reads it', async () => {
    const sent = await h.client.send({ to: NUMBERS.other, text: 'Faturanız hazır', iysType: 'NOTIFICATION' });
    const requestsBefore = h.sandbox.requestCount();
    const read = await h.client.call('GET', `/v1/messages/${sent.body.id}`);
    expect(read.status).toBe(200);
    const { timeline, ...record } = read.body;
    expect(record).toEqual(sent.body);
    expect(timeline).toEqual([expect.objectContaining({ kind: 'state', state: 'accepted', source: 'dispatch' })]);
    expect(h.sandbox.requestCount()).toBe(requestsBefore);

    // Before: ids were readable base64 of the provider's id, and any key could read any message.
    expect((await h.client.call('GET', `/v1/messages/${sent.body.id}`, { key: SECRETS.otherApiKey })).status).toBe(404);
    expect((await h.client.call('GET', `/v1/messages/${sent.body.id}`, { key: SECRETS.adminToken })).body).toMatchObject({ id: sent.body.id, owner: 'campaign-service' });
    expect((await h.client.call('GET', '/v1/messages/msg_AAAAAAAAAAAAAAAAAAAAAA')).status).toBe(404);
  });

  it('answers ?refresh=true on a message whose provider or account a reload removed with 409 provider-not-configured; the record still reads', async () => {
    // Before: the router's UnknownProviderError is no ProviderError, so the read answered 500 internal-error.
    const sent = await h.client.send({ to: NUMBERS.other, text: 'Sağlayıcı gitti', iysType: 'NOTIFICATION' });
    expect(sent.body).toMatchObject({ status: 'accepted', providerId: 'figensoft', accountId: 'figensoft-notification' });
    const campaignOnly = createFigenSoftProvider({ accounts: [figensoftSettings(h.sandbox.url).accounts[1]!] });
    try {
      h.router.reconfigure({ providers: [], retry: { retries: 0 } });
      const gone = await h.client.call('GET', `/v1/messages/${sent.body.id}?refresh=true`);
      expect(gone.status).toBe(409);
      expect(gone.body).toEqual({ error: 'provider-not-configured', message: expect.stringMatching(/^the message's provider "figensoft" is not in the configuration in force .*without refresh=true the record answers as stored$/) });
      const stored = await h.client.call('GET', `/v1/messages/${sent.body.id}`);
      expect(stored.status).toBe(200);
      expect(stored.body).toMatchObject({ id: sent.body.id, status: 'accepted', providerId: 'figensoft' });

      // The provider back without the message's account (the provider says unknown-account): not "unavailable, retry", the same 409.
      h.router.reconfigure({ providers: [{ provider: campaignOnly, rank: 3 }], retry: { retries: 0 } });
      const noAccount = await h.client.call('GET', `/v1/messages/${sent.body.id}?refresh=true`);
      expect(noAccount.status).toBe(409);
      expect(noAccount.body).toEqual({ error: 'provider-not-configured', message: expect.stringContaining('account "figensoft-notification" of provider "figensoft" is not in the configuration in force') });
    } finally {
      h.router.reconfigure({ providers: [{ provider: h.figensoft, rank: 3 }], retry: { retries: 0 } });
      await campaignOnly.close();
    }
    expect((await h.client.call('GET', `/v1/messages/${sent.body.id}?refresh=true`)).status).toBe(200);
  });

  it('limits ?refresh=true per client (each asks the provider): 429 with Retry-After past the burst; plain reads and other clients go on', async () => {
    const sent = await h.client.send({ to: NUMBERS.other, text: 'Durum sorgusu', iysType: 'NOTIFICATION' });
    const statuses: number[] = [];
    for (let i = 0; i < REFRESH_BURST + 5; i++) statuses.push((await h.client.call('GET', `/v1/messages/${sent.body.id}?refresh=true`)).status);
    // The bucket is the client's, and the tests before this one refreshed too: it need not be full here.
    expect(statuses[0]).toBe(200);
    expect(statuses).toContain(429);
    expect(statuses.every((status) => status === 200 || status === 429)).toBe(true);
    const limited = await h.client.call('GET', `/v1/messages/${sent.body.id}?refresh=true`);
    expect(limited).toMatchObject({ status: 429, body: { error: 'rate-limited' } });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect((await h.client.call('GET', `/v1/messages/${sent.body.id}`)).status).toBe(200);
    expect((await h.client.call('GET', `/v1/messages/${sent.body.id}?refresh=true`, { key: SECRETS.adminToken })).status).toBe(200);
  });

  it('queues with Prefer: respond-async, answers 202 queued at once, and the dispatcher sends it', async () => {
    const answer = await h.client.call('POST', '/v1/messages', {
      json: { to: NUMBERS.other, text: 'Sonra gönder', iysType: 'NOTIFICATION' },
      headers: { prefer: 'respond-async' },
    });
    expect(answer.status).toBe(202);
    expect(answer.headers['preference-applied']).toBe('respond-async');
    expect(answer.body).toMatchObject({ status: 'queued', id: expect.stringMatching(/^msg_/) });
    const done = await until(async () => {
      const read = await h.client.call('GET', `/v1/messages/${answer.body.id}`);
      return read.body.status === 'accepted' ? read.body : undefined;
    }, 'the queued message accepted');
    expect(done).toMatchObject({ providerId: 'figensoft', accountId: 'figensoft-notification' });
    expect(h.sandbox.records()).toHaveLength(1);
  });

  it('answers a repeat under Prefer: respond-async with 202 and its record, whatever the record says (here: rejected)', async () => {
    const message = { to: NUMBERS.other, text: 'Merhaba', iysType: 'NOTIFICATION', sender: 'NOTOURS', idempotencyKey: 'async-repeat-1' };
    const first = await h.client.send(message);
    expect([first.status, first.body.status]).toEqual([422, 'rejected']);
    const repeat = await h.client.call('POST', '/v1/messages', { json: message, headers: { prefer: 'respond-async' } });
    expect([repeat.status, repeat.headers['preference-applied'], repeat.body.status, repeat.body.id]).toEqual([202, 'respond-async', 'rejected', first.body.id]);
    expect(h.sandbox.records()).toHaveLength(0);
  });

  it('sends a batch and answers one record per message, in order', async () => {
    const messages = [
      { to: NUMBERS.approved, text: 'Kodunuz: 1234', iysType: 'NOTIFICATION' },
      { to: NUMBERS.other, text: 'Kodunuz: 1234', iysType: 'NOTIFICATION' },
      { to: NUMBERS.approved, text: 'Yaz indirimi başladı', iysType: 'CAMPAIGN' },
      { to: NUMBERS.optedOut, text: 'Yaz indirimi başladı', iysType: 'CAMPAIGN' },
    ];
    const answer = await h.client.call('POST', '/v1/messages/batch', { json: { messages } });
    expect(answer.status).toBe(200);
    const results = answer.body.results as { status: string; to?: string; accountId?: string; id?: string }[];
    expect(results.map((r) => r.to)).toEqual([NUMBERS.approved, NUMBERS.other, NUMBERS.approved, NUMBERS.optedOut]);
    expect(results.map((r) => [r.status, r.accountId])).toEqual([
      ['accepted', 'figensoft-notification'],
      ['accepted', 'figensoft-notification'],
      ['accepted', 'figensoft-campaign'],
      ['accepted', 'figensoft-campaign'],
    ]);
    expect(answer.body.summary).toEqual({ accepted: 4 });
    expect(new Set(results.map((r) => r.id)).size).toBe(4);
    const byUser = h.sandbox.records().map((r) => `${r.username}:${r.receiver}`).sort();
    expect(byUser).toEqual(['rota-campaign:905321234567', 'rota-campaign:905559998877', 'rota-notify:905321234567', 'rota-notify:905551112233']);
  });

  it('never sends the same idempotencyKey twice; the same key with another message is 409; keys are per client', async () => {
    const message = { to: NUMBERS.other, text: 'Tek sefer', iysType: 'NOTIFICATION', idempotencyKey: 'order-42-shipped' };
    const first = await h.client.send(message);
    const second = await h.client.send(message);
    expect(first.status).toBe(202);
    expect(second.body).toEqual(first.body);
    expect(h.sandbox.records()).toHaveLength(1);

    // Before: a reused key with a different message silently dropped it.
    const other = await h.client.send({ ...message, text: 'Başka bir mesaj' });
    expect(other.status).toBe(409);
    expect(other.body).toEqual({ error: 'idempotency-conflict', message: expect.any(String), existingId: first.body.id });
    // Before: a batch with that key sent its other messages and answered 200 with one conflict in it.
    const batch = await h.client.call('POST', '/v1/messages/batch', { json: { messages: [{ to: NUMBERS.approved, text: 'Yanında', iysType: 'NOTIFICATION' }, { ...message, text: 'Başka bir mesaj' }] } });
    expect([batch.status, batch.body.issues]).toEqual([409, [{ path: 'messages.1.idempotencyKey', reason: `stands for a different message or bulk (${first.body.id})` }]]);
    expect(h.sandbox.records()).toHaveLength(1);
    // The same key for the same message is no conflict: the batch is sent, and the keyed one answered with its first record.
    const retried = await h.client.call('POST', '/v1/messages/batch', { json: { messages: [{ to: NUMBERS.approved, text: 'Yanında', iysType: 'NOTIFICATION' }, message] } });
    expect([retried.status, retried.body.results[1].id]).toEqual([200, first.body.id]);
    expect(h.sandbox.records()).toHaveLength(2);
    // Before: a second client reusing the key got the first client's result, recipient included.
    const billing = await h.client.send(message, SECRETS.otherApiKey);
    expect(billing.status).toBe(202);
    expect(billing.body.id).not.toBe(first.body.id);
    expect(billing.body.owner).toBe('billing');
    expect(h.sandbox.records()).toHaveLength(3);
  });

  it('answers 503 failed when no provider can take the message, with the trail, and records it', async () => {
    h.router.forceBreaker('figensoft', 'figensoft-notification', 'open');
    try {
      const answer = await h.client.send({ to: NUMBERS.other, text: 'Kodunuz: 9999', iysType: 'NOTIFICATION' });
      expect(answer.status).toBe(503);
      expect(answer.body.status).toBe('failed');
      expect(answer.body.attempts).toEqual([expect.objectContaining({ providerId: 'figensoft', outcome: 'skipped' })]);
      expect(h.sandbox.records()).toHaveLength(0);
      expect((await h.client.call('GET', `/v1/messages/${answer.body.id}`)).body.status).toBe('failed');
    } finally {
      h.router.forceBreaker('figensoft', 'figensoft-notification', 'auto');
    }
  });

  it('answers 422 naming sender when no provider allows the sender (before: 503 "retry later")', async () => {
    const answer = await h.client.send({ to: NUMBERS.other, text: 'Merhaba', iysType: 'NOTIFICATION', sender: 'NOTOURS' });
    expect(answer.status).toBe(422);
    expect(answer.body).toMatchObject({ status: 'rejected', issues: [{ path: 'sender', reason: expect.stringContaining('NOTOURS') }] });
    expect(h.sandbox.records()).toHaveLength(0);
  });

  it('lists the caller\'s messages, newest first, with filters and a cursor; never another client\'s', async () => {
    for (let i = 0; i < 5; i++) await h.client.send({ to: NUMBERS.other, text: `Liste ${i}`, iysType: 'NOTIFICATION', reference: `list-${i}` });
    await h.client.send({ to: NUMBERS.other, text: 'Billing', iysType: 'NOTIFICATION' }, SECRETS.otherApiKey);
    const first = await h.client.call('GET', `/v1/messages?to=${encodeURIComponent('0555 111 22 33')}&limit=3`);
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(3);
    expect(first.body.items.every((m: { owner: string }) => m.owner === 'campaign-service')).toBe(true);
    const second = await h.client.call('GET', `/v1/messages?to=${encodeURIComponent('+905551112233')}&limit=3&cursor=${first.body.nextCursor}`);
    const ids = [...first.body.items, ...second.body.items].map((m: { id: string }) => m.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect((await h.client.call('GET', '/v1/messages?state=bogus')).status).toBe(400);
    expect((await h.client.call('GET', '/v1/messages?cursor=not-one')).body).toMatchObject({ error: 'invalid-request', issues: [{ path: 'cursor' }] });
  });

  it("refuses ?owner= naming another client to an API key with 403 naming owner; its own name, or the admin token, lists", async () => {
    await h.client.send({ to: NUMBERS.other, text: 'Sahibi billing', iysType: 'NOTIFICATION' }, SECRETS.otherApiKey);
    // Before: the owner was dropped silently and the key's own messages answered, as if they were billing's.
    const theirs = await h.client.call('GET', '/v1/messages?owner=billing');
    expect(theirs.status).toBe(403);
    expect(theirs.body).toEqual({
      error: 'forbidden',
      message: expect.stringContaining("only the admin token may read another client's messages"),
      issues: [{ path: 'owner', reason: expect.stringContaining("names another client: only the admin token may read another client's messages") }],
    });
    const own = await h.client.call('GET', '/v1/messages?owner=campaign-service&limit=500');
    expect(own.status).toBe(200);
    expect(own.body.items.length).toBeGreaterThan(0);
    expect(own.body.items.every((m: { owner: string }) => m.owner === 'campaign-service')).toBe(true);
    const admin = await h.client.call('GET', '/v1/messages?owner=billing', { key: SECRETS.adminToken });
    expect(admin.status).toBe(200);
    expect(admin.body.items.length).toBeGreaterThan(0);
    expect(admin.body.items.every((m: { owner: string }) => m.owner === 'billing')).toBe(true);
    // An empty owner names nobody: a 400 for either credential (it was a 403 for a key, an empty page for the admin).
    for (const key of [SECRETS.apiKey, SECRETS.adminToken]) {
      const empty = await h.client.call('GET', '/v1/messages?owner=', { key });
      expect([empty.status, empty.body.issues]).toEqual([400, [{ path: 'owner', reason: expect.stringContaining('must not be empty') }]]);
    }
  });

  it('validates a message once: the router gets it checked and never validates it again', async () => {
    // Before: the route parsed the body with zod, then router.send validated (and analysed the text) again.
    const unchecked = [jest.spyOn(h.router, 'send'), jest.spyOn(h.router, 'sendBatch'), jest.spyOn(h.router, 'sendBulk')];
    const checked = jest.spyOn(h.router, 'sendChecked');
    try {
      await h.client.send({ to: NUMBERS.other, text: 'Bir kez denetlenir', iysType: 'NOTIFICATION' });
      await h.client.call('POST', '/v1/messages/batch', { json: { messages: [{ to: NUMBERS.other, text: 'a', iysType: 'NOTIFICATION' }, { to: NUMBERS.approved, text: 'b', iysType: 'NOTIFICATION' }] } });
      expect(checked).toHaveBeenCalledTimes(1);
      for (const spy of unchecked) expect(spy).not.toHaveBeenCalled();
    } finally {
      for (const spy of [...unchecked, checked]) spy.mockRestore();
    }
  });
});
