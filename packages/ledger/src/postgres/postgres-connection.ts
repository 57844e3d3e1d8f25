import type pg from 'pg';
import type { PostgresStoreConfig } from './open-postgres-pool.js';

/** A PostgreSQL store's pool and settings: the queue, the shared limiter and the notifications reach the same database through them. */
export interface PostgresConnection {
  pool: pg.Pool;
  config: PostgresStoreConfig;
}
