import pg from 'pg';
import { openLedgerStore, type LedgerStore } from '../../src/index.js';
import { LedgerHasher } from '../../src/ledger-hashing.js';
import { dropSchema, freshSchemaName, HASH_KEY, message, postgresTestConfig, postgresTestUrl } from '../ledger-fixtures.js';

// A client's retry of a message racing the erasure of its number on
// PostgreSQL. The retry's insert waits for the erasure's deleted row; once
// the erasure commits, the insert goes through, and only a look at the erased
// keys made after it (a snapshot taken after the erasure) refuses it.

let schema: string;
let store: LedgerStore;
let eraser: pg.Client;

beforeEach(async () => {
  schema = freshSchemaName();
  store = await openLedgerStore(postgresTestConfig(schema), { hashKey: HASH_KEY });
  eraser = new pg.Client({ connectionString: postgresTestUrl() });
  await eraser.connect();
  await eraser.query(`set search_path to "${schema}"`);
});

afterEach(async () => {
  await eraser.end();
  await store.close();
  await dropSchema(schema);
});

it('refuses a retry whose insert waited for an erasure that then committed: nothing recorded, nothing queued', async () => {
  const entry = { message: message({ to: '+905321234567', idempotencyKey: 'order-7' }), owner: 'acme' };
  const [first] = await store.recordMessages([entry]);
  expect(first?.kind).toBe('created');

  // The erasure as eraseNumber makes it, held open: the record deleted, its key kept as a hash.
  await eraser.query('begin');
  await eraser.query(`delete from messages where to_number = '+905321234567'`);
  await eraser.query('insert into erased_keys (owner, key_hash, created_at) values ($1, $2, $3)', ['acme', new LedgerHasher(HASH_KEY).erasedKey('order-7'), Date.now()]);
  const retry = store.recordMessages([entry]);
  await new Promise((resolve) => setTimeout(resolve, 300)); // its insert now waits for the deleted row
  await eraser.query('commit');

  expect(await retry).toEqual([{ kind: 'erased' }]);
  expect((await eraser.query('select count(*)::int as n from messages')).rows[0]).toEqual({ n: 0 });
  expect((await store.stats(new Date())).queueDepth.notification).toBe(0);
});
