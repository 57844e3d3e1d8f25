/*
 * Whether a store call failed because the database could not be reached (or
 * dropped the connection, or is shutting down, or is too busy to answer in
 * time) rather than because it refused the statement. A gateway answers the
 * first kind 503 `store-unavailable`: the client tries again later, with the
 * same idempotency key, and nothing is ever accepted without a record.
 */

/**
 * PostgreSQL SQLSTATEs: connection exceptions (class 08), server shutting
 * down or starting, too many connections, a statement cancelled by the
 * timeout; a login refused (class 28: a rotated password, a changed
 * pg_hba.conf) or to a database that is gone (3D000) or not accepting
 * connections (55000, `ALLOW_CONNECTIONS false`); a write refused by a
 * server that became a read-only standby (25006, after a failover). Each is
 * the database's state, not the request's fault: the client tries again.
 */
const POSTGRES_CODES = /^(08...|57P0[1-4]|53300|57014|28...|3D000|55000|25006)$/;
/** Node's socket errors on the way to the server. */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
/** SQLite: another writer held the file past the busy timeout, or the disk failed or filled. */
const SQLITE_CODES = /^SQLITE_(BUSY|LOCKED|IOERR|FULL|CANTOPEN)/;
/** pg's own words for a connection it lost or could not make, or that gave no reply by its deadline (it sets no code on these). */
const PG_MESSAGES = /connection terminated|query read timeout|timeout exceeded when trying to connect|connection error and is not queryable|not queryable|cannot use a pool after calling end/i;
/** Kysely's, for a call that comes after the store was closed (a request still in flight while the process shuts down). */
const CLOSED_MESSAGES = /driver has already been destroyed/i;

export function isStoreUnavailable(error: unknown, depth = 0): boolean {
  if (error === null || typeof error !== 'object' || depth > 4) return false;
  const { code, message, cause } = error as { code?: unknown; message?: unknown; cause?: unknown };
  if (typeof code === 'string' && (POSTGRES_CODES.test(code) || SOCKET_CODES.has(code) || SQLITE_CODES.test(code))) return true;
  if (typeof message === 'string' && (PG_MESSAGES.test(message) || CLOSED_MESSAGES.test(message))) return true;
  if (error instanceof AggregateError && error.errors.some((inner) => isStoreUnavailable(inner, depth + 1))) return true;
  return isStoreUnavailable(cause, depth + 1);
}
