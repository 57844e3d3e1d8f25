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

  const message = { to: NUMBERS.approved, text: 'Siparişiniz yolda', iysType: 'NOTIFICATION' };
  const recorded = async () => (await h.ledger.store.list({ owner: 'campaign-service', limit: 100 })).items;
  /** Nothing reached the provider, and the client has no more records than `before`. */
  const expectNothingSent = async (before: number) => {
    expect(h.sandbox.records()).toEqual([]);
    expect(await recorded()).toHaveLength(before);
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

  it("sends a message that names no sender with the key's first one, never the account's own", async () => {
    const answer = await h.client.send(message);
    expect(answer.status).toBe(202);
    expect(answer.body).toMatchObject({ status: 'accepted', sender: 'ROTAOTP' });
    // Without the key's sender the sandbox's account would have used its first, ROTA.
    expect(h.sandbox.records().map((r) => r.originator)).toEqual(['ROTAOTP']);
    const named = await h.client.send({ ...message, sender: 'ROTAOTP' });
    expect(named.status).toBe(202);
  });

  it('refuses a whole batch for one message it may not send, naming that message', async () => {
    const before = (await recorded()).length;
    const answer = await h.client.call('POST', '/v1/messages/batch', { json: { messages: [message, { ...message, sender: 'ROTA' }, message] } });
    expect(answer.status).toBe(400);
    expect(answer.body.message).toBe('the batch is invalid; nothing was sent');
    expect(answer.body.issues).toEqual([{ path: 'messages.1.sender', reason: expect.stringContaining("is not one of this API key's senders") }]);
    await expectNothingSent(before);
  });

  it('refuses a bulk it may not send, and gives an allowed bulk the key’s sender', async () => {
    const before = (await recorded()).length;
    const refused = await h.client.call('POST', '/v1/bulk', { json: { text: 'Kampanya', iysType: 'CAMPAIGN', recipients: [NUMBERS.approved] } });
    expect(refused.status).toBe(400);
    expect(refused.body.issues).toEqual([{ path: 'iysType', reason: expect.stringContaining('may send only NOTIFICATION') }]);
    await expectNothingSent(before);

    const taken = await h.client.call('POST', '/v1/bulk', { json: { text: 'Duyuru', iysType: 'NOTIFICATION', recipients: [NUMBERS.approved, NUMBERS.other] } });
    expect(taken.status).toBe(202);
    const bulk = (await recorded()).filter((record) => record.bulkId === taken.body.bulkId);
    expect(bulk.map((record) => record.sender)).toEqual(['ROTAOTP', 'ROTAOTP']);
  });

  it('leaves a client without `allowed` free, and follows a reload at once', async () => {
    const free = await h.client.send({ ...message, sender: 'ROTA', otp: true }, SECRETS.otherApiKey);
    expect(free.status).toBe(202);
    expect(free.body).toMatchObject({ status: 'accepted', sender: 'ROTA' });

    const previous = h.config.current;
    h.config.current = { ...previous, gateway: { ...previous.gateway, apiKeys: [{ ...restricted, allowed: undefined }, unrestricted] } };
    try {
      expect((await h.client.send({ ...message, sender: 'ROTA', otp: true })).status).toBe(202);
    } finally {
      h.config.current = previous;
    }
    expect((await h.client.send({ ...message, sender: 'ROTA' })).status).toBe(400);
  });
});
