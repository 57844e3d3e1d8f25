import pg from 'pg';
import { openLedgerStore, type LedgerStore } from '../../src/index.js';
import { WithdrawnBeforeTry } from '../../src/store/cancel-messages.js';
import { bulkTemplate, dropSchema, freshSchemaName, HASH_KEY, numbers, postgresTestConfig, postgresTestUrl } from '../ledger-fixtures.js';

const TARGET = { providerId: 'fake', accountId: 'fake-campaign' };

async function waitFor(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('gave up waiting');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

// A bulk canceled on one gateway while a worker on another claims its records
// and names their provider request by request: each record is either on its
// way (its try named the provider first) or canceled, never both, and none is
// left queued, or claimed with no try.

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

it("gives each record of a bulk to a try or to its cancellation, never to both, and leaves none queued or claimed but untried", async () => {
  // Over a cancel's slice of 5,000 (a review: the cancel stopped at the first slice a claim had thinned, and 14,700 of
  // 20,000 stayed queued, and were sent).
  const size = 12_000;
  for (let round = 0; round < 3; round++) {
    const bulk = await gateway.recordBulk({ template: bulkTemplate(), owner: 'acme' }, numbers(size, round * 100_000));
    const bulkId = (bulk as { bulkId: string }).bulkId;
    // A worker as the dispatcher works: claim, then name the provider of each request of 100 before it is sent.
    // A request that finds a record canceled is not sent, and its other records go back to the queue.
    const tries = (async () => {
      const onTheirWay: string[] = [];
      for (let i = 0; i < 20; i++) {
        const claimed = (await worker.claimDue({ now: new Date(), limit: 300 })).map((record) => record.id);
        for (let at = 0; at < claimed.length; at += 100) {
          const request = claimed.slice(at, at + 100);
          try {
            expect(await worker.markDispatching(request, TARGET)).toBe(request.length);
            onTheirWay.push(...request);
          } catch (error) {
            if (!(error instanceof WithdrawnBeforeTry)) throw error;
            await worker.requeueUnsent(request);
          }
        }
      }
      return onTheirWay;
    })();
    const [onTheirWay, outcome] = await Promise.all([tries, gateway.cancelBulk(bulkId, {}, 'operator')]);
    const progress = (await gateway.bulkProgress(bulkId))!;
    expect(progress.byState.queued).toBe(0);
    expect(progress.byState.dispatching).toBe(onTheirWay.length);
    expect(outcome!.canceled).toBe(progress.byState.canceled);
    expect(onTheirWay.length + outcome!.canceled).toBe(size);
    // What a try named its provider for is on its way: nothing canceled is among it.
    const states = await Promise.all(onTheirWay.slice(0, 50).map(async (id) => (await gateway.get(id))!.state));
    expect(new Set(states)).toEqual(onTheirWay.length > 0 ? new Set(['dispatching']) : new Set());
    await worker.finishMany(onTheirWay.map((id) => ({ id, result: { status: 'failed', reason: 'test', attempts: [] } })));
  }
}, 120_000);

it('waits, after its slices, for the rows a claim held: claimed meanwhile, with no try yet, they are canceled too', async () => {
  const bulk = await gateway.recordBulk({ template: bulkTemplate(), owner: 'acme' }, numbers(50));
  const bulkId = (bulk as { bulkId: string }).bulkId;
  // A claim under way elsewhere: its rows locked, then switched to dispatching when it commits.
  const claim = new pg.Client({ connectionString: postgresTestUrl() });
  await claim.connect();
  try {
    await claim.query('begin');
    const { rows } = await claim.query(`select id from "${schema}".messages where bulk_id = $1 order by id limit 10 for update`, [bulkId]);
    const canceling = gateway.cancelBulk(bulkId, {}, 'operator');
    // The cancel's slices skip the ten and take the forty; then it waits for the ten.
    await waitFor(async () => (await gateway.bulkProgress(bulkId))!.byState.canceled === 40);
    await claim.query(`update "${schema}".messages set state = 'dispatching' where id = any($1)`, [rows.map((row) => row.id)]);
    await claim.query('commit');
    const outcome = (await canceling)!;
    expect(outcome.canceled).toBe(50);
    expect(outcome.progress.byState).toMatchObject({ canceled: 50, dispatching: 0, queued: 0 });
  } finally {
    await claim.end();
  }
});
