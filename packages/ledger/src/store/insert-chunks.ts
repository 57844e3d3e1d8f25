import type { Compilable, CompiledQuery, InsertQueryBuilder, Kysely } from 'kysely';
import type { LedgerDatabase, NewMessageRow } from '../database.js';
import { MAX_BOUND_PARAMETERS } from '../sql-dialect.js';

/** Splits `items` into runs of at most `size`. */
export function* chunksOf<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let start = 0; start < items.length; start += size) yield items.slice(start, start + size);
}

/** The values of `rows` in the order a multi-row INSERT binds them: row by row, each in `columns` order. */
export function rowMajorParameters<R extends object>(rows: readonly R[], columns: readonly (keyof R)[]): unknown[] {
  const parameters = new Array<unknown>(rows.length * columns.length);
  let next = 0;
  for (const row of rows) for (const column of columns) parameters[next++] = row[column];
  return parameters;
}

/**
 * Inserts `rows` (all with the same columns) in multi-row statements of as
 * many rows as fit under the bound-parameter limit, and gives back what the
 * statements return. Kysely builds and compiles the statement for the first
 * full chunk; later full chunks reuse its SQL with their own values, since
 * compiling 100,000 rows' worth of values cost as much as inserting them.
 * rowMajorParameters binds in Kysely's order (a test holds it to that).
 */
export async function insertInChunks<R extends object, O>(
  db: Kysely<LedgerDatabase>,
  rows: readonly R[],
  build: (chunk: R[]) => Compilable<O>,
): Promise<O[]> {
  if (rows.length === 0) return [];
  const columns = Object.keys(rows[0]!) as (keyof R)[];
  const size = Math.max(1, Math.floor(MAX_BOUND_PARAMETERS / columns.length));
  const returned: O[] = [];
  let fullChunk: CompiledQuery<O> | undefined;
  for (const chunk of chunksOf(rows, size)) {
    let query: CompiledQuery<O>;
    if (chunk.length === size && fullChunk) query = { ...fullChunk, parameters: rowMajorParameters(chunk, columns) };
    else {
      query = build(chunk).compile();
      if (chunk.length === size) fullChunk = query;
    }
    returned.push(...(await db.executeQuery(query)).rows);
  }
  return returned;
}

type MessageInsert = InsertQueryBuilder<LedgerDatabase, 'messages', { id: string }>;

/**
 * Inserts message rows; a row whose (owner, idempotency key) is already taken
 * is skipped, not an error. Returns the ids actually inserted, so the caller
 * can tell which keys were already there.
 */
export async function insertMessageRows(db: Kysely<LedgerDatabase>, rows: readonly NewMessageRow[]): Promise<Set<string>> {
  const returned = await insertInChunks(db, rows, (chunk): MessageInsert =>
    db
      .insertInto('messages')
      .values(chunk)
      .onConflict((conflict) => conflict.columns(['owner', 'idempotency_key']).doNothing())
      .returning('id'),
  );
  return new Set(returned.map(({ id }) => id));
}

/** Inserts message rows that carry no idempotency key: nothing can conflict, nothing needs returning. */
export async function insertKeylessMessageRows(db: Kysely<LedgerDatabase>, rows: readonly NewMessageRow[]): Promise<void> {
  await insertInChunks(db, rows, (chunk) => db.insertInto('messages').values(chunk));
}
