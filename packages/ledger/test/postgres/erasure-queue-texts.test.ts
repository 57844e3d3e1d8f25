import pg from 'pg';
import { openLedgerStore, type LedgerStore } from '../../src/index.js';
import { bulkTemplate, dropSchema, freshSchemaName, HASH_KEY, message, postgresTestConfig, postgresTestUrl } from '../ledger-fixtures.js';

// On PostgreSQL an OTP's text waits in the shared queue (pg-boss), sealed: the ledger never stores
// it, a worker needs it to send. Erasing the number takes that copy too (a probe found it there,
// due in 2030, after the erasure); a unit with records left keeps it for them.

let schema: string;
let store: LedgerStore;
let reader: pg.Client;

beforeEach(async () => {
  schema = freshSchemaName();
  store = await openLedgerStore(postgresTestConfig(schema), { hashKey: HASH_KEY });
  reader = new pg.Client({ connectionString: postgresTestUrl() });
  await reader.connect();
});

afterEach(async () => {
  await reader.end();
  await store.close();
  await dropSchema(schema);
});

/** The sealed texts the queue holds, waiting or done. */
async function sealedTexts(): Promise<number> {
  const { rows } = await reader.query<{ n: number }>(
    `select (select count(*) from "${schema}_queue".job where data ? 'sealedText')::int + (select count(*) from "${schema}_queue".archive where data ? 'sealedText')::int as n`,
  );
  return rows[0]!.n;
}

it("takes an erased OTP's sealed text out of the queue, and an OTP bulk's once no recipient of it is left", async () => {
  const later = new Date(Date.now() + 86_400_000);
  const [otp] = await store.recordMessages([{ message: message({ to: '+905321234561', otp: true, text: 'Kodunuz 918273', sendAt: later }), owner: 'acme' }]);
  expect(otp?.kind).toBe('created');
  const bulk = await store.recordBulk({ template: bulkTemplate({ otp: true, iysType: 'NOTIFICATION', text: 'Kodunuz 554433', sendAt: later }), owner: 'acme' }, ['+905321234562', '+905321234563']);
  expect(bulk.kind).toBe('created');
  expect(await sealedTexts()).toBe(2);
  // A copy of the OTP's job in pg-boss's archive (where a done job goes after an hour, text and all before this fix).
  await reader.query(`insert into "${schema}_queue".archive select * from "${schema}_queue".job where name = 'rota-otp'`);
  expect(await sealedTexts()).toBe(3);

  expect(await store.eraseNumber('+905321234561')).toBe(1);
  expect(await sealedTexts()).toBe(1);
  // One recipient of the bulk erased: the other still needs the text.
  expect(await store.eraseNumber('+905321234562')).toBe(1);
  expect(await sealedTexts()).toBe(1);
  expect(await store.eraseNumber('+905321234563')).toBe(1);
  expect(await sealedTexts()).toBe(0);
});

it("takes a sent OTP's sealed text out of its completed unit: pg-boss keeps a completed job for days", async () => {
  await store.recordMessages([
    { message: message({ to: '+905321234561', otp: true, text: 'Kodunuz 918273' }), owner: 'acme' },
    { message: message({ to: '+905321234562', text: 'Kargonuz yolda' }), owner: 'acme' },
  ]);
  expect(await sealedTexts()).toBe(1);
  const queue = store.queue!;
  const units = [...(await queue.fetch('rota-otp', 10)), ...(await queue.fetch('rota-singles', 10))];
  expect(units).toHaveLength(2);
  await queue.complete(units);
  expect(await sealedTexts()).toBe(0);
  // The unit without a text is completed as before.
  const { rows } = await reader.query<{ state: string }>(`select state from "${schema}_queue".job`);
  expect(rows.map((row) => row.state)).toEqual(['completed', 'completed']);
});
