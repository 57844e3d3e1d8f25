import { daysAhead, NUMBERS, startHarness, type Harness } from './support/harness.js';

/*
 * gateway.maxScheduleDays: how far ahead a sendAt may be. A year typed wrong
 * would otherwise wait in the queue for decades, its idempotency key held.
 */
describe('schedule horizon: a sendAt beyond gateway.maxScheduleDays is refused, naming the field and the limit', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ gateway: { maxScheduleDays: 30 } });
  });
  afterAll(() => h.close());
  beforeEach(() => h.sandbox.clearRecords());

  const message = { to: NUMBERS.approved, text: 'Kampanya', iysType: 'NOTIFICATION' };
  const recordCount = async () => (await h.ledger.store.list({ limit: 500 })).items.length;
  const refusal = { path: 'sendAt', reason: 'must be at most 30 days ahead (gateway.maxScheduleDays)' };

  it('takes a message 29 days ahead and refuses one 31 days ahead, recording nothing of it', async () => {
    const taken = await h.client.send({ ...message, sendAt: daysAhead(29) });
    expect(taken.status).toBe(202);
    expect(taken.body).toMatchObject({ status: 'queued' });
    const before = await recordCount();
    const refused = await h.client.send({ ...message, sendAt: daysAhead(31) });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ error: 'invalid-request', issues: [refusal] });
    expect(await recordCount()).toBe(before);
    expect(h.sandbox.records()).toEqual([]);
  });

  it('refuses a whole batch for one message scheduled too far, naming that message, and a bulk likewise', async () => {
    const before = await recordCount();
    const batch = await h.client.call('POST', '/v1/messages/batch', { json: { messages: [message, { ...message, to: NUMBERS.other, sendAt: daysAhead(400) }] } });
    expect(batch.status).toBe(400);
    expect(batch.body.issues).toEqual([{ ...refusal, path: 'messages.1.sendAt' }]);
    const bulk = await h.client.call('POST', '/v1/bulk', { json: { text: 'Kampanya', iysType: 'NOTIFICATION', sendAt: daysAhead(31), recipients: [NUMBERS.approved, NUMBERS.other] } });
    expect(bulk.status).toBe(400);
    expect(bulk.body.issues).toEqual([refusal]);
    expect(await recordCount()).toBe(before);
    expect(h.sandbox.records()).toEqual([]);
  });

  it('answers a repeat of a message taken before the limit was lowered with its record; a new one is refused', async () => {
    const keyed = { ...message, sendAt: daysAhead(20), idempotencyKey: 'scheduled-before-lowering' };
    const first = await h.client.send(keyed);
    expect(first.status).toBe(202);
    const previous = h.config.current;
    h.config.current = { ...previous, gateway: { ...previous.gateway, maxScheduleDays: 10 } };
    try {
      const repeat = await h.client.send(keyed);
      expect(repeat.status).toBe(202);
      expect(repeat.body.id).toBe(first.body.id);
      const fresh = await h.client.send({ ...keyed, idempotencyKey: 'scheduled-after-lowering' });
      expect(fresh.status).toBe(400);
      expect(fresh.body.issues).toEqual([{ path: 'sendAt', reason: 'must be at most 10 days ahead (gateway.maxScheduleDays)' }]);
    } finally {
      h.config.current = previous;
    }
  });
});
