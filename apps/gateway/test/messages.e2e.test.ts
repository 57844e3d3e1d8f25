import { decodeMessageId } from '../src/http/message-id.js';
import { NUMBERS, startHarness, type Harness } from './support/harness.js';

describe('sending through the gateway to FigenSoft (sandbox, over loopback)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());
  beforeEach(() => h.sandbox.clearRecords());

  it('sends a NOTIFICATION through the NOTIFICATION account and answers 202 with an id', async () => {
    const answer = await h.client.send({ to: '0532 123 45 67', text: 'Siparişiniz yola çıktı', iysType: 'NOTIFICATION' });
    expect(answer.status).toBe(202);
    expect(answer.body).toMatchObject({ status: 'accepted', to: NUMBERS.approved, providerId: 'figensoft', accountId: 'figensoft-notification', segments: 1 });
    expect(answer.body.encoding).toBe('GSM7_TURKISH_SHIFT');
    expect(typeof answer.body.id).toBe('string');

    const records = h.sandbox.records();
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ username: 'rota-notify', iysType: 'NOTIFICATION', receiver: NUMBERS.approvedWire, originator: 'ROTA' });
    expect(records[0]!.messageId).toBe(answer.body.providerMessageId);
  });

  it('sends a CAMPAIGN message through the CAMPAIGN account', async () => {
    const answer = await h.client.send({ to: NUMBERS.approved, text: 'Kampanya: %20 indirim', iysType: 'CAMPAIGN', recipientType: 'BIREYSEL' });
    expect(answer.status).toBe(202);
    expect(answer.body).toMatchObject({ status: 'accepted', accountId: 'figensoft-campaign' });
    const records = h.sandbox.records();
    expect(records.map((r) => [r.username, r.iysType])).toEqual([['rota-campaign', 'CAMPAIGN']]);
  });

  it('reads the delivery status of an accepted message through its opaque id', async () => {
    const sent = await h.client.send({ to: NUMBERS.other, text: 'Faturanız hazır', iysType: 'NOTIFICATION' });
    expect(sent.status).toBe(202);
    const locator = decodeMessageId(sent.body.id);
    expect(locator).toEqual({ providerId: 'figensoft', accountId: 'figensoft-notification', providerMessageId: sent.body.providerMessageId });

    const status = await h.client.call('GET', `/v1/messages/${sent.body.id}`);
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({ id: sent.body.id, providerId: 'figensoft', accountId: 'figensoft-notification', providerMessageId: sent.body.providerMessageId });
    expect(['queued', 'sending', 'sent', 'delivered']).toContain(status.body.state);
    expect(typeof status.body.final).toBe('boolean');
  });

  it('answers 400 for an id it never issued and 404 for a provider that is not configured', async () => {
    const garbage = await h.client.call('GET', '/v1/messages/not-an-id');
    expect(garbage.status).toBe(400);
    expect(garbage.body.issues).toEqual([{ path: 'id', reason: 'is not a Rota message id' }]);
    const foreign = Buffer.from(JSON.stringify(['r1', 'nowhere', 'acc', 'x1'])).toString('base64url');
    const missing = await h.client.call('GET', `/v1/messages/${foreign}`);
    expect(missing.status).toBe(404);
    expect(missing.body.message).toContain('nowhere');
  });

  it('sends a batch and answers one result per message, in order', async () => {
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
    expect(answer.body.summary).toEqual({ accepted: 4, rejected: 0, failed: 0, unknown: 0 });
    expect(results.every((r) => typeof r.id === 'string')).toBe(true);

    // IYS refuses the opted-out number after acceptance: the delivery status says so.
    const refused = await h.client.call('GET', `/v1/messages/${results[3]!.id}`);
    expect(refused.status).toBe(200);
    expect(refused.body).toMatchObject({ accountId: 'figensoft-campaign', final: true, reason: 'opted-out' });

    const byUser = h.sandbox.records().map((r) => `${r.username}:${r.receiver}`).sort();
    expect(byUser).toEqual(['rota-campaign:905321234567', 'rota-campaign:905559998877', 'rota-notify:905321234567', 'rota-notify:905551112233']);
  });

  it('never sends the same idempotencyKey twice', async () => {
    const message = { to: NUMBERS.other, text: 'Tek sefer', iysType: 'NOTIFICATION', idempotencyKey: 'order-42-shipped' };
    const first = await h.client.send(message);
    const second = await h.client.send(message);
    expect(first.status).toBe(202);
    expect(second.body.providerMessageId).toBe(first.body.providerMessageId);
    expect(h.sandbox.records()).toHaveLength(1);
  });

  it('answers 503 when no provider can take the message, with the trail', async () => {
    h.router.forceBreaker('figensoft', 'figensoft-notification', 'open');
    try {
      const answer = await h.client.send({ to: NUMBERS.other, text: 'Kodunuz: 9999', iysType: 'NOTIFICATION' });
      expect(answer.status).toBe(503);
      expect(answer.body.status).toBe('failed');
      expect(answer.body.attempts).toEqual([expect.objectContaining({ providerId: 'figensoft', outcome: 'skipped' })]);
      expect(h.sandbox.records()).toHaveLength(0);
    } finally {
      h.router.forceBreaker('figensoft', 'figensoft-notification', 'auto');
    }
  });
});
