import type { PostgresConnection } from './postgres-connection.js';

/** The first key of the ledger's advisory lock on its queue's setup ('rotq'), beside those on numbers and keys. */
const QUEUE_SETUP_LOCK = 0x726f7471;

/** How long a process waits for another's setup (pg-boss's migrations after an upgrade included) before it gives up. */
const SETUP_WAIT_MS = 120_000;
/** Between tries: a setup takes well under a second, so a waiter starts soon after it ends, at a query a tenth of a second. */
const RETRY_MS = 100;

/**
 * Runs `setUp` (pg-boss's start: its schema, its migrations, its queues) while
 * no other process on the database sets up the same queue. Processes started
 * together on a fresh database all set it up at once, and pg-boss's own steps
 * race: `create schema if not exists` failed on the catalog's unique index,
 * and creating the queues deadlocked, so all but one process exited. The lock
 * is the session's, held on a connection of its own for the setup (well under
 * a second), and keyed by the schema: ledgers in other schemas do not wait.
 * It is tried rather than waited for, so that no statement outlasts the
 * store's statement timeout, and a wait that ends says what it waited for.
 */
export async function setupLocked(connection: PostgresConnection, setUp: () => Promise<void>, waitMs = SETUP_WAIT_MS): Promise<void> {
  const client = await connection.pool.connect();
  const key = [QUEUE_SETUP_LOCK, connection.config.schema];
  let failed = false;
  try {
    const started = Date.now();
    while (!(await client.query<{ locked: boolean }>('select pg_try_advisory_lock($1, hashtext($2)) as locked', key)).rows[0]?.locked) {
      if (Date.now() - started >= waitMs) {
        const waited = ((Date.now() - started) / 1_000).toFixed(1);
        throw new Error(`waited ${waited} s for another process to finish setting up the dispatch queue (pg-boss, schema "${connection.config.schema}_queue"); is one stuck?`);
      }
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
    }
    try {
      await setUp();
    } finally {
      await client.query('select pg_advisory_unlock($1, hashtext($2))', key);
    }
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    // After a failure the connection may still hold the lock (its unlock failed): destroyed, not pooled, it lets go.
    client.release(failed);
  }
}
