import pg from 'pg';
import { openLedgerStore, type LedgerStore } from '../../src/index.js';
import { bulkTemplate, dropSchema, freshSchemaName, HASH_KEY, message, postgresTestConfig, postgresTestUrl } from '../ledger-fixtures.js';

// One idempotency key stands for one send, whether a message or a bulk made
// it. Two gateways on PostgreSQL, one recording a message and the other a
// bulk under the same new key at the same instant: under READ COMMITTED
// neither transaction sees the other's uncommitted row, so without a lock on
// the key both were recorded and both sent.

let schema: string;
let a: LedgerStore;
let b: LedgerStore;
let client: pg.Client;

beforeEach(async () => {
  schema = freshSchemaName();
  a = await openLedgerStore(postgresTestConfig(schema), { hashKey: HASH_KEY });
  b = await openLedgerStore(postgresTestConfig(schema), { hashKey: HASH_KEY });
  client = new pg.Client({ connectionString: postgresTestUrl() });
  await client.connect();
  await client.query(`set search_path to "${schema}"`);
});

afterEach(async () => {
  await client.end();
  await Promise.all([a.close(), b.close()]);
  await dropSchema(schema);
});

it('makes one send of a message and a bulk racing one new key on two stores, every time', async () => {
  const rounds = 100;
  for (let i = 0; i < rounds; i++) {
    const key = `spring-${i}`;
    const [[single], bulk] = await Promise.all([
      a.recordMessages([{ message: message({ to: '+905321234567', idempotencyKey: key }), owner: 'acme' }]),
      b.recordBulk({ template: bulkTemplate(), owner: 'acme', idempotencyKey: key }, ['+905321234568', '+905321234569']),
    ]);
    const kinds = [single!.kind, bulk.kind].sort();
    expect(kinds).toEqual(['conflict', 'created']);
    // The loser names the winner.
    if (single!.kind === 'conflict') expect(single).toEqual({ kind: 'conflict', existingId: (bulk as { bulkId: string }).bulkId });
    else expect(bulk).toEqual({ kind: 'conflict', existingId: (single as { record: { id: string } }).record.id });
  }
  const { rows } = await client.query<{ keys: number }>(
    `select (select count(*) from messages where idempotency_key is not null)::int + (select count(*) from bulks where idempotency_key is not null)::int as keys`,
  );
  expect(rows[0]!.keys).toBe(rounds);
}, 60_000);
