import { describe, expect, it } from '@jest/globals';
import { DEFAULT_IDEMPOTENCY_RETENTION_MS, DEFAULT_RETENTION_MS, LedgerInputError, WholeCallConflictError, type LedgerStore, type MessageRecord, type NewMessage } from '../src/index.js';
import { bulkTemplate, message, numbers, openTestStore, TestClock } from './ledger-fixtures.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

async function recordOne(store: LedgerStore, entry: NewMessage): Promise<MessageRecord> {
  const [outcome] = await store.recordMessages([entry]);
  if (outcome?.kind !== 'created') throw new Error('expected a new record');
  return outcome.record;
}
const failed = { status: 'failed' as const, reason: 'down', attempts: [] };

describe('stats', () => {
  it('counts the queue per priority, the longest wait of a due record, and every state', async () => {
    const clock = new TestClock();
    const store = await openTestStore(clock);
    expect(await store.stats(clock.now())).toEqual({
      queueDepth: { otp: 0, notification: 0, campaign: 0 },
      oldestQueuedAgeMs: 0,
      held: 0,
      byState: { queued: 0, dispatching: 0, accepted: 0, rejected: 0, failed: 0, unknown: 0, canceled: 0 },
    });

    const future = new Date(clock.now().getTime() + DAY);
    await store.recordMessages([
      { message: message({ to: '05321234561', iysType: 'CAMPAIGN' }), owner: 'acme' },
      { message: message({ to: '05321234562', iysType: 'CAMPAIGN', sendAt: future }), owner: 'acme' },
      { message: message({ to: '05321234563', otp: true }), owner: 'acme', state: 'dispatching' },
    ]);
    clock.advance(MINUTE);
    const done = await recordOne(store, { message: message({ to: '05321234564' }), owner: 'acme', state: 'dispatching' });
    await store.finish(done.id, failed);
    await store.recordMessages([{ message: message({ to: '05321234565' }), owner: 'acme' }]);
    clock.advance(2 * MINUTE);

    expect(await store.stats(clock.now())).toEqual({
      queueDepth: { otp: 0, notification: 1, campaign: 2 },
      // The campaign recorded three minutes ago; the scheduled one is not due yet and does not count.
      oldestQueuedAgeMs: 3 * MINUTE,
      held: 0,
      byState: { queued: 3, dispatching: 1, accepted: 0, rejected: 0, failed: 1, unknown: 0, canceled: 0 },
    });
    await store.close();
  });
  it('counts the records held for want of a route, and how long the first of them has been held though its next try is ahead', async () => {
    const clock = new TestClock();
    const store = await openTestStore(clock);
    const record = await recordOne(store, { message: message({ to: '05321234561' }), owner: 'acme' });
    const [claimed] = await store.claimDue({ now: clock.now(), limit: 10 });
    expect(claimed?.id).toBe(record.id);
    const hold = (first: boolean) => ({ id: record.id, reason: 'held until a route opens (…): no provider could send it', attempts: '[]', dueAt: clock.now().getTime() + 30 * MINUTE, heldSince: clock.now().getTime(), first });
    expect(await store.holdUnrouted([hold(true)])).toBe(1);
    const firstHold = clock.now();
    clock.advance(5 * MINUTE);
    // Its next try is 25 minutes ahead; it has waited 5 all the same.
    expect(await store.stats(clock.now())).toMatchObject({ queueDepth: { notification: 1 }, held: 1, oldestQueuedAgeMs: 5 * MINUTE });
    // Due again, claimed and held again: the first hold's time stays, and the timeline has one `held` step.
    clock.advance(26 * MINUTE);
    expect((await store.claimDue({ now: clock.now(), limit: 10 })).map((claimedAgain) => claimedAgain.id)).toEqual([record.id]);
    expect(await store.holdUnrouted([hold(false)])).toBe(1);
    expect(await store.get(record.id)).toMatchObject({ state: 'queued', heldSince: firstHold });
    expect((await store.timeline(record.id))!.map((step) => step.state)).toEqual(['held']);
    await store.close();
  });
});

describe('prune', () => {
  it('deletes finished records past the retention, never a queued or dispatching one, and bulks left empty', async () => {
    const clock = new TestClock();
    const store = await openTestStore(clock);
    const oldFinished = await recordOne(store, { message: message({ to: '05321234561' }), owner: 'acme', state: 'dispatching' });
    await store.finish(oldFinished.id, failed);
    const oldQueued = await recordOne(store, { message: message({ to: '05321234562', sendAt: '2099-01-01T00:00:00Z' }), owner: 'acme' });
    const oldSending = await recordOne(store, { message: message({ to: '05321234563' }), owner: 'acme', state: 'dispatching' });
    const emptied = await store.recordBulk({ template: bulkTemplate(), owner: 'acme', state: 'dispatching' }, numbers(2));
    const stillQueued = await store.recordBulk({ template: bulkTemplate({ sendAt: '2099-01-01T00:00:00Z' }), owner: 'acme' }, numbers(2, 10));
    const bulkRecords = (await store.list({ state: 'dispatching' })).items.filter((record) => record.bulkId !== undefined);
    await store.finishMany(bulkRecords.map((record) => ({ id: record.id, result: failed })));

    clock.advance(DEFAULT_RETENTION_MS - HOUR);
    const young = await recordOne(store, { message: message({ to: '05321234564' }), owner: 'acme', state: 'dispatching' });
    await store.finish(young.id, failed);
    clock.advance(2 * HOUR); // the first records are now 30 days and an hour old

    expect(await store.prune({ now: clock.now() })).toEqual({ deletedMessages: 3, deletedBulks: 1, clearedIdempotencyKeys: 0 });
    expect(await store.get(oldFinished.id)).toBeUndefined();
    for (const kept of [oldQueued, oldSending, young]) expect(await store.get(kept.id)).toBeDefined();
    expect(emptied.kind === 'created' && (await store.bulkProgress(emptied.bulkId))).toBeUndefined();
    expect(stillQueued.kind === 'created' && (await store.bulkProgress(stillQueued.bulkId))).toMatchObject({ byState: { queued: 2 } });
    expect(await store.prune({ now: clock.now() })).toEqual({ deletedMessages: 0, deletedBulks: 0, clearedIdempotencyKeys: 0 });
    await store.close();
  });

  it('counts a scheduled record\'s retention from its sendAt, not from when it was recorded: sent 40 days on, it is not deleted before its reports come', async () => {
    const clock = new TestClock();
    const store = await openTestStore(clock);
    const sendAt = new Date(clock.now().getTime() + 40 * DAY);
    const scheduled = await recordOne(store, { message: message({ to: '05321234561', sendAt }), owner: 'acme' });
    const pastSendAt = await recordOne(store, { message: message({ to: '05321234562', sendAt: new Date(clock.now().getTime() - DAY) }), owner: 'acme', state: 'dispatching' });
    await store.finish(pastSendAt.id, failed);
    clock.advance(40 * DAY);
    const [claimed] = await store.claimDue({ now: clock.now(), limit: 10 });
    expect(claimed?.id).toBe(scheduled.id);
    await store.finish(scheduled.id, failed);
    clock.advance(HOUR);
    // Recorded 40 days ago, sent an hour ago: kept. The other, whose sendAt was already past when it came, goes as any record does.
    expect(await store.prune({ now: clock.now() })).toMatchObject({ deletedMessages: 1 });
    expect(await store.get(scheduled.id)).toBeDefined();
    expect(await store.get(pastSendAt.id)).toBeUndefined();
    clock.advance(DEFAULT_RETENTION_MS - 2 * HOUR);
    expect(await store.prune({ now: clock.now() })).toMatchObject({ deletedMessages: 0 });
    clock.advance(2 * HOUR);
    expect(await store.prune({ now: clock.now() })).toMatchObject({ deletedMessages: 1 });
    expect(await store.get(scheduled.id)).toBeUndefined();
    await store.close();
  });

  it('deletes more than one statement\'s worth (5,000), with their webhook events, and keeps the unfinished among them', async () => {
    const clock = new TestClock();
    const store = await openTestStore(clock);
    const old = await store.recordBulk({ template: bulkTemplate(), owner: 'acme', state: 'dispatching', callbackUrl: 'https://hooks.example/w' }, numbers(5_003));
    const records = (await store.list({ state: 'dispatching', limit: 500 })).items;
    const unfinished = records[0]!;
    const all: MessageRecord[] = [];
    for (let cursor: string | undefined; ; ) {
      const page = await store.list({ state: 'dispatching', limit: 500, ...(cursor ? { cursor } : {}) });
      all.push(...page.items);
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    await store.finishMany(all.filter((record) => record.id !== unfinished.id).map((record) => ({ id: record.id, result: failed })));
    const pendingEvents = async () => (await store.webhookBacklog()).filter((entry) => entry.state === 'pending').reduce((sum, entry) => sum + entry.count, 0);
    const before = await pendingEvents();
    const perRecord = (await store.webhooksOfMessage(all.find((record) => record.id !== unfinished.id)!.id))!.length;
    expect(perRecord).toBeGreaterThan(0);
    clock.advance(DEFAULT_RETENTION_MS + HOUR);
    expect(await store.prune({ now: clock.now() })).toMatchObject({ deletedMessages: 5_002, deletedBulks: 0 });
    expect(await store.get(unfinished.id)).toBeDefined();
    expect(await pendingEvents()).toBe(before - 5_002 * perRecord); // the deleted records' events went with them
    expect(old.kind === 'created' && (await store.bulkProgress(old.bulkId))).toMatchObject({ count: 5_003, byState: { dispatching: 1 } });
    await store.close();
  });

  it('clears more than one statement\'s worth of keys (5,000)', async () => {
    const clock = new TestClock();
    const store = await openTestStore(clock);
    const outcomes = await store.recordMessages(numbers(5_001).map((to, i) => ({ message: message({ to, idempotencyKey: `k-${i}` }), owner: 'acme', state: 'dispatching' as const })));
    await store.finishMany(outcomes.map((outcome) => ({ id: (outcome as { record: MessageRecord }).record.id, result: failed })));
    clock.advance(DEFAULT_IDEMPOTENCY_RETENTION_MS + HOUR);
    expect(await store.prune({ now: clock.now() })).toEqual({ deletedMessages: 0, deletedBulks: 0, clearedIdempotencyKeys: 5_001 });
    expect(await store.prune({ now: clock.now() })).toMatchObject({ clearedIdempotencyKeys: 0 });
    await store.close();
  });

  it('clears idempotency keys past their retention so the key can be used again, but not while the record is unfinished', async () => {
    const clock = new TestClock();
    const store = await openTestStore(clock);
    const keyed = (key: string, extra: Record<string, unknown> = {}) => message({ to: '05321234561', idempotencyKey: key, ...extra });
    const old = await recordOne(store, { message: keyed('old'), owner: 'acme', state: 'dispatching' });
    await store.finish(old.id, failed);
    const oldQueued = await recordOne(store, { message: keyed('old-queued', { sendAt: '2099-01-01T00:00:00Z' }), owner: 'acme' });
    const oldBulk = await store.recordBulk({ template: bulkTemplate(), owner: 'acme', idempotencyKey: 'old-bulk', state: 'dispatching' }, numbers(1));
    const [bulkRecord] = (await store.list({ state: 'dispatching' })).items;
    await store.finish(bulkRecord!.id, failed);
    clock.advance(DEFAULT_IDEMPOTENCY_RETENTION_MS - HOUR);
    const recent = await recordOne(store, { message: keyed('recent'), owner: 'acme', state: 'dispatching' });
    await store.finish(recent.id, failed);
    clock.advance(2 * HOUR);

    expect(await store.prune({ now: clock.now() })).toEqual({ deletedMessages: 0, deletedBulks: 0, clearedIdempotencyKeys: 2 });
    expect(await store.get(old.id)).not.toHaveProperty('idempotencyKey');
    expect(await store.get(oldQueued.id)).toMatchObject({ idempotencyKey: 'old-queued' });
    expect(await store.get(recent.id)).toMatchObject({ idempotencyKey: 'recent' });

    // The cleared keys make new records; the kept ones still answer with theirs.
    const [again] = await store.recordMessages([{ message: keyed('old'), owner: 'acme' }]);
    expect(again?.kind === 'created' && again.record.id).not.toBe(old.id);
    expect((await store.recordBulk({ template: bulkTemplate(), owner: 'acme', idempotencyKey: 'old-bulk' }, numbers(1))).kind).toBe('created');
    expect(oldBulk.kind).toBe('created');
    expect((await store.recordMessages([{ message: keyed('recent'), owner: 'acme' }]))[0]).toMatchObject({ kind: 'existing', record: { id: recent.id } });
    await store.close();
  });

  it("keeps a scheduled message's or bulk's key for its window after its sendAt: a repeat of the request just after it went out finds it", async () => {
    const clock = new TestClock();
    const store = await openTestStore(clock);
    const sendAt = new Date(clock.now().getTime() + 10 * DAY);
    const scheduled = await recordOne(store, { message: message({ to: '05321234561', idempotencyKey: 'in-ten-days', sendAt }), owner: 'acme' });
    const bulk = await store.recordBulk({ template: bulkTemplate({ sendAt }), owner: 'acme', idempotencyKey: 'bulk-in-ten-days' }, numbers(1));
    clock.advance(10 * DAY);
    const claimed = await store.claimDue({ now: clock.now(), limit: 10 });
    expect(claimed).toHaveLength(2);
    await store.finishMany(claimed.map((record) => ({ id: record.id, result: failed })));
    clock.advance(HOUR);
    expect(await store.prune({ now: clock.now() })).toMatchObject({ clearedIdempotencyKeys: 0 });
    expect((await store.recordMessages([{ message: message({ to: '05321234561', idempotencyKey: 'in-ten-days', sendAt }), owner: 'acme' }]))[0]).toMatchObject({ kind: 'existing', record: { id: scheduled.id } });
    expect(await store.recordBulk({ template: bulkTemplate({ sendAt }), owner: 'acme', idempotencyKey: 'bulk-in-ten-days' }, numbers(1))).toMatchObject({ kind: 'existing' });
    expect(bulk.kind).toBe('created');
    clock.advance(DEFAULT_IDEMPOTENCY_RETENTION_MS);
    expect(await store.prune({ now: clock.now() })).toMatchObject({ clearedIdempotencyKeys: 2 });
    await store.close();
  });

  it('counts a record canceled before its sendAt from its creation: it will never be sent, and is not kept until its sendAt', async () => {
    const clock = new TestClock();
    const store = await openTestStore(clock);
    const far = await recordOne(store, { message: message({ to: '05321234561', idempotencyKey: 'far-ahead', sendAt: new Date(clock.now().getTime() + 300 * DAY) }), owner: 'acme' });
    expect(await store.cancel(far.id, { owner: 'acme' }, 'client')).toMatchObject({ kind: 'canceled' });
    clock.advance(DEFAULT_IDEMPOTENCY_RETENTION_MS + HOUR);
    expect(await store.prune({ now: clock.now() })).toMatchObject({ deletedMessages: 0, clearedIdempotencyKeys: 1 });
    clock.advance(DEFAULT_RETENTION_MS);
    expect(await store.prune({ now: clock.now() })).toMatchObject({ deletedMessages: 1 });
    expect(await store.get(far.id)).toBeUndefined();
    await store.close();
  });

  it('deletes a scheduled bulk canceled before its sendAt once its records are gone, and releases its key, as for a record: it will never be sent', async () => {
    const clock = new TestClock();
    const store = await openTestStore(clock);
    const outcome = await store.recordBulk({ template: bulkTemplate({ sendAt: new Date(clock.now().getTime() + 300 * DAY) }), owner: 'acme', idempotencyKey: 'bulk-far-ahead' }, ['+905321234562']);
    if (outcome.kind !== 'created') throw new Error('expected a new bulk');
    expect(await store.cancelBulk(outcome.bulkId, { owner: 'acme' }, 'client')).toMatchObject({ canceled: 1 });
    clock.advance(DEFAULT_IDEMPOTENCY_RETENTION_MS + HOUR);
    expect(await store.prune({ now: clock.now() })).toMatchObject({ deletedBulks: 0, clearedIdempotencyKeys: 1 });
    clock.advance(DEFAULT_RETENTION_MS);
    expect(await store.prune({ now: clock.now() })).toMatchObject({ deletedMessages: 1, deletedBulks: 1 });
    await store.close();
  });

  it("dates an erased scheduled message's key, and keeps a scheduled bulk left empty by an erasure, as their windows run: from the sendAt", async () => {
    const clock = new TestClock();
    const store = await openTestStore(clock);
    const sendAt = new Date(clock.now().getTime() + 40 * DAY);
    const keyed = () => message({ to: '05321234561', idempotencyKey: 'in-forty-days', sendAt });
    await recordOne(store, { message: keyed(), owner: 'acme' });
    const bulk = () => store.recordBulk({ template: bulkTemplate({ sendAt }), owner: 'acme', idempotencyKey: 'bulk-in-forty-days' }, ['+905321234562']);
    expect((await bulk()).kind).toBe('created');
    expect(await store.eraseNumber('05321234561')).toBe(1);
    expect(await store.eraseNumber('05321234562')).toBe(1);
    clock.advance(31 * DAY);
    expect(await store.prune({ now: clock.now() })).toMatchObject({ deletedBulks: 0 });
    // A retry before the sendAt sends nothing to the erased numbers.
    expect(await store.recordMessages([{ message: keyed(), owner: 'acme' }])).toEqual([{ kind: 'erased' }]);
    expect((await bulk()).kind).toBe('existing');
    await store.close();
  });

  it('takes other retentions', async () => {
    const clock = new TestClock();
    const store = await openTestStore(clock);
    const record = await recordOne(store, { message: message({ to: '05321234561', idempotencyKey: 'k' }), owner: 'acme', state: 'dispatching' });
    await store.finish(record.id, failed);
    clock.advance(10 * MINUTE);
    expect(await store.prune({ now: clock.now(), retentionMs: HOUR, idempotencyRetentionMs: 5 * MINUTE })).toEqual({ deletedMessages: 0, deletedBulks: 0, clearedIdempotencyKeys: 1 });
    expect(await store.prune({ now: clock.now(), retentionMs: 5 * MINUTE })).toMatchObject({ deletedMessages: 1 });
    await store.close();
  });
});

describe('eraseNumber', () => {
  it("deletes every record sent to a number, whoever sent it and in whatever state, and no one else's", async () => {
    const store = await openTestStore();
    await store.recordMessages([
      { message: message({ to: '05321234561' }), owner: 'acme' },
      { message: message({ to: '05321234561', idempotencyKey: 'k' }), owner: 'globex', state: 'dispatching' },
      { message: message({ to: '05321234562' }), owner: 'acme' },
    ]);
    await store.recordBulk({ template: bulkTemplate(), owner: 'acme' }, ['+905321234561', '+905321234563']);
    expect(await store.eraseNumber('0532 123 45 61')).toBe(3);
    expect((await store.list({ to: '+905321234561' })).items).toEqual([]);
    expect((await store.list()).items.map((record) => record.to).sort()).toEqual(['+905321234562', '+905321234563']);
    expect(await store.eraseNumber('+905321234561')).toBe(0);
    const error = await store.eraseNumber('not a number').catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(LedgerInputError);
    expect((error as LedgerInputError).issues[0]?.path).toBe('to');
    await store.close();
  });

  it('drops the pushed reports held for a later match whose ids carry the number, and no others', async () => {
    const store = await openTestStore();
    const report = (providerMessageId: string) => ({ providerMessageId, state: 'delivered' as const, final: true });
    expect(await store.holdReports('message-center', [report('987654+905557776655'), report('987654+905557776656'), report('rota-abc')], new Date(Date.now() + 60_000))).toBe(true);
    expect(await store.heldReportCount()).toBe(3);
    await store.eraseNumber('+905557776655');
    expect(await store.heldReportCount()).toBe(2);
    const held = await store.claimHeldReports({ now: new Date(Date.now() + 120_000), limit: 10, leaseMs: 1_000 });
    expect(held.map((h) => h.report.providerMessageId).sort()).toEqual(['987654+905557776656', 'rota-abc']);
    await store.close();
  });

  it("keeps an erased record's idempotency key, hashed, so a retry under it records and sends nothing, until the key's retention ends", async () => {
    const clock = new TestClock();
    const store = await openTestStore(clock);
    const keyed = (to: string, key: string) => message({ to, idempotencyKey: key });
    await recordOne(store, { message: keyed('05321234561', 'order-7'), owner: 'acme' });
    await recordOne(store, { message: keyed('05321234562', 'order-8'), owner: 'acme' });
    expect(await store.eraseNumber('+905321234561')).toBe(1);

    // The same request again, and another message under the key: both erased, nothing recorded.
    const retried = await store.recordMessages([{ message: keyed('05321234561', 'order-7'), owner: 'acme' }]);
    expect(retried).toEqual([{ kind: 'erased' }]);
    expect(await store.recordMessages([{ message: keyed('05321234569', 'order-7'), owner: 'acme' }])).toEqual([{ kind: 'erased' }]);
    // Beside other entries of one call, only the erased key's entries are refused; another owner's key is its own.
    const mixed = await store.recordMessages([
      { message: keyed('05321234561', 'order-7'), owner: 'acme' },
      { message: keyed('05321234563', 'order-9'), owner: 'acme' },
      { message: keyed('05321234561', 'order-7'), owner: 'globex' },
      { message: keyed('05321234561', 'order-7'), owner: 'acme' },
    ]);
    expect(mixed.map((outcome) => outcome.kind)).toEqual(['erased', 'created', 'created', 'erased']);
    expect((await store.list({ to: '+905321234561', owner: 'acme' })).items).toEqual([]);
    expect((await store.stats(clock.now())).queueDepth.notification).toBe(3); // order-8, order-9, globex's order-7

    // The key is kept only as an HMAC, and no longer than the record would have kept it.
    clock.advance(DEFAULT_IDEMPOTENCY_RETENTION_MS + HOUR);
    expect(await store.prune({ now: clock.now() })).toMatchObject({ clearedIdempotencyKeys: 1 });
    expect((await store.recordMessages([{ message: keyed('05321234561', 'order-7'), owner: 'acme' }]))[0]?.kind).toBe('created');
    await store.close();
  });

  it('refuses an erased key among calls made at once (one transaction for all of them), and records the others', async () => {
    const store = await openTestStore();
    await recordOne(store, { message: message({ to: '05321234561', idempotencyKey: 'order-7' }), owner: 'acme' });
    await store.eraseNumber('+905321234561');
    const calls = await Promise.all(
      ['order-5', 'order-7', 'order-8', 'order-9'].map((key, i) => store.recordMessages([{ message: message({ to: `0532123456${i + 2}`, idempotencyKey: key }), owner: 'acme' }])),
    );
    expect(calls.map(([outcome]) => outcome?.kind)).toEqual(['created', 'erased', 'created', 'created']);
    expect((await store.list()).items.map((record) => record.idempotencyKey).sort()).toEqual(['order-5', 'order-8', 'order-9']);
    await store.close();
  });

  it('refuses a call recorded whole that uses an erased key, recording none of it', async () => {
    const store = await openTestStore();
    await recordOne(store, { message: message({ to: '05321234561', idempotencyKey: 'order-7' }), owner: 'acme' });
    await store.eraseNumber('+905321234561');
    const refused = await store
      .recordMessages(
        [
          { message: message({ to: '05321234562', idempotencyKey: 'order-8' }), owner: 'acme' },
          { message: message({ to: '05321234561', idempotencyKey: 'order-7' }), owner: 'acme' },
        ],
        { whole: true },
      )
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(WholeCallConflictError);
    expect(refused).toMatchObject({ conflicts: [], erased: [1] });
    expect((await store.list()).items).toEqual([]);
    await store.close();
  });

  it("counts a bulk's erased records apart, so that its counts still add up to its recipients", async () => {
    const store = await openTestStore();
    const outcome = await store.recordBulk({ template: bulkTemplate(), owner: 'acme' }, ['+905321234561', '+905321234563', '+905321234564']);
    if (outcome.kind !== 'created') throw new Error('expected a new bulk');
    expect(await store.bulkProgress(outcome.bulkId)).toMatchObject({ count: 3, byState: { queued: 3 }, erased: 0 });
    await store.eraseNumber('+905321234561');
    expect(await store.bulkProgress(outcome.bulkId)).toMatchObject({ count: 3, byState: { queued: 2 }, erased: 1 });
    expect((await store.listBulks({})).items).toEqual([expect.objectContaining({ bulkId: outcome.bulkId, count: 3, byState: expect.objectContaining({ queued: 2 }), erased: 1 })]);
    await store.close();
  });
});
