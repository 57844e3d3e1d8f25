import { openLedgerStore, type LedgerStore } from '../../src/index.js';
import { bulkTemplate, dropSchema, freshSchemaName, HASH_KEY, numbers, postgresTestConfig } from '../ledger-fixtures.js';

// A bulk canceled on one gateway while a worker on another claims its records:
// each record is either claimed (and sent) or canceled, never both, and none
// is left queued.

let schema: string;
let gateway: LedgerStore;
let worker: LedgerStore;

beforeEach(async () => {
  schema = freshSchemaName();
  gateway = await openLedgerStore(postgresTestConfig(schema), { hashKey: HASH_KEY });
  worker = await openLedgerStore(postgresTestConfig(schema), { hashKey: HASH_KEY });
});

afterEach(async () => {
  await Promise.all([gateway.close(), worker.close()]);
  await dropSchema(schema);
});

it('gives each record of a bulk to a claim or to its cancellation, never to both', async () => {
  // Over a cancel's slice of 5,000 (a review: the cancel stopped at the first slice a claim had thinned, and 14,700 of
  // 20,000 stayed queued, and were sent).
  const size = 12_000;
  for (let round = 0; round < 3; round++) {
    const bulk = await gateway.recordBulk({ template: bulkTemplate(), owner: 'acme' }, numbers(size, round * 100_000));
    const bulkId = (bulk as { bulkId: string }).bulkId;
    const claims = (async () => {
      const claimed: string[] = [];
      for (let i = 0; i < 20; i++) claimed.push(...(await worker.claimDue({ now: new Date(), limit: 300 })).map((record) => record.id));
      return claimed;
    })();
    const [claimed, outcome] = await Promise.all([claims, gateway.cancelBulk(bulkId, {}, 'operator')]);
    const progress = (await gateway.bulkProgress(bulkId))!;
    expect(progress.byState.queued).toBe(0);
    expect(progress.byState.dispatching).toBe(claimed.length);
    expect(outcome!.canceled).toBe(progress.byState.canceled);
    expect(claimed.length + outcome!.canceled).toBe(size);
    // What was claimed is the claimer's to finish: nothing canceled is among it.
    const states = await Promise.all(claimed.slice(0, 50).map(async (id) => (await gateway.get(id))!.state));
    expect(new Set(states)).toEqual(claimed.length > 0 ? new Set(['dispatching']) : new Set());
    await worker.finishMany(claimed.map((id) => ({ id, result: { status: 'failed', reason: 'test', attempts: [] } })));
  }
}, 120_000);
