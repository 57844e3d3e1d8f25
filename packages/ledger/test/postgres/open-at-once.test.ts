import { openLedgerStore, type LedgerStore } from '../../src/index.js';
import { dropSchema, freshSchemaName, HASH_KEY, message, postgresTestConfig } from '../ledger-fixtures.js';

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
