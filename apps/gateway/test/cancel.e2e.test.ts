import { BulkRepeatEndedSchema } from '@rota/api';
import { daysAhead, NUMBERS, SECRETS, startHarness, type Harness } from './support/harness.js';

// A message scheduled for later, or what of a campaign has not gone out yet,
// taken back through the API: canceled, final, never sent.

const LATER = daysAhead(30);

describe('canceling queued messages', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());
  beforeEach(() => h.sandbox.clearRecords());

  it('takes no body: one with a field is refused naming it, and nothing is canceled; an empty body under a JSON Content-Type is no body', async () => {
    const sent = await h.client.send({ to: NUMBERS.other, text: 'Sonra', iysType: 'NOTIFICATION', sendAt: LATER });
    const path = `/v1/messages/${sent.body.id}/cancel`;
    const refused = await h.client.call('POST', path, { json: { force: true } });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ error: 'invalid-request', message: 'this request takes no body; nothing was done', issues: [{ path: 'force', reason: 'is not a field of this request: it takes no body' }] });
    expect((await h.client.call('POST', path, { json: ['x'] })).body.issues).toEqual([{ path: '(root)', reason: expect.stringContaining('must be absent') }]);
    expect((await h.client.call('GET', `/v1/messages/${sent.body.id}`)).body.status).toBe('queued');
    // The same on the other routes without a body.
    const noBody = { error: 'invalid-request', message: 'this request takes no body; nothing was done' };
    expect(await h.client.call('POST', '/v1/bulk/blk_x/cancel', { json: { all: true } })).toMatchObject({ status: 400, body: { ...noBody, issues: [{ path: 'all' }] } });
    expect(await h.client.call('POST', '/v1/webhooks/events/evt_x/redeliver', { json: { now: 1 } })).toMatchObject({ status: 400, body: { ...noBody, issues: [{ path: 'now' }] } });

    const headerOnly = await h.client.call('POST', path, { raw: '', headers: { 'content-type': 'application/json' } });
    expect(headerOnly).toMatchObject({ status: 200, body: { status: 'canceled' } });
    expect(await h.client.call('POST', path, { json: {} })).toMatchObject({ status: 200, body: { status: 'canceled' } });
  });

  it('cancels a scheduled message for its client: 200 canceled, on its timeline; again 200; a repeat under its key answers it', async () => {
    const message = { to: NUMBERS.other, text: 'Yarın görüşelim', iysType: 'NOTIFICATION', sendAt: LATER, idempotencyKey: 'meeting-1' };
    const sent = await h.client.send(message);
    expect(sent.body).toMatchObject({ status: 'queued' });
    const path = `/v1/messages/${sent.body.id}/cancel`;

    expect((await h.client.call('POST', path, { key: SECRETS.otherApiKey })).status).toBe(404);
    const canceled = await h.client.call('POST', path);
    expect(canceled.status).toBe(200);
    expect(canceled.body).toMatchObject({ id: sent.body.id, status: 'canceled', reason: 'canceled by its client before it was sent' });
    const read = await h.client.call('GET', `/v1/messages/${sent.body.id}`);
    expect(read.body.timeline).toEqual([expect.objectContaining({ kind: 'state', state: 'canceled', source: 'cancel' })]);
    // A retried cancel, and a retried send under the key, answer the canceled message: nothing is sent.
    expect(await h.client.call('POST', path)).toMatchObject({ status: 200, body: { status: 'canceled' } });
    expect(await h.client.send(message)).toMatchObject({ status: 200, body: { id: sent.body.id, status: 'canceled' } });
    expect(h.sandbox.records()).toEqual([]);
  });

  it("lets the admin token cancel any client's message, and refuses one that is sent already with 409", async () => {
    const scheduled = await h.client.send({ to: NUMBERS.other, text: 'Kampanya', iysType: 'NOTIFICATION', sendAt: LATER });
    const byOperator = await h.client.call('POST', `/v1/messages/${scheduled.body.id}/cancel`, { key: SECRETS.adminToken });
    expect(byOperator.body).toMatchObject({ status: 'canceled', reason: 'canceled by an operator before it was sent' });

    const sent = await h.client.send({ to: NUMBERS.other, text: 'Şimdi', iysType: 'NOTIFICATION' });
    expect(sent.body.status).toBe('accepted');
    const refused = await h.client.call('POST', `/v1/messages/${sent.body.id}/cancel`);
    expect(refused.status).toBe(409);
    expect(refused.body).toEqual({ error: 'not-cancelable', message: expect.stringContaining('the message is accepted') });
    expect((await h.client.call('POST', '/v1/messages/msg_AAAAAAAAAAAAAAAAAAAAAA/cancel')).status).toBe(404);
  });

  it("cancels a scheduled bulk's records for its client; another client's call answers 404; a repeat under its key answers it ended", async () => {
    const request = { json: { text: 'Hafta sonu indirimi', iysType: 'NOTIFICATION', sendAt: LATER, recipients: ['+905321234501', '+905321234502', '+905321234503'] }, headers: { 'idempotency-key': 'weekend-1' } };
    const bulk = await h.client.call('POST', '/v1/bulk', request);
    expect(bulk.status).toBe(202);
    expect(await h.client.call('POST', '/v1/bulk', request)).toMatchObject({ status: 202, body: { bulkId: bulk.body.bulkId, count: 3, status: 'queued' } });
    // One recipient taken back on its own: the rest is still going, and a repeat says so.
    const [first] = (await h.client.call('GET', `/v1/messages?bulkId=${bulk.body.bulkId}&limit=1`)).body.items;
    expect((await h.client.call('POST', `/v1/messages/${first.id}/cancel`)).status).toBe(200);
    expect(await h.client.call('POST', '/v1/bulk', request)).toMatchObject({ status: 202, body: { status: 'queued' } });
    const path = `/v1/bulk/${bulk.body.bulkId}/cancel`;
    expect((await h.client.call('POST', path, { key: SECRETS.otherApiKey })).status).toBe(404);
    const canceled = await h.client.call('POST', path);
    expect(canceled.status).toBe(200);
    expect(canceled.body).toMatchObject({ bulkId: bulk.body.bulkId, count: 3, canceled: 2, byState: { canceled: 3, queued: 0 }, erased: 0 });
    expect((await h.client.call('POST', path)).body).toMatchObject({ canceled: 0, byState: { canceled: 3 } });
    expect((await h.client.call('GET', `/v1/bulk/${bulk.body.bulkId}`)).body.byState.canceled).toBe(3);
    // A client retrying after a lost answer is told the truth, not "queued".
    const repeat = await h.client.call('POST', '/v1/bulk', request);
    expect(repeat).toMatchObject({ status: 200, body: { bulkId: bulk.body.bulkId, count: 3, status: 'completed', byState: { canceled: 3 } } });
    expect(BulkRepeatEndedSchema.strict().parse(repeat.body)).toEqual(repeat.body);
    expect(h.sandbox.records()).toEqual([]);
  });

  it('answers a repeat of a bulk sent whole as completed, with its counts: nothing is sent again', async () => {
    const request = { json: { text: 'Siparişiniz yolda', iysType: 'NOTIFICATION', recipients: ['+905321234511', '+905321234512'] }, headers: { 'idempotency-key': 'shipped-1' } };
    const bulk = await h.client.call('POST', '/v1/bulk', request);
    expect(bulk.status).toBe(202);
    for (let i = 0; i < 200 && (await h.client.call('GET', `/v1/bulk/${bulk.body.bulkId}`)).body.byState.accepted !== 2; i++) await new Promise((resolve) => setTimeout(resolve, 25));
    const repeat = await h.client.call('POST', '/v1/bulk', request);
    expect(repeat).toMatchObject({ status: 200, body: { bulkId: bulk.body.bulkId, count: 2, status: 'completed', byState: { accepted: 2 } } });
    expect(h.sandbox.records()).toHaveLength(2);
  });
});
