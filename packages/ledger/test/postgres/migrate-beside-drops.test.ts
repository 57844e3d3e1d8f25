import pg from 'pg';
import { openLedgerStore } from '../../src/index.js';
import { dropSchema, freshSchemaName, HASH_KEY, postgresTestConfig, postgresTestUrl } from '../ledger-fixtures.js';

// A database shared with other software (or other ledgers coming and going):
// schemas are created and dropped beside ours while a store opens. Kysely's
// look for its migration table reads every schema's tables, and one dropped
// during that read failed the open with `schema "…" does not exist`.

it('opens (migrates) its store while another client creates and drops schemas of its own', async () => {
  const other = new pg.Client({ connectionString: postgresTestUrl() });
  await other.connect();
  let churning = true;
  const churn = (async () => {
    for (let i = 0; churning; i++) {
      const name = `churn_${process.pid}_${i}`;
      await other.query(`create schema "${name}"`);
      await other.query(`create table "${name}".t (id int, a text, b text, c text)`);
      await other.query(`drop schema "${name}" cascade`);
      // Another application's pace, fast as it is: a drop every few milliseconds.
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();
  const schemas: string[] = [];
  try {
    for (let i = 0; i < 10; i++) {
      const schema = freshSchemaName();
      schemas.push(schema);
      const store = await openLedgerStore(postgresTestConfig(schema), { hashKey: HASH_KEY });
      await store.close();
    }
  } finally {
    churning = false;
    await churn;
    await other.end();
    for (const schema of schemas) await dropSchema(schema);
  }
}, 120_000);
