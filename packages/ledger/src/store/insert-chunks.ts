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

/** Compiled multi-row statements by shape and row count, kept across calls (see insertInChunks). */
const compiledChunks = new Map<string, CompiledQuery<unknown>>();
/** Shapes × row counts kept at most: the usual ones are few (a full chunk, a slice, a batch's size). */
const MAX_COMPILED_CHUNKS = 256;

/**
 * Inserts `rows` (all with the same columns) in multi-row statements of as
 * many rows as fit under the bound-parameter limit, and gives back what the
 * statements return. Kysely builds and compiles a statement once per shape
 * and row count; later chunks of that size — in this call or a later one —
 * reuse its SQL with their own values, since compiling 100,000 rows' worth of
 * values cost as much as inserting them (and a bulk recorded in slices
 * inserts hundreds of chunks of one size). The shape is the SQL Kysely
 * compiles for one row, so two dialects or two builders never share an
 * entry. rowMajorParameters binds in Kysely's order (a test holds it to that).
 */
export async function insertInChunks<R extends object, O>(
  db: Kysely<LedgerDatabase>,
  rows: readonly R[],
  build: (chunk: R[]) => Compilable<O>,
): Promise<O[]> {
  if (rows.length === 0) return [];
  const columns = Object.keys(rows[0]!) as (keyof R)[];
  const size = Math.max(1, Math.floor(MAX_BOUND_PARAMETERS / columns.length));
  const shape = build([rows[0]!]).compile().sql;
  const returned: O[] = [];
  for (const chunk of chunksOf(rows, size)) {
    const key = `${chunk.length}:${shape}`;
    let compiled = compiledChunks.get(key) as CompiledQuery<O> | undefined;
    if (!compiled) {
      compiled = build(chunk).compile();
      if (compiledChunks.size >= MAX_COMPILED_CHUNKS) compiledChunks.clear();
      compiledChunks.set(key, compiled);
    }
    const query: CompiledQuery<O> = { ...compiled, parameters: rowMajorParameters(chunk, columns) };
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
