import pg from 'pg';
import { openLedgerStore, type LedgerStore } from '../../src/index.js';
import { setupLocked } from '../../src/postgres/queue-setup-lock.js';
import { dropSchema, freshSchemaName, HASH_KEY, message, postgresTestConfig, postgresTestUrl } from '../ledger-fixtures.js';

// Gateways and workers deployed together start together on a fresh database. Each
// opens the store: the ledger's migrations run under their lock table, but pg-boss's
// setup (its schema, then its queues) raced: all but one process failed with a
// unique violation on pg_namespace or a deadlock, and exited.

it('opens four stores at once on a fresh schema, every one of them, and each sees the same queue', async () => {
  for (let round = 0; round < 3; round++) {
    const schema = freshSchemaName();
    try {
      const opened = await Promise.allSettled(Array.from({ length: 4 }, () => openLedgerStore(postgresTestConfig(schema), { hashKey: HASH_KEY })));
      const stores = opened.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
      try {
        expect(opened.filter((result) => result.status === 'rejected').map((result) => String((result as PromiseRejectedResult).reason))).toEqual([]);
        // One store records; another sees the record (one schema, one queue, not four).
        const [first, second] = stores as [LedgerStore, LedgerStore];
        const [outcome] = await first.recordMessages([{ message: message({ to: '05321234567' }), owner: 'acme' }]);
        expect(outcome?.kind).toBe('created');
        expect((await second.stats(new Date())).queueDepth.notification).toBe(1);
      } finally {
        await Promise.all(stores.map((store) => store.close()));
      }
    } finally {
      await dropSchema(schema);
    }
  }
}, 120_000);

it("gives up waiting for another process's queue setup after its bound, saying what it waited for, and holds no lock after", async () => {
  const schema = freshSchemaName();
  const store = await openLedgerStore(postgresTestConfig(schema), { hashKey: HASH_KEY });
  const holder = new pg.Client({ connectionString: postgresTestUrl() });
  await holder.connect();
  try {
    // Another process in the middle of its setup: it holds the setup lock.
    await holder.query('select pg_advisory_lock($1, hashtext($2))', [0x726f7471, schema]);
    const connection = { pool: new pg.Pool({ connectionString: postgresTestUrl(), max: 2 }), config: { ...postgresTestConfig(schema), schema } } as never;
    let ran = false;
    await expect(setupLocked(connection, async () => void (ran = true), 300)).rejects.toThrow(/waited \d+\.\d s for another process to finish setting up the dispatch queue/);
    expect(ran).toBe(false);
    await holder.query('select pg_advisory_unlock($1, hashtext($2))', [0x726f7471, schema]);
    await setupLocked(connection, async () => void (ran = true), 300);
    expect(ran).toBe(true);
    await (connection as { pool: pg.Pool }).pool.end();
  } finally {
    await holder.end();
    await store.close();
    await dropSchema(schema);
  }
}, 60_000);
