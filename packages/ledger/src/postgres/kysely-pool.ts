import type { PostgresPool, PostgresPoolClient } from 'kysely';
import type pg from 'pg';
import type { Logger } from '@rota/provider';
import type { PostgresStoreConfig } from './open-postgres-pool.js';
import { dropSilentConnection, isReplyTimeout, replyDeadlineMs } from './silent-connections.js';

/**
 * The pool as Kysely's PostgresDialect takes it, with one difference: a
 * connection whose reply missed its deadline is dropped at once. Without
 * this Kysely would send the transaction's rollback down the same silent
 * connection, wait a second deadline, and only then give it back.
 */
export function kyselyPool(pool: pg.Pool, config: PostgresStoreConfig, logger: Logger): PostgresPool {
  // One wrapper per connection, so Kysely keeps one connection object per connection too.
  const wrappers = new WeakMap<pg.PoolClient, PostgresPoolClient>();
  const wrap = (client: pg.PoolClient): PostgresPoolClient => {
    // Only the string form: Kysely passes a cursor to stream, which needs a cursor class in the dialect's config, and the ledger gives none.
    const query = (sql: string, parameters: ReadonlyArray<unknown>) =>
      client.query(sql, parameters as unknown[]).catch((error: unknown) => {
        if (isReplyTimeout(error)) dropSilentConnection(client, logger, replyDeadlineMs(config.statementTimeoutMs));
        throw error;
      });
    // pg's pool gives each lending its own release: look it up when called.
    return { query: query as unknown as PostgresPoolClient['query'], release: (destroy?: boolean) => client.release(destroy) };
  };
  return {
    connect: async () => {
      const client = await pool.connect();
      let wrapper = wrappers.get(client);
      if (!wrapper) wrappers.set(client, (wrapper = wrap(client)));
      return wrapper;
    },
    end: () => pool.end(),
  };
}
