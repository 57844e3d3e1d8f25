import type pg from 'pg';

const DUPLICATE_SCHEMA = '42P06';
const UNIQUE_VIOLATION = '23505';

/**
 * Creates the ledger's schema if it is missing. Two processes starting at
 * once may both try: PostgreSQL's IF NOT EXISTS still lets one of them fail
 * on the catalog's unique index, which here means "it exists now".
 */
export async function createSchema(pool: pg.Pool, schema: string): Promise<void> {
  try {
    // `schema` matched /^[a-z_][a-z0-9_]*$/ in the store config: safe to quote as an identifier.
    await pool.query(`create schema if not exists "${schema}"`);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code !== DUPLICATE_SCHEMA && code !== UNIQUE_VIOLATION) throw error;
  }
}

/** Whether `schema` holds a ledger (its messages table): a store to open as it is, not to create. */
export async function holdsLedger(pool: pg.Pool, schema: string): Promise<boolean> {
  const { rows } = await pool.query<{ found: string | null }>('select to_regclass($1) as found', [`"${schema}".messages`]);
  return rows[0]?.found !== null && rows[0]?.found !== undefined;
}
