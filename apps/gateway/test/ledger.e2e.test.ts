import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Sandbox } from '@rota/figensoft-sandbox';
import { stringify } from 'yaml';
import { startGateway, type RunningGateway } from '../src/http/gateway-server.js';
import { captureLogs, figensoftSettings, GatewayClient, NUMBERS, SECRETS, startHarness, startTestSandbox, type Harness } from './support/harness.js';

async function until<T>(check: () => Promise<T | undefined>, what: string): Promise<T> {
  for (let i = 0; i < 400; i++) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`gave up waiting: ${what}`);
}

const admin = { key: SECRETS.adminToken };

describe('bulks, resends and erasure over HTTP', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ gateway: { maxBulkRecipients: 1_000 } });
  });
  afterAll(() => h.close());
  beforeEach(() => h.sandbox.clearRecords());

  const numbers = (count: number) => Array.from({ length: count }, (_, i) => `+90532${String(1_000_000 + i).padStart(7, '0')}`);

  it('takes a bulk whole (202 once every record is durable), sends it in provider-sized requests, and reports progress by state', async () => {
    const recipients = numbers(900);
    const answer = await h.client.call('POST', '/v1/bulk', { json: { text: 'Kış indirimi başladı', iysType: 'NOTIFICATION', recipients, reference: 'winter' } });
    expect(answer.status).toBe(202);
    expect(answer.body).toEqual({ bulkId: expect.stringMatching(/^blk_/), count: 900, status: 'queued' });
    const { bulkId } = answer.body;
    const done = await until(async () => {
      const progress = await h.client.call('GET', `/v1/bulk/${bulkId}`);
      return progress.body.byState?.accepted === 900 ? progress.body : undefined;
    }, 'every recipient accepted');
    expect(done).toMatchObject({ bulkId, count: 900 });
    expect(h.sandbox.records()).toHaveLength(900);
    expect(h.sandbox.requestCount()).toBeGreaterThanOrEqual(2); // 800 + 100: FigenSoft's limit per request

    const listed = await h.client.call('GET', `/v1/messages?bulkId=${bulkId}&limit=5`);
    expect(listed.body.items).toHaveLength(5);
    expect(listed.body.items[0]).toMatchObject({ bulkId, reference: 'winter', status: 'accepted' });
    expect((await h.client.call('GET', `/v1/bulk/${bulkId}`, { key: SECRETS.otherApiKey })).status).toBe(404);
  });

  it('refuses a bulk with one bad number whole, naming recipients.N; and one over the limit', async () => {
    const bad = await h.client.call('POST', '/v1/bulk', { json: { text: 'x', iysType: 'NOTIFICATION', recipients: [...numbers(3), '12'] } });
    expect(bad.status).toBe(400);
    expect(bad.body.issues).toEqual([{ path: 'recipients.3', reason: expect.any(String) }]);
    const big = await h.client.call('POST', '/v1/bulk', { json: { text: 'x', iysType: 'NOTIFICATION', recipients: numbers(1_001) } });
    expect(big.status).toBe(400);
    expect(big.body.issues).toEqual([{ path: 'recipients', reason: 'must hold at most 1000 numbers (got 1001)' }]);
    // Every number bad, and the text: the answer lists the first 1,000 issues and counts the rest (a 100,000-number bulk made 11 MB).
    const allBad = await h.client.call('POST', '/v1/bulk', { json: { text: '', iysType: 'NOTIFICATION', recipients: Array.from({ length: 1_000 }, () => '12') } });
    expect(allBad.status).toBe(400);
    expect(allBad.body.issues).toHaveLength(1_000);
    expect(allBad.body.message).toBe('the bulk is invalid; nothing was recorded or sent (1 more issue(s) not listed)');
    // One number twice, in two of its forms: it would get the bulk twice.
    const twice = await h.client.call('POST', '/v1/bulk', { json: { text: 'x', iysType: 'NOTIFICATION', recipients: ['+905321234567', '05551112233', '0532 123 45 67'] } });
    expect(twice.status).toBe(400);
    expect(twice.body.issues).toEqual([{ path: 'recipients.2', reason: 'repeats recipients.0 (the same number): a bulk names each number once' }]);
    const none = await h.client.call('POST', '/v1/bulk', { json: { text: 'x', iysType: 'NOTIFICATION' } });
    expect(none.body.issues).toEqual([{ path: 'recipients', reason: 'is required (an array of phone numbers)' }]);
    expect(h.sandbox.records()).toHaveLength(0);
  });

  it('keeps a bulk idempotency key: the same bulk is answered again, another bulk under it is 409', async () => {
    const body = { text: 'Tek kampanya', iysType: 'NOTIFICATION', recipients: numbers(3), idempotencyKey: 'campaign-2030-01' };
    const first = await h.client.call('POST', '/v1/bulk', { json: body });
    const again = await h.client.call('POST', '/v1/bulk', { json: body });
    expect(again.body.bulkId).toBe(first.body.bulkId);
    const other = await h.client.call('POST', '/v1/bulk', { json: { ...body, recipients: numbers(4) } });
    expect(other.status).toBe(409);
    await until(async () => (h.sandbox.records().length === 3 ? true : undefined), 'the bulk sent once');
  });

  it('takes the Idempotency-Key header as the idempotencyKey of a message or a bulk; refuses it on a batch, twice, or against a different body key', async () => {
    const message = { to: numbers(1)[0], text: 'Başlıkla bir kez', iysType: 'NOTIFICATION' };
    const send = (headers: Record<string, string>, json: unknown = message, path = '/v1/messages') => h.client.call('POST', path, { json, headers });
    const first = await send({ 'idempotency-key': 'header-1' });
    const again = await send({ 'idempotency-key': 'header-1' });
    expect([first.status, again.status, again.body.id]).toEqual([202, 202, first.body.id]);
    // The same key in the body is the same key: one message.
    expect((await send({}, { ...message, idempotencyKey: 'header-1' })).body.id).toBe(first.body.id);
    expect((await send({ 'idempotency-key': 'header-1' }, { ...message, text: 'Başka metin' })).status).toBe(409);

    const differs = await send({ 'idempotency-key': 'header-2' }, { ...message, idempotencyKey: 'body-2' });
    expect([differs.status, differs.body.issues]).toEqual([400, [{ path: 'Idempotency-Key', reason: expect.stringContaining("differs from the body's idempotencyKey") }]]);
    const tooLong = await send({ 'idempotency-key': 'k'.repeat(201) });
    expect([tooLong.status, tooLong.body.issues]).toEqual([400, [{ path: 'Idempotency-Key', reason: 'must be at most 200 characters' }]]);
    // Bytes past ASCII (a UTF-8 key sent as it is): Node reads header bytes as Latin-1, so the key was another than the
    // same one in the body, and the two sent twice. Refused, saying where such a key goes.
    const utf8 = await send({ 'idempotency-key': Buffer.from('anahtar-şğü').toString('latin1') });
    expect([utf8.status, utf8.body.issues]).toEqual([400, [{ path: 'Idempotency-Key', reason: expect.stringContaining('printable ASCII') }]]);
    const batch = await send({ 'idempotency-key': 'header-3' }, { messages: [message] }, '/v1/messages/batch');
    expect([batch.status, batch.body.issues[0].path]).toEqual([400, 'Idempotency-Key']);

    const bulk = { text: 'Başlıklı kampanya', iysType: 'NOTIFICATION', recipients: numbers(2) };
    const bulkFirst = await send({ 'idempotency-key': 'header-bulk' }, bulk, '/v1/bulk');
    const bulkAgain = await send({ 'idempotency-key': 'header-bulk' }, bulk, '/v1/bulk');
    expect([bulkFirst.status, bulkAgain.body.bulkId]).toEqual([202, bulkFirst.body.bulkId]);
    await until(async () => (h.sandbox.records().length === 3 ? true : undefined), 'the message and the bulk each sent once');
  });

  it('answers 409 bulk-recording with Retry-After when another gateway on the ledger file still records the same bulk', async () => {
    // The ledger's side (a second connection holding the bulk `recording`) is in packages/ledger's bulk-recording test.
    const recordBulk = h.ledger.store.recordBulk.bind(h.ledger.store);
    h.ledger.store.recordBulk = async () => ({ kind: 'recording', bulkId: 'blk_elsewhere' });
    try {
      const answer = await h.client.call('POST', '/v1/bulk', { json: { text: 'Bahar', iysType: 'NOTIFICATION', recipients: numbers(2), idempotencyKey: 'spring' } });
      expect(answer.status).toBe(409);
      expect(answer.headers['retry-after']).toBe('5');
      expect(answer.body).toEqual({ error: 'bulk-recording', message: expect.stringContaining('still being recorded'), bulkId: 'blk_elsewhere' });
    } finally {
      h.ledger.store.recordBulk = recordBulk;
    }
    expect(h.sandbox.records()).toHaveLength(0);
  });

  it('lets the admin resend an unknown message as a new linked record, and nothing else', async () => {
    h.sandbox.injectFault({ kind: 'reset', afterAccept: true });
    const unknown = await h.client.send({ to: NUMBERS.other, text: 'Belki gitti', iysType: 'NOTIFICATION' });
    h.sandbox.clearFaults();
    expect(unknown.body.status).toBe('unknown');
    expect((await h.client.call('POST', `/v1/messages/${unknown.body.id}/resend`)).status).toBe(403); // a send key
    // A body, if any, is { force?: boolean }: anything else is named, and nothing is sent.
    const badForce = await h.client.call('POST', `/v1/messages/${unknown.body.id}/resend`, { ...admin, json: { force: 'yes', again: true } });
    expect(badForce).toMatchObject({ status: 400, body: { error: 'invalid-request' } });
    expect(badForce.body.issues.map((issue: { path: string }) => issue.path).sort()).toEqual(['again', 'force']);
    // No body, here sent empty under a JSON Content-Type (a client that sets the header on every request): the defaults.
    const resent = await h.client.call('POST', `/v1/messages/${unknown.body.id}/resend`, { ...admin, raw: '', headers: { 'content-type': 'application/json' } });
    expect(resent.status).toBe(202);
    expect(resent.body).toMatchObject({ resendOf: unknown.body.id, owner: 'campaign-service', status: 'queued' });
    // Once: a second click is answered the first copy, and nothing more is queued.
    const clickedAgain = await h.client.call('POST', `/v1/messages/${unknown.body.id}/resend`, admin);
    expect(clickedAgain).toMatchObject({ status: 200, body: { id: resent.body.id, resendOf: unknown.body.id } });
    expect((await h.client.call('GET', `/v1/messages?to=${encodeURIComponent(NUMBERS.other)}`, admin)).body.items.filter((item: { resendOf?: string }) => item.resendOf === unknown.body.id)).toHaveLength(1);
    await until(async () => ((await h.client.call('GET', `/v1/messages/${resent.body.id}`)).body.status === 'accepted' ? true : undefined), 'the resend accepted');
    const again = await h.client.call('POST', `/v1/messages/${resent.body.id}/resend`, admin);
    expect(again).toMatchObject({ status: 409, body: { error: 'not-resendable' } });
  });

  it('erases every record of a number for the admin (KVKK), whoever sent it', async () => {
    const number = '+905339990011';
    await h.client.send({ to: number, text: 'Sil beni', iysType: 'NOTIFICATION' });
    await h.client.send({ to: number, text: 'Beni de', iysType: 'NOTIFICATION' }, SECRETS.otherApiKey);
    expect((await h.client.call('DELETE', `/v1/numbers/${encodeURIComponent(number)}/messages`)).status).toBe(403);
    const erased = await h.client.call('DELETE', `/v1/numbers/${encodeURIComponent('0533 999 00 11')}/messages`, admin);
    expect(erased).toMatchObject({ status: 200, body: { erased: 2 } });
    expect((await h.client.call('GET', `/v1/messages?to=${encodeURIComponent(number)}`, admin)).body.items).toEqual([]);
    expect(h.logs.text()).not.toContain(number);
  });

  it("never sends an erased message again: a retry under its key answers 410, alone or in a batch, and records nothing", async () => {
    const number = '+905339990012';
    const keyed = { to: number, text: 'Siparişiniz yolda', iysType: 'NOTIFICATION', idempotencyKey: 'order-erased' };
    const sent = (n: number) => async () => (h.sandbox.records().filter((record) => record.text === keyed.text).length === n ? true : undefined);
    expect((await h.client.send(keyed)).status).toBe(202);
    await until(sent(1), 'the message sent');
    expect((await h.client.call('DELETE', `/v1/numbers/${encodeURIComponent(number)}/messages`, admin)).body).toEqual({ erased: 1 });

    const retried = await h.client.send(keyed);
    expect(retried).toMatchObject({ status: 410, body: { error: 'message-erased' } });
    expect(JSON.stringify(retried.body)).not.toContain(number);
    const batch = await h.client.call('POST', '/v1/messages/batch', { json: { messages: [{ ...keyed, idempotencyKey: 'order-new' }, keyed] } });
    expect(batch).toMatchObject({ status: 409, body: { error: 'idempotency-conflict', issues: [{ path: 'messages.1.idempotencyKey', reason: expect.stringMatching(/erased/) }] } });
    // Another client's key of the same name is its own.
    expect((await h.client.send(keyed, SECRETS.otherApiKey)).status).toBe(202);
    await until(sent(2), "the other client's message sent");
    expect((await h.client.call('GET', `/v1/messages?to=${encodeURIComponent(number)}`, admin)).body.items).toHaveLength(1);
  });

  it('keeps one key space for /v1/messages and /v1/bulk: a key sends once whichever route is used, an erased one never again', async () => {
    const number = '+905339990013';
    const text = 'Tek anahtar';
    const sends = () => h.sandbox.records().filter((record) => record.text === text).length;
    const single = await h.client.send({ to: number, text, iysType: 'NOTIFICATION', idempotencyKey: 'one-key' });
    expect(single.status).toBe(202);
    await until(async () => (sends() === 1 ? true : undefined), 'the message sent');
    const bulk = await h.client.call('POST', '/v1/bulk', { json: { text, iysType: 'NOTIFICATION', recipients: [number], idempotencyKey: 'one-key' } });
    expect(bulk).toMatchObject({ status: 409, body: { error: 'idempotency-conflict', existingId: single.body.id } });

    const firstBulk = await h.client.call('POST', '/v1/bulk', { json: { text, iysType: 'NOTIFICATION', recipients: ['+905339990014'] }, headers: { 'idempotency-key': 'bulk-key' } });
    expect(firstBulk.status).toBe(202);
    const asMessage = await h.client.send({ to: '+905339990014', text, iysType: 'NOTIFICATION', idempotencyKey: 'bulk-key' });
    expect(asMessage).toMatchObject({ status: 409, body: { error: 'idempotency-conflict', existingId: firstBulk.body.bulkId } });

    // The probe's case: a message, its number erased, then a bulk under the message's key.
    expect((await h.client.call('DELETE', `/v1/numbers/${encodeURIComponent(number)}/messages`, admin)).body).toEqual({ erased: 1 });
    const afterErasure = await h.client.call('POST', '/v1/bulk', { json: { text, iysType: 'NOTIFICATION', recipients: [number], idempotencyKey: 'one-key' } });
    expect(afterErasure).toMatchObject({ status: 410, body: { error: 'message-erased' } });
    await until(async () => (sends() === 2 ? true : undefined), 'the first bulk sent');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(h.sandbox.records().filter((record) => record.text === text).map((record) => record.receiver).sort()).toEqual(['905339990013', '905339990014']);
  });

  it('measures the queue and the records for Prometheus', async () => {
    const metrics = await h.client.call('GET', '/metrics', { key: null });
    expect(metrics.text).toMatch(/rota_queue_depth\{priority="otp"\} \d+/);
    expect(metrics.text).toMatch(/rota_queue_oldest_age_seconds \d/);
    expect(metrics.text).toMatch(/rota_messages_by_state\{state="accepted"\} [1-9]/);
  });
});

describe('the embedded store across restarts', () => {
  let dir: string;
  let sandbox: Sandbox;
  let gateway: RunningGateway | undefined;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rota-ledger-'));
    sandbox = await startTestSandbox();
  });
  afterEach(async () => {
    await gateway?.close();
    gateway = undefined;
  });
  afterAll(async () => {
    await sandbox.close();
    await rm(dir, { recursive: true, force: true });
  });

  const start = async (folder: string) => {
    const file = join(dir, `${folder}.yaml`);
    await writeFile(
      file,
      stringify({
        providers: [{ type: 'figensoft', settings: figensoftSettings(sandbox.url) }],
        gateway: { listen: { host: '127.0.0.1', port: 0 }, apiKeys: [{ name: 'campaign-service', key: SECRETS.apiKey }], adminToken: SECRETS.adminToken },
        store: { kind: 'sqlite', path: `${folder}/rota.db` },
      }),
    );
    gateway = await startGateway({ configPath: file, watch: false, logger: captureLogs().logger });
    return { gateway, client: new GatewayClient(gateway.url), file };
  };

  it('keeps an idempotency key across a restart: the same key never sends twice (before: twice)', async () => {
    sandbox.clearRecords();
    const message = { to: NUMBERS.other, text: 'Bir kez', iysType: 'NOTIFICATION', idempotencyKey: 'restart-42' };
    const first = await start('restart');
    const sent = await first.client.send(message);
    expect(sent.status).toBe(202);
    await first.client.close();
    await first.gateway.close();
    gateway = undefined;

    const second = await start('restart');
    const again = await second.client.send(message);
    expect(again.body).toMatchObject({ id: sent.body.id, status: 'accepted', providerMessageId: sent.body.providerMessageId });
    expect((await second.client.call('GET', `/v1/messages/${sent.body.id}`)).status).toBe(200); // before: old ids answered not found
    expect(sandbox.records()).toHaveLength(1);
    await second.client.close();
  });

  it('refuses a second process on the same data folder (one embedded store, one process)', async () => {
    await start('locked');
    const file = join(dir, 'locked.yaml');
    const other = await startGateway({ configPath: file, watch: false, logger: captureLogs().logger }).catch((error: unknown) => error);
    expect(other).toBeInstanceOf(Error);
    expect((other as Error).message).toMatch(/the data folder .*locked is in use by a running Rota \(pid \d+\)/);
    // A lock left by a process that is gone (kill -9) is taken over.
    await gateway!.close();
    gateway = undefined;
    await writeFile(join(dir, 'locked', 'rota.lock'), '999999999\n');
    await start('locked');
  });

  it('never writes an OTP text to the data folder, and does write the others (so this check can fail)', async () => {
    const { client } = await start('otp');
    await client.send({ to: NUMBERS.other, text: 'Kodunuz 5Q7Z-OTP-SECRET', iysType: 'NOTIFICATION', otp: true });
    await client.send({ to: NUMBERS.other, text: 'Sipariş PLAIN-TEXT-VISIBLE', iysType: 'NOTIFICATION' });
    await client.close();
    await gateway!.close();
    gateway = undefined;
    const folder = join(dir, 'otp');
    const bytes = Buffer.concat(await Promise.all((await readdir(folder)).map((name) => readFile(join(folder, name)))));
    expect(bytes.includes('5Q7Z-OTP-SECRET')).toBe(false);
    expect(bytes.includes('PLAIN-TEXT-VISIBLE')).toBe(true);
  });
});
