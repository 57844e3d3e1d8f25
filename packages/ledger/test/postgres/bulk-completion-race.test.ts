import pg from 'pg';
import type { SendResult } from '@rota/core';
import { expect, it } from '@jest/globals';
import { openLedgerStore } from '../../src/index.js';
import { bulkTemplate, dropSchema, freshSchemaName, HASH_KEY, numbers, postgresTestConfig, postgresTestUrl } from '../ledger-fixtures.js';

const accepted = (to: string, n: number): SendResult => ({
  status: 'accepted', to, providerId: 'figensoft', accountId: 'main', providerMessageId: `fs-${n}`,
  segments: 1, encoding: 'GSM7', simulated: true, attempts: [{ providerId: 'figensoft', accountId: 'main', outcome: 'accepted', tries: 1, durationMs: 1 }],
});

// Two units of one bulk finished at the same time (two workers, or two slots of one
// worker), each finish its own PostgreSQL transaction. Under READ COMMITTED each would see the
// other's records still `dispatching` and neither complete the bulk (before the bulk's row was
// locked: 12 of 40 never completed, and their bulk.completed was never written).
it('completes a bulk whose last two units are finished concurrently', async () => {
  const schema = freshSchemaName();
  const store = await openLedgerStore(postgresTestConfig(schema), { hashKey: HASH_KEY });
  const client = new pg.Client({ connectionString: postgresTestUrl() });
  await client.connect();
  try {
    let n = 0;
    for (let b = 0; b < 40; b++) {
      const outcome = await store.recordBulk({ template: bulkTemplate(), owner: 'acme', callbackUrl: 'https://hooks.example/x' }, numbers(2, b * 2));
      const { items } = await store.list({ bulkId: (outcome as { bulkId: string }).bulkId });
      await Promise.all(items.map((record) => store.finishMany([{ id: record.id, result: accepted(record.to, n++) }])));
    }
    const unfinished = await client.query(`select count(*)::int as n from "${schema}".messages where state in ('queued','dispatching')`);
    const stuck = await client.query(`select count(*)::int as n from "${schema}".bulks where completed_at is null`);
    const events = await client.query(`select count(*)::int as n from "${schema}".webhook_outbox where type = 'bulk.completed'`);
    expect(unfinished.rows[0].n).toBe(0);
    expect({ bulksNeverCompleted: stuck.rows[0].n, bulkCompletedEvents: events.rows[0].n }).toEqual({ bulksNeverCompleted: 0, bulkCompletedEvents: 40 });
  } finally {
    await client.end();
    await store.close();
    await dropSchema(schema);
  }
}, 60_000);
