import pg from 'pg';
import type { Logger } from '@rota/provider';
import type { z } from 'zod';
import type { PostgresStoreConfigSchema } from '../store-config.js';
import { dropIfSilent, poolReplyDeadlineMs } from './silent-connections.js';

export type PostgresStoreConfig = z.output<typeof PostgresStoreConfigSchema>;

const INT8_OID = 20;
const NUMERIC_OID = 1700;

/**
 * The ledger's integers come back as numbers, as SQLite gives them: `bigint`
 * (times in ms, sequence numbers, counts) is a string by default in pg, since
 * it may exceed 2^53. The ledger's never do (a time in ms is about 2^41).
 */
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID || oid === NUMERIC_OID) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format);
  },
};

/**
 * A connection pool for the ledger's schema: every connection has it as its
 * search_path and carries the statement timeout. A connection that dies while
 * idle (the server restarted, the network dropped) is only logged: the pool
 * drops it and opens a new one for the next query, which is how the process
 * reconnects without a restart. One that goes silent instead of dying misses
 * its reply deadline and is dropped the same way (silent-connections.ts).
 */
export function openPostgresPool(config: PostgresStoreConfig, logger: Logger, name: string): pg.Pool {
  const pool = new pg.Pool({
    connectionString: config.url,
    max: config.poolSize,
    connectionTimeoutMillis: config.connectTimeoutMs,
    idleTimeoutMillis: 30_000,
    // Idle connections alone do not keep the process alive (a CLI command ends when its work does).
    allowExitOnIdle: true,
    application_name: name,
    // Kysely's queries (every ledger call) get a shorter deadline each: kysely-pool.ts.
    query_timeout: poolReplyDeadlineMs(config.statementTimeoutMs),
    // TCP probes a connection idle this long, so one that went silent while idle is found without a query paying for
    // it (once the OS's probes fail: about 11 minutes more on Linux's defaults).
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    options: `-c search_path=${config.schema} -c statement_timeout=${config.statementTimeoutMs} -c idle_in_transaction_session_timeout=${config.statementTimeoutMs}`,
    types,
  });
  pool.on('error', (error) => logger.warn({ error: describePostgresError(error) }, 'ledger: an idle database connection failed; it is replaced on the next query'));
  // A lent connection's error reaches its query; unheard, the event would end the process.
  pool.on('connect', (client) => client.on('error', () => undefined));
  // pool.query (the queue's and the limiter's calls) gives a connection back with the query's error, and the pool discards it.
  pool.on('release', (error, client) => void dropIfSilent(client, error, logger, poolReplyDeadlineMs(config.statementTimeoutMs)));
  return pool;
}

/**
 * A database error in words safe to log and show: its code and message. pg's
 * messages never carry the password, but an error from the URL parser may
 * quote the URL, so the URL's credentials are cut out of anything said.
 */
export function describePostgresError(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  const safe = message.replace(/postgres(ql)?:\/\/[^@\s]*@/gi, 'postgres://…@');
  return typeof code === 'string' ? `${code}: ${safe}` : safe;
}
