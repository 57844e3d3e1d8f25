import { NUMBERS, SECRETS, startHarness, type Harness } from './support/harness.js';

/*
 * gateway.apiKeys[].allowed: what one client may send. `campaign-service` here
 * may send only NOTIFICATION, only as ROTAOTP, and no OTPs; `billing` anything.
 */
describe('sending rights: a client sends only with the senders, IYS types and OTP flag its key allows', () => {
  let h: Harness;
  const restricted = { name: 'campaign-service', key: SECRETS.apiKey, allowed: { senders: ['ROTAOTP'], iysTypes: ['NOTIFICATION' as const], otp: false } };
  const unrestricted = { name: 'billing', key: SECRETS.otherApiKey };
  beforeAll(async () => {
    h = await startHarness({ gateway: { apiKeys: [restricted, unrestricted] } });
  });
  afterAll(() => h.close());
  beforeEach(() => h.sandbox.clearRecords());

  const message = { to: NUMBERS.approved, text: 'Siparişiniz yolda', iysType: 'NOTIFICATION', sender: 'ROTAOTP' };
  const recorded = async () => (await h.ledger.store.list({ owner: 'campaign-service', limit: 100 })).items;
  /** Nothing reached the provider, and the client has no more records than `before`. */
  const expectNothingSent = async (before: number) => {
    expect(h.sandbox.records()).toEqual([]);
    expect(await recorded()).toHaveLength(before);
  };
  const narrowedTo = (allowed: typeof restricted.allowed | undefined) => {
    const previous = h.config.current;
    h.config.current = { ...previous, gateway: { ...previous.gateway, apiKeys: [{ ...restricted, allowed }, unrestricted] } };
    return () => (h.config.current = previous);
  };

  it('refuses another sender, a CAMPAIGN and an OTP, naming each field and why, and records nothing', async () => {
    const before = (await recorded()).length;
    const answer = await h.client.send({ ...message, sender: 'ROTA', iysType: 'CAMPAIGN', otp: true });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error: 'invalid-request' });
    expect(answer.body.issues).toEqual([
      { path: 'sender', reason: "is not one of this API key's senders (ROTAOTP; gateway.apiKeys[].allowed.senders)" },
      { path: 'iysType', reason: 'this API key may send only NOTIFICATION (gateway.apiKeys[].allowed.iysTypes)' },
      { path: 'otp', reason: 'this API key may not mark messages otp (gateway.apiKeys[].allowed.otp)' },
    ]);
    await expectNothingSent(before);
  });

  it("needs a sender from a key restricted to some, rather than the provider account's own (another brand's, maybe)", async () => {
    const before = (await recorded()).length;
    const { sender: _sender, ...withoutSender } = message;
    const refused = await h.client.send(withoutSender);
    expect(refused.status).toBe(400);
    expect(refused.body.issues).toEqual([{ path: 'sender', reason: 'is required: this API key sends only as ROTAOTP (gateway.apiKeys[].allowed.senders)' }]);
    await expectNothingSent(before);
    const named = await h.client.send(message);
    expect(named.status).toBe(202);
    expect(named.body).toMatchObject({ status: 'accepted', sender: 'ROTAOTP' });
    expect(h.sandbox.records().map((r) => r.originator)).toEqual(['ROTAOTP']);
  });

  it('refuses a whole batch for one message it may not send, naming that message', async () => {
    const before = (await recorded()).length;
    const answer = await h.client.call('POST', '/v1/messages/batch', { json: { messages: [message, { ...message, sender: 'ROTA' }, message] } });
    expect(answer.status).toBe(400);
    expect(answer.body.message).toBe('the batch is invalid; nothing was sent');
    expect(answer.body.issues).toEqual([{ path: 'messages.1.sender', reason: expect.stringContaining("is not one of this API key's senders") }]);
    await expectNothingSent(before);
  });

  it('refuses a bulk it may not send, and takes one it may', async () => {
    const before = (await recorded()).length;
    const refused = await h.client.call('POST', '/v1/bulk', { json: { text: 'Kampanya', iysType: 'CAMPAIGN', sender: 'ROTAOTP', recipients: [NUMBERS.approved] } });
    expect(refused.status).toBe(400);
    expect(refused.body.issues).toEqual([{ path: 'iysType', reason: expect.stringContaining('may send only NOTIFICATION') }]);
    await expectNothingSent(before);

    const taken = await h.client.call('POST', '/v1/bulk', { json: { text: 'Duyuru', iysType: 'NOTIFICATION', sender: 'ROTAOTP', recipients: [NUMBERS.approved, NUMBERS.other] } });
    expect(taken.status).toBe(202);
    expect((await recorded()).filter((record) => record.bulkId === taken.body.bulkId).map((record) => record.sender)).toEqual(['ROTAOTP', 'ROTAOTP']);
  });

  it('answers a repeat of a request taken before the key was narrowed with its record or bulk, not "nothing was sent"; a new one is refused', async () => {
    const keyed = { ...message, idempotencyKey: 'before-narrowing-1' };
    const first = await h.client.send(keyed);
    expect(first.status).toBe(202);
    const bulk = { text: 'Duyuru', iysType: 'NOTIFICATION', sender: 'ROTAOTP', recipients: [NUMBERS.other], idempotencyKey: 'bulk-before-narrowing-1' };
    const firstBulk = await h.client.call('POST', '/v1/bulk', { json: bulk });
    expect(firstBulk.status).toBe(202);
    const batch = { messages: [{ ...message, idempotencyKey: 'batch-before-narrowing-1' }] };
    const firstBatch = await h.client.call('POST', '/v1/messages/batch', { json: batch });
    expect(firstBatch.status).toBe(200);

    const restore = narrowedTo({ ...restricted.allowed, senders: ['ROTA'] });
    try {
      const repeat = await h.client.send(keyed);
      expect(repeat.status).toBe(202);
      expect(repeat.body.id).toBe(first.body.id);
      expect((await h.client.call('POST', '/v1/bulk', { json: bulk })).body.bulkId).toBe(firstBulk.body.bulkId);
      expect((await h.client.call('POST', '/v1/messages/batch', { json: batch })).body.results[0].id).toBe(firstBatch.body.results[0].id);
      const fresh = await h.client.send({ ...keyed, idempotencyKey: 'after-narrowing-1' });
      expect(fresh.status).toBe(400);
      expect(fresh.body.issues).toEqual([{ path: 'sender', reason: expect.stringContaining("is not one of this API key's senders (ROTA;") }]);
    } finally {
      restore();
    }
  });

  it('answers a repeat whose callbackUrl the client no longer allows with its record, and refuses a new one', async () => {
    const previous = h.config.current;
    const withHooks = (allowedUrls: string[]) => {
      const webhook = { url: 'https://hooks.example/default', secret: 'w'.repeat(32), allowedUrls };
      h.config.current = { ...previous, gateway: { ...previous.gateway, apiKeys: [{ ...restricted, webhook }, unrestricted] } } as typeof previous;
    };
    try {
      withHooks(['https://hooks.example/orders']);
      const keyed = { ...message, idempotencyKey: 'hooked-1', callbackUrl: 'https://hooks.example/orders/7' };
      const first = await h.client.send(keyed);
      expect(first.status).toBe(202);
      withHooks(['https://hooks.example/elsewhere']);
      expect((await h.client.send(keyed)).body.id).toBe(first.body.id);
      const batched = await h.client.call('POST', '/v1/messages/batch', { json: { messages: [keyed, { ...keyed, idempotencyKey: 'hooked-2' }] } });
      expect(batched.status).toBe(400);
      expect(batched.body.issues).toEqual([{ path: 'messages.1.callbackUrl', reason: expect.stringContaining('allowed webhook URLs') }]);
    } finally {
      h.config.current = previous;
    }
  });

  it('leaves a client without `allowed` free, and follows a reload at once', async () => {
    const free = await h.client.send({ ...message, sender: 'ROTA', otp: true }, SECRETS.otherApiKey);
    expect(free.status).toBe(202);
    expect(free.body).toMatchObject({ status: 'accepted', sender: 'ROTA' });

    const restore = narrowedTo(undefined);
    try {
      expect((await h.client.send({ ...message, sender: 'ROTA', otp: true })).status).toBe(202);
    } finally {
      restore();
    }
    expect((await h.client.send({ ...message, sender: 'ROTA' })).status).toBe(400);
  });
});
