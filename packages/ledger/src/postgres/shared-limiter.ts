import { RateLimiterMemory, RateLimiterPostgres } from 'rate-limiter-flexible';
import type { LimiterFactory } from '../dispatch/account-throttle.js';
import type { PostgresConnection } from './postgres-connection.js';

/**
 * Per-account limits held for all workers together: each send takes its
 * points from one row per account in `rate_limits` (rate-limiter-flexible's
 * PostgreSQL store, an atomic upsert), so three workers under a limit of 100
 * per second send 100 per second between them, not 300. While the database
 * cannot answer, each process falls back to a limit of its own (the
 * library's insurance limiter) rather than stopping or sending unlimited.
 */
export function sharedLimiterFor(connection: PostgresConnection): LimiterFactory {
  return (_key, maxPerSecond) =>
    new RateLimiterPostgres({
      storeClient: connection.pool,
      storeType: 'pool',
      schemaName: connection.config.schema,
      tableName: 'rate_limits',
      tableCreated: true,
      keyPrefix: 'send',
      points: maxPerSecond,
      duration: 1,
      insuranceLimiter: new RateLimiterMemory({ points: maxPerSecond, duration: 1 }),
    });
}
