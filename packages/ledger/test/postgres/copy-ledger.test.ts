import { CopyRefusedError, openLedgerStore, type LedgerStore } from '../../src/index.js';
import { bulkTemplate, dropSchema, freshSchemaName, HASH_KEY, message, numbers, postgresTestConfig } from '../ledger-fixtures.js';
import { finalState, rig, until } from '../ledger-rig.js';

// An embedded store (SQLite) moved to PostgreSQL: every record, its timeline,
// its idempotency key and its webhooks come along, or nothing does.

const HOOK = 'https://hooks.acme.example/rota';
let schema: string;
let target: LedgerStore | undefined;

beforeEach(() => {
  schema = freshSchemaName();
});
afterEach(async () => {
  await target?.close();
  target = undefined;
  await dropSchema(schema);
});

const openTarget = async (hashKey = HASH_KEY) => (target = await openLedgerStore(postgresTestConfig(schema), { hashKey }));

/** An embedded ledger with some history: sent messages (one with a key and a webhook), a bulk, all final. */
async function embeddedWithHistory() {
  const source = await openLedgerStore({ kind: 'memory' }, { hashKey: HASH_KEY });
  const r = await rig({ store: source });
  const submitted = await r.ledger.submit(
    [
      { message: message({ to: '+905321234567', idempotencyKey: 'order-7' }), owner: 'acme', reference: 'order-7', callbackUrl: HOOK },
      { message: message({ to: '+905321234568' }), owner: 'acme' },
      { message: message({ to: '+905321234569' }), owner: 'other' },
      { message: message({ to: '+905321234566', idempotencyKey: 'order-6' }), owner: 'acme' },
    ],
    'wait',
  );
  const bulk = await r.ledger.submitBulk({ template: bulkTemplate(), recipients: numbers(30), owner: 'acme', idempotencyKey: 'winter' });
  if (bulk.kind !== 'created') throw new Error('bulk not created');
  const unsent = async () => {
    const { byState } = (await source.bulkProgress(bulk.bulkId))!;
    return (byState.queued ?? 0) + (byState.dispatching ?? 0);
  };
  await until(async () => ((await unsent()) === 0 ? true : undefined), 'the bulk sent');
  const ids = submitted.map((outcome) => ('record' in outcome ? outcome.record.id : ''));
  for (const id of ids) await until(finalState(source, id), 'final');
  await r.ledger.stop(1_000);
  await r.router.close();
  return { source, ids, bulkId: bulk.bulkId };
}

describe('copyInto', () => {
  it('moves every record with its timeline, key and webhooks, in the source\'s order', async () => {
    const { source, ids, bulkId } = await embeddedWithHistory();
    expect(await source.eraseNumber('+905321234566')).toBe(1);
    // A pushed report still waiting for its message goes along (a review: a move within its rematches lost it).
    await source.holdReports('fake', [{ providerMessageId: 'wire-later', state: 'delivered', final: true }], new Date());
    await openTarget();
    const progress: string[] = [];
    const copied = await source.copyInto(target!, { chunk: 7, onProgress: (table, n) => progress.push(`${table}:${n}`) });
    expect(copied).toMatchObject({ bulks: 1, messages: 33, webhook_endpoints: 0, operator_overrides: 0, erased_keys: 1, held_reports: 1 });
    expect(await target!.heldReportCount()).toBe(1);
    expect(copied.message_events).toBeGreaterThanOrEqual(33); // at least each one's final step
    expect(copied.webhook_outbox).toBeGreaterThan(0);
    expect(progress).toContain('messages:7');

    for (const id of ids) {
      expect(await target!.get(id)).toEqual(await source.get(id));
      expect(await target!.timeline(id)).toEqual(await source.timeline(id));
    }
    expect(await target!.bulkProgress(bulkId)).toEqual(await source.bulkProgress(bulkId));
    const listed = async (store: LedgerStore) => (await store.list({ owner: 'acme', limit: 100 })).items.map((record) => record.id);
    expect(await listed(target!)).toEqual(await listed(source));
    expect(await target!.webhooksOfMessage(ids[0]!)).toEqual(await source.webhooksOfMessage(ids[0]!));

    // The key still stands for its message: a retry answers it, and sends nothing.
    const [again] = await target!.recordMessages([{ message: message({ to: '+905321234567', idempotencyKey: 'order-7' }), owner: 'acme', reference: 'order-7', callbackUrl: HOOK, state: 'queued' }]);
    expect(again).toMatchObject({ kind: 'existing', record: { id: ids[0] } });
    // An erased record's key stays refused.
    expect(await target!.recordMessages([{ message: message({ to: '+905321234566', idempotencyKey: 'order-6' }), owner: 'acme' }])).toEqual([{ kind: 'erased' }]);
    await source.close();
  });

  it('refuses while messages are queued, into a ledger that is not empty, or across hash keys; and writes nothing', async () => {
    const { source } = await embeddedWithHistory();
    await openTarget();
    await source.recordMessages([{ message: message({ to: '+905321234560' }), owner: 'acme', state: 'queued' }]);
    await expect(source.copyInto(target!)).rejects.toThrow(CopyRefusedError);
    await expect(source.copyInto(target!)).rejects.toThrow(/1 message\(s\) queued or on their way/);
    expect((await target!.list({})).items).toEqual([]);

    const drained = await openLedgerStore({ kind: 'memory' }, { hashKey: HASH_KEY });
    await target!.recordMessages([{ message: message({ to: '+905321234560' }), owner: 'acme', state: 'queued' }]);
    await expect(drained.copyInto(target!)).rejects.toThrow(/already holds 1 record/);
    await target!.close();

    schema = freshSchemaName();
    await openTarget(Buffer.alloc(32, 9));
    await expect(drained.copyInto(target!)).rejects.toThrow(/different keys/);
    await expect(drained.copyInto(target!, { newHashKey: true })).resolves.toMatchObject({ messages: 0 });
    await drained.close();

    // Under a new key, the hashed keys of erased messages would protect nothing: refused while there are any.
    const erasing = await openLedgerStore({ kind: 'memory' }, { hashKey: HASH_KEY });
    await erasing.recordMessages([{ message: message({ to: '+905321234561', idempotencyKey: 'order-1' }), owner: 'acme' }]);
    await erasing.eraseNumber('+905321234561');
    await expect(erasing.copyInto(target!, { newHashKey: true })).rejects.toThrow(/1 idempotency key\(s\) of erased messages/);
    await erasing.close();
    await source.close();
  });
});
