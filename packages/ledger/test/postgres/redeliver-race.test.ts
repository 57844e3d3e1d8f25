import pg from 'pg';
import { openLedgerStore } from '../../src/index.js';
import { dropSchema, freshSchemaName, HASH_KEY, postgresTestConfig, postgresTestUrl } from '../ledger-fixtures.js';

// An operator's redelivery of a delivered event while another sender's 410 for the same receiver
// is still in its transaction: the redelivery cannot see the uncommitted switch, so both commit and
// the event is pending for a switched-off receiver. The claim must still not send it.

it('sends no event to a receiver switched off by a 410 that committed while its redelivery was on its way', async () => {
  const schema = freshSchemaName();
  const store = await openLedgerStore(postgresTestConfig(schema), { hashKey: HASH_KEY });
  const url = 'https://hooks.acme.example/rota';
  const other = new pg.Client({ connectionString: postgresTestUrl() });
  await other.connect();
  try {
    await other.query(`set search_path to "${schema}"`);
    const now = Date.now();
    await other.query(
      `insert into webhook_outbox (id, owner, url, type, payload, state, attempts, due_at, created_at, updated_at, retry_from) values ($1, 'acme', $2, 'message.accepted', '{}', 'delivered', 1, $3, $3, $3, $3)`,
      ['evt_race', url, now - 60_000],
    );
    // The other sender's 410: the switch written, not yet committed.
    await other.query('begin');
    await other.query(`insert into webhook_endpoints (url, disabled_at, disabled_reason) values ($1, $2, 'the receiver answered 410 Gone')`, [url, now]);
    expect(await store.redeliverWebhook('evt_race')).toBe('redelivered');
    await other.query('commit');

    expect(await store.claimWebhooks({ now: new Date(now + 1_000), limit: 10, leaseMs: 60_000 })).toEqual([]);
    // Turned back on, the receiver gets it.
    await store.enableEndpoint(url);
    expect((await store.claimWebhooks({ now: new Date(now + 2_000), limit: 10, leaseMs: 60_000 })).map((event) => event.id)).toEqual(['evt_race']);
  } finally {
    await other.end();
    await store.close();
    await dropSchema(schema);
  }
});
