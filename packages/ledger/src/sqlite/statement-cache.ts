import type Database from 'better-sqlite3';
import type { SqliteDatabase } from 'kysely';

/** Statements kept; the ledger runs a few dozen distinct ones. */
const CAPACITY = 100;

/**
 * Kysely's SQLite driver prepares every query it runs, and better-sqlite3
 * compiles the SQL anew each time. The ledger runs the same statements over
 * and over (a claim, a finish, every full chunk of a bulk insert: about a
 * third of a 100,000-recipient bulk's time went to preparing), so prepared
 * statements are kept by their SQL and the least recently used dropped. Safe
 * because the driver runs one query at a time and the ledger never streams.
 */
export function withStatementCache(db: Database.Database): SqliteDatabase {
  const statements = new Map<string, Database.Statement>();
  return {
    close: () => db.close(),
    prepare(sql) {
      let statement = statements.get(sql);
      if (statement) statements.delete(sql);
      else {
        statement = db.prepare(sql);
        if (statements.size >= CAPACITY) statements.delete(statements.keys().next().value!);
      }
      statements.set(sql, statement);
      return statement;
    },
  };
}
