import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The database the tests may create schemas in; the README test command starts a throwaway cluster and sets it. */
export function testDatabaseUrl(): string {
  const url = process.env.ROTA_TEST_POSTGRES_URL;
  if (!url) {
    throw new Error(
      'ROTA_TEST_POSTGRES_URL is not set: run the tests through the README test command (it starts a throwaway PostgreSQL cluster), or point it at a database the tests may create schemas in',
    );
  }
  return url;
}

/**
 * A schema name of its own for one test, so tests never see each other's records or queue. Letters only:
 * ten random hex digits that happened to be all digits ("missing_8990588061") read as a phone number, and
 * the CLI masked it in the error a test looked for.
 */
export function freshSchema(prefix: string): string {
  return `${prefix}_${Array.from(randomBytes(10), (byte) => String.fromCharCode(97 + (byte % 26))).join('')}`;
}

/** Drops a ledger schema and its queue's. */
export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: testDatabaseUrl() });
  await client.connect();
  try {
    await client.query(`drop schema if exists "${schema}" cascade`);
    await client.query(`drop schema if exists "${schema}_queue" cascade`);
  } finally {
    await client.end();
  }
}

/** One query against the test database (counts the tests read straight from the tables). */
export async function query<Row extends Record<string, unknown>>(text: string, values: unknown[] = []): Promise<Row[]> {
  const client = new pg.Client({ connectionString: testDatabaseUrl() });
  await client.connect();
  try {
    return (await client.query<Row>(text, values)).rows;
  } finally {
    await client.end();
  }
}
