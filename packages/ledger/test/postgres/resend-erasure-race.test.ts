import pg from 'pg';
import { openLedgerStore, type LedgerStore, type MessageRecord } from '../../src/index.js';
import { LedgerHasher } from '../../src/ledger-hashing.js';
import { dropSchema, freshSchemaName, HASH_KEY, message, postgresTestConfig, postgresTestUrl } from '../ledger-fixtures.js';
import { rig, until, type Rig } from '../ledger-rig.js';

// An operator's resend of an unknown message racing the KVKK erasure of its
// number, on PostgreSQL under READ COMMITTED. The erasure is held open after
// its DELETE (its insert of the erased key waits for another transaction's
// uncommitted insert of the same key); the resend runs meanwhile. Its look at
// the original still sees it (the DELETE is not committed), and the DELETE,
// already run, never sees a copy committed after it began: without a lock
// both commit and a copy to the erased number is left to be sent.

const NUMBER = '+905321234567';

let schema: string;
let r: Rig;
let eraser: LedgerStore;
let blocker: pg.Client;
let watcher: pg.Client;

beforeEach(async () => {
  schema = freshSchemaName();
  r = await rig({ store: await openLedgerStore(postgresTestConfig(schema), { hashKey: HASH_KEY, name: `${schema}-resend` }) });
  eraser = await openLedgerStore(postgresTestConfig(schema), { hashKey: HASH_KEY, name: `${schema}-erase` });
  blocker = new pg.Client({ connectionString: postgresTestUrl() });
  watcher = new pg.Client({ connectionString: postgresTestUrl() });
  await Promise.all([blocker.connect(), watcher.connect()]);
  await blocker.query(`set search_path to "${schema}"`);
});

afterEach(async () => {
  await Promise.all([blocker.end(), watcher.end()]);
  await eraser.close();
  await r.close();
  await dropSchema(schema);
});

/** Whether a connection of the process named `name` waits for a lock in a statement containing `fragment`. */
function waitingOnLock(name: string, fragment: string) {
  return async (): Promise<true | undefined> => {
    const { rows } = await watcher.query(`select 1 from pg_stat_activity where application_name = $1 and wait_event_type = 'Lock' and position($2 in query) > 0`, [name, fragment]);
    return rows.length > 0 ? true : undefined;
  };
}

it('erased while its resend reads and writes: the resend answers not-found and leaves no copy to send', async () => {
  const [outcome] = await r.store.recordMessages([{ message: message({ to: NUMBER, idempotencyKey: 'order-7' }), owner: 'acme', state: 'dispatching' }]);
  const { id } = (outcome as { record: MessageRecord }).record;
  await r.store.finish(id, { status: 'unknown', to: NUMBER, providerId: 'fake', accountId: 'fake-notification', reason: 'interrupted', attempts: [] });

  // The erasure, held open after its DELETE: its erased key waits for this uncommitted one.
  await blocker.query('begin');
  await blocker.query('insert into erased_keys (owner, key_hash, created_at) values ($1, $2, $3)', ['acme', new LedgerHasher(HASH_KEY).erasedKey('order-7'), Date.now()]);
  const erasing = eraser.eraseNumber(NUMBER);
  await until(waitingOnLock(`${schema}-erase`, 'erased_keys'), 'the erasure held after its delete');

  const resending = r.ledger.resend(id);
  // The resend either finishes (a copy made beside the open erasure) or waits for the number's lock.
  await Promise.race([resending, until(waitingOnLock(`${schema}-resend`, 'pg_advisory_xact_lock'), 'the resend waiting for the erasure')]);
  await blocker.query('rollback');

  expect(await erasing).toBe(1);
  expect(await resending).toEqual({ kind: 'not-found' });
  const { rows } = await watcher.query(`select count(*)::int as n from "${schema}".messages where to_number = $1`, [NUMBER]);
  expect(rows[0]).toEqual({ n: 0 });
  expect((await r.store.stats(new Date())).queueDepth.notification).toBe(0);
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect(r.provider.callCount).toBe(0);
});
