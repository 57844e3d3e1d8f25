import type { PostgresPool, PostgresPoolClient } from 'kysely';
import type pg from 'pg';
import type { Logger } from '@rota/provider';
import type { PostgresStoreConfig } from './open-postgres-pool.js';
import { dropIfSilent, replyDeadlineMs } from './silent-connections.js';

/**
 * The pool as Kysely's PostgresDialect takes it, with the reply deadline of
 * one statement on each query (the ledger's statements each run under the
 * statement timeout), and one difference on a miss: the connection is dropped
 * at once and given back to be discarded. Without this Kysely would send the
 * transaction's rollback down the same silent connection and wait a second
 * deadline, and a query outside a transaction would give it back to be lent
 * again.
 */
export function kyselyPool(pool: pg.Pool, config: PostgresStoreConfig, logger: Logger): PostgresPool {
  const deadlineMs = replyDeadlineMs(config.statementTimeoutMs);
  const dropped = new WeakSet<pg.PoolClient>();
  // One wrapper per connection, so Kysely keeps one connection object per connection too.
  const wrappers = new WeakMap<pg.PoolClient, PostgresPoolClient>();
  const wrap = (client: pg.PoolClient): PostgresPoolClient => {
    // Only the string form: Kysely passes a cursor to stream, which needs a cursor class in the dialect's config, and the ledger gives none.
    const query = (sql: string, parameters: ReadonlyArray<unknown>) =>
      client.query({ text: sql, values: parameters as unknown[], query_timeout: deadlineMs } as pg.QueryConfig).catch((error: unknown) => {
        if (dropIfSilent(client, error, logger, deadlineMs)) dropped.add(client);
        throw error;
      });
    // pg's pool gives each lending its own release: look it up when called.
    return { query: query as unknown as PostgresPoolClient['query'], release: (destroy?: boolean) => client.release(destroy || dropped.has(client)) };
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
