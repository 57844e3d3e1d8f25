import { describe, expect, it } from '@jest/globals';
import { LedgerInputError, WholeCallConflictError, type RecordOutcome } from '../src/index.js';
import { bulkTemplate, message, openTestStore } from './ledger-fixtures.js';

const idOf = (outcome: RecordOutcome | undefined): string => {
  if (outcome?.kind === 'created' || outcome?.kind === 'existing') return outcome.record.id;
  throw new Error(`expected a record, got ${JSON.stringify(outcome)}`);
};

describe('recordMessages idempotency', () => {
  it('answers a repeat of the same message under the same key with the first record, writing nothing', async () => {
    const store = await openTestStore();
    const entry = { message: message({ to: '05321234567', idempotencyKey: 'order-1' }), owner: 'acme', reference: 'r-1' };
    const [first] = await store.recordMessages([entry]);
    expect(first?.kind).toBe('created');
    // The same message, validated again: an equal but new object.
    const [again] = await store.recordMessages([{ ...entry, message: message({ to: '+90 532 123 45 67', idempotencyKey: 'order-1' }) }]);
    expect(again).toEqual({ kind: 'existing', record: first?.kind === 'created' ? first.record : undefined });
    expect((await store.list({ owner: 'acme' })).items).toHaveLength(1);
    await store.close();
  });

  it.each([
    ['text', { text: 'Kargonuz geldi' }],
    ['number', { to: '05321234568' }],
    ['sendAt', { sendAt: '2030-01-01T00:00:00Z' }],
    ['otp', { otp: true }],
  ])('calls the same key with another %s a conflict and names the record that holds the key', async (_, change) => {
    const store = await openTestStore();
    const [first] = await store.recordMessages([{ message: message({ to: '05321234567', idempotencyKey: 'order-1' }), owner: 'acme' }]);
    const [second] = await store.recordMessages([{ message: message({ to: '05321234567', idempotencyKey: 'order-1', ...change }), owner: 'acme' }]);
    expect(second).toEqual({ kind: 'conflict', existingId: idOf(first) });
    expect((await store.list()).items).toHaveLength(1);
    await store.close();
  });

  it('counts the client reference as part of the message', async () => {
    const store = await openTestStore();
    const entry = { message: message({ to: '05321234567', idempotencyKey: 'k' }), owner: 'acme' };
    const [first] = await store.recordMessages([{ ...entry, reference: 'a' }]);
    expect(await store.recordMessages([{ ...entry, reference: 'b' }])).toEqual([{ kind: 'conflict', existingId: idOf(first) }]);
    await store.close();
  });

  it('keeps keys per owner: two owners with one key get two records', async () => {
    const store = await openTestStore();
    const msg = message({ to: '05321234567', idempotencyKey: 'shared-key' });
    const outcomes = await store.recordMessages([
      { message: msg, owner: 'acme' },
      { message: msg, owner: 'globex' },
    ]);
    expect(outcomes.map((outcome) => outcome.kind)).toEqual(['created', 'created']);
    expect(new Set(outcomes.map(idOf)).size).toBe(2);
    expect((await store.list({ owner: 'globex' })).items.map((record) => record.id)).toEqual([idOf(outcomes[1])]);
    await store.close();
  });

  it('treats entries with one key within one call as sent one after the other', async () => {
    const store = await openTestStore();
    const same = message({ to: '05321234567', idempotencyKey: 'k' });
    const other = message({ to: '05321234567', idempotencyKey: 'k', text: 'Baska bir mesaj' });
    const outcomes = await store.recordMessages([
      { message: same, owner: 'acme' },
      { message: message({ to: '05321234599' }), owner: 'acme' },
      { message: same, owner: 'acme' },
      { message: other, owner: 'acme' },
    ]);
    const firstId = idOf(outcomes[0]);
    expect(outcomes.map((outcome) => outcome.kind)).toEqual(['created', 'created', 'existing', 'conflict']);
    expect(idOf(outcomes[2])).toBe(firstId);
    expect(outcomes[3]).toEqual({ kind: 'conflict', existingId: firstId });
    expect((await store.list()).items).toHaveLength(2);
    await store.close();
  });

  it('compares every entry of a call with a key the database already holds', async () => {
    const store = await openTestStore();
    const held = message({ to: '05321234567', idempotencyKey: 'k' });
    const [first] = await store.recordMessages([{ message: held, owner: 'acme' }]);
    const outcomes = await store.recordMessages([
      { message: message({ to: '05321234567', idempotencyKey: 'k', text: 'Baska' }), owner: 'acme' },
      { message: held, owner: 'acme' },
    ]);
    expect(outcomes).toEqual([
      { kind: 'conflict', existingId: idOf(first) },
      { kind: 'existing', record: first?.kind === 'created' ? first.record : undefined },
    ]);
    await store.close();
  });

  it('records a whole call all or none: a key that stands for another message records none of it, and nothing of the calls beside it is lost', async () => {
    const store = await openTestStore();
    const held = message({ to: '05321234567', idempotencyKey: 'k' });
    const [first] = await store.recordMessages([{ message: held, owner: 'acme' }]);
    const whole = [
      { message: message({ to: '05321234568' }), owner: 'acme' },
      { message: held, owner: 'acme' },
      { message: message({ to: '05321234569', idempotencyKey: 'k', text: 'Baska' }), owner: 'acme' },
    ];
    // Made at once with an unrelated small call: on PostgreSQL small calls are merged, a whole one never is.
    const [refused, beside] = await Promise.allSettled([store.recordMessages(whole, { whole: true }), store.recordMessages([{ message: message({ to: '05321234570' }), owner: 'globex' }])]);
    expect(refused.status === 'rejected' && refused.reason).toBeInstanceOf(WholeCallConflictError);
    expect((refused as PromiseRejectedResult).reason.conflicts).toEqual([{ index: 2, existingId: idOf(first) }]);
    expect(beside.status === 'fulfilled' && beside.value[0]?.kind).toBe('created');
    expect((await store.list({ owner: 'acme' })).items.map((record) => record.id)).toEqual([idOf(first)]);
    // Without the conflicting entry the same call is recorded whole: the repeat answers as before.
    const outcomes = await store.recordMessages(whole.slice(0, 2), { whole: true });
    expect(outcomes.map((outcome) => outcome.kind)).toEqual(['created', 'existing']);
    await store.close();
  });

  it('keeps one key space for messages and bulks: a key a bulk holds refuses a message, and the other way round', async () => {
    const store = await openTestStore();
    const bulk = await store.recordBulk({ template: bulkTemplate(), owner: 'acme', idempotencyKey: 'winter' }, ['+905321234501']);
    const bulkId = (bulk as { bulkId: string }).bulkId;
    // A single message, a batch's entry (recorded whole), under the bulk's key: a conflict naming the bulk, nothing written.
    expect(await store.recordMessages([{ message: message({ to: '05321234501', idempotencyKey: 'winter' }), owner: 'acme' }])).toEqual([{ kind: 'conflict', existingId: bulkId }]);
    const batch = store.recordMessages(
      [
        { message: message({ to: '05321234502', idempotencyKey: 'other' }), owner: 'acme' },
        { message: message({ to: '05321234503', idempotencyKey: 'winter' }), owner: 'acme' },
      ],
      { whole: true },
    );
    await expect(batch).rejects.toMatchObject({ conflicts: [{ index: 1, existingId: bulkId }] });
    expect((await store.list({ owner: 'acme' })).items.filter((record) => record.bulkId === undefined)).toEqual([]);
    // Another owner's key of the same name is another key.
    expect((await store.recordMessages([{ message: message({ to: '05321234501', idempotencyKey: 'winter' }), owner: 'globex' }]))[0]?.kind).toBe('created');

    const [single] = await store.recordMessages([{ message: message({ to: '05321234504', idempotencyKey: 'spring' }), owner: 'acme' }]);
    expect(await store.recordBulk({ template: bulkTemplate(), owner: 'acme', idempotencyKey: 'spring' }, ['+905321234504'])).toEqual({ kind: 'conflict', existingId: idOf(single) });
    expect((await store.listBulks({ owner: 'acme' })).items).toHaveLength(1);
    // The key of a message erased at its recipient's request sends nothing through a bulk either.
    await store.eraseNumber('+905321234504');
    expect(await store.recordBulk({ template: bulkTemplate(), owner: 'acme', idempotencyKey: 'spring' }, ['+905321234504'])).toEqual({ kind: 'erased' });
    expect((await store.listBulks({ owner: 'acme' })).items).toHaveLength(1);
    await store.close();
  });

  it('makes one record of two concurrent calls with one key', async () => {
    const store = await openTestStore();
    const entry = { message: message({ to: '05321234567', idempotencyKey: 'race' }), owner: 'acme' };
    const [[a], [b]] = await Promise.all([store.recordMessages([entry]), store.recordMessages([entry])]);
    expect([a?.kind, b?.kind].sort()).toEqual(['created', 'existing']);
    expect(idOf(a)).toBe(idOf(b));
    expect((await store.list()).items).toHaveLength(1);
    await store.close();
  });

  it('gives each of many calls made at once its own outcomes, as if the calls came one after another', async () => {
    const store = await openTestStore();
    const to = (i: number) => `+90532${String(i).padStart(7, '0')}`;
    const first = Array.from({ length: 10 }, (_, i) => [{ message: message({ to: to(i), idempotencyKey: `k-${i}` }), owner: 'acme' }]);
    // The same keys again, half the same message (existing) and half another (conflict); and calls with no key.
    const again = Array.from({ length: 10 }, (_, i) => [{ message: message({ to: to(i % 2 === 0 ? i : i + 100), idempotencyKey: `k-${i}` }), owner: 'acme' }]);
    const keyless = Array.from({ length: 5 }, (_, i) => [{ message: message({ to: to(200 + i) }), owner: 'acme' }, { message: message({ to: to(300 + i) }), owner: 'acme' }]);
    const calls = [...first, ...keyless, ...again];
    const answers = await Promise.all(calls.map((entries) => store.recordMessages(entries)));
    answers.slice(0, 10).forEach(([outcome], i) => expect(outcome).toMatchObject({ kind: 'created', record: { to: to(i), idempotencyKey: `k-${i}` } }));
    answers.slice(10, 15).forEach((outcomes, i) => expect(outcomes.map((outcome) => outcome.kind === 'created' && outcome.record.to)).toEqual([to(200 + i), to(300 + i)]));
    answers.slice(15).forEach(([outcome], i) => {
      const holder = idOf(answers[i]![0]);
      expect(outcome).toEqual(i % 2 === 0 ? { kind: 'existing', record: expect.objectContaining({ id: holder, to: to(i) }) } : { kind: 'conflict', existingId: holder });
    });
    expect((await store.list({ limit: 100 })).items).toHaveLength(20);
    await store.close();
  });

  it('records every message without a key, even identical ones', async () => {
    const store = await openTestStore();
    const entry = { message: message({ to: '05321234567' }), owner: 'acme' };
    const outcomes = await store.recordMessages([entry, entry]);
    expect(outcomes.map((outcome) => outcome.kind)).toEqual(['created', 'created']);
    expect(idOf(outcomes[0])).not.toBe(idOf(outcomes[1]));
    await store.close();
  });

  it('records a batch larger than one INSERT can carry, with its keys', async () => {
    const store = await openTestStore();
    const entries = Array.from({ length: 2_500 }, (_, i) => ({ message: message({ to: `+90532${String(i).padStart(7, '0')}`, idempotencyKey: `k-${i}` }), owner: 'acme' }));
    expect((await store.recordMessages(entries)).every((outcome) => outcome.kind === 'created')).toBe(true);
    const again = await store.recordMessages(entries);
    expect(again.every((outcome) => outcome.kind === 'existing')).toBe(true);
    expect(again.map((outcome) => (outcome.kind === 'existing' ? outcome.record.to : ''))).toEqual(entries.map((entry) => entry.message.to));
    expect((await store.stats(new Date())).byState.queued).toBe(2_500);
    await store.close();
  });

  it('refuses an entry that did not come through validation, or a reference too long, naming the field', async () => {
    const store = await openTestStore();
    const refused = async (entries: unknown[]) => (await store.recordMessages(entries as never).catch((error: unknown) => error)) as LedgerInputError;
    const unvalidated = await refused([{ message: { to: '+905321234567', text: 'hi', iysType: 'NOTIFICATION' }, owner: 'acme' }]);
    expect(unvalidated).toBeInstanceOf(LedgerInputError);
    expect(unvalidated.issues[0]?.path).toBe('0.message');
    const tooLong = await refused([{ message: message({ to: '05321234567' }), owner: 'acme', reference: 'x'.repeat(201) }]);
    expect(tooLong.issues).toEqual([{ path: '0.reference', reason: 'must be at most 200 characters' }]);
    // Words a client can act on, not zod's ("Invalid input: expected string, received number").
    const aNumber = await refused([{ message: message({ to: '05321234567' }), owner: 'acme', reference: 5 }]);
    expect(aNumber.issues).toEqual([{ path: '0.reference', reason: 'must be a string (your own reference, e.g. "order-7")' }]);
    expect((await store.list()).items).toHaveLength(0);
    await store.close();
  });

  it('refuses a NUL character (PostgreSQL text cannot hold one) in what it writes or looks up, naming the field, on every store', async () => {
    const store = await openTestStore();
    const nul = 'a\u0000b';
    const reason = 'must not contain a NUL character (\\u0000)';
    const refused = async (work: Promise<unknown>) => ((await work.catch((error: unknown) => error)) as LedgerInputError).issues;
    expect(await refused(store.recordMessages([{ message: message({ to: '05321234567' }), owner: 'acme', reference: nul, callbackUrl: `https://x.example/${nul}` }]))).toEqual([
      { path: '0.reference', reason },
      { path: '0.callbackUrl', reason },
    ]);
    expect(await refused(store.recordBulk({ template: bulkTemplate(), owner: nul, idempotencyKey: nul }, ['+905321234567']))).toEqual([
      { path: 'owner', reason },
      { path: 'idempotencyKey', reason },
    ]);
    expect(await refused(store.list({ bulkId: nul, owner: nul }))).toEqual([
      { path: 'owner', reason },
      { path: 'bulkId', reason },
    ]);
    expect((await store.list()).items).toHaveLength(0);
    await store.close();
  });

  it('refuses a lone surrogate (it reads back from either store as U+FFFD), naming the field', async () => {
    const store = await openTestStore();
    const reason = 'must not contain a lone surrogate (half of a UTF-16 pair, \\uD800–\\uDFFF: not valid Unicode)';
    const refused = async (work: Promise<unknown>) => ((await work.catch((error: unknown) => error)) as LedgerInputError).issues;
    expect(await refused(store.recordMessages([{ message: message({ to: '05321234567' }), owner: 'acme', reference: 'r-\udabc' }]))).toEqual([{ path: '0.reference', reason }]);
    expect(await refused(store.recordBulk({ template: bulkTemplate(), owner: 'acme', idempotencyKey: '\udc00' }, ['+905321234567']))).toEqual([{ path: 'idempotencyKey', reason }]);
    // A whole pair (an emoji) is a character like any other.
    const [outcome] = await store.recordMessages([{ message: message({ to: '05321234567' }), owner: 'acme', reference: 'r-😀' }]);
    expect(outcome?.kind === 'created' && outcome.record.reference).toBe('r-😀');
    await store.close();
  });
});

describe('a new record', () => {
  it('holds the message, its priority and due time, and no text for an OTP', async () => {
    const store = await openTestStore();
    const sendAt = '2030-06-01T08:00:00.000Z';
    const [campaign, otp] = await store.recordMessages([
      { message: message({ to: '05321234567', iysType: 'CAMPAIGN', sendAt, sender: 'ROTA', recipientType: 'TACIR' }), owner: 'acme', reference: 'c-1', resendOf: 'msg_previous' },
      { message: message({ to: '05321234567', otp: true, text: 'Kodunuz 482913' }), owner: 'acme', state: 'dispatching' },
    ]);
    expect(campaign?.kind === 'created' && campaign.record).toMatchObject({
      owner: 'acme',
      state: 'queued',
      priority: 2,
      dueAt: new Date(sendAt),
      sendAt: new Date(sendAt),
      iysType: 'CAMPAIGN',
      recipientType: 'TACIR',
      sender: 'ROTA',
      reference: 'c-1',
      resendOf: 'msg_previous',
      text: 'Kargonuz yolda',
      textLength: 14,
      encoding: 'GSM7',
      segments: 1,
      attempts: [],
      simulated: false,
    });
    const otpRecord = otp?.kind === 'created' ? otp.record : undefined;
    expect(otpRecord).toMatchObject({ priority: 0, otp: true, state: 'dispatching', textLength: 14 });
    expect(otpRecord?.dispatchedAt).toEqual(otpRecord?.createdAt);
    expect(otpRecord).not.toHaveProperty('text');
    expect(await store.get(otpRecord?.id ?? '')).toEqual(otpRecord);
    expect(await store.get(otpRecord?.id ?? '')).not.toHaveProperty('text');
    await store.close();
  });
});
