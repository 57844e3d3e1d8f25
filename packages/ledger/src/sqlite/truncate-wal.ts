import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@rota/provider';
import { sql, type Kysely } from 'kysely';
import { describeError } from '../error-text.js';

/** Tries of a checkpoint another process's reader blocks, and the pause after the first (doubled after each). */
const TRIES = 3;
const FIRST_PAUSE_MS = 100;

/** The row `PRAGMA wal_checkpoint` answers: `busy` 1 when it could not finish. */
interface CheckpointRow {
  busy: number;
  log: number;
  checkpointed: number;
}

/**
 * Folds the write-ahead log into the database file and truncates it to
 * nothing (`wal_checkpoint(TRUNCATE)`). Called after an erasure or a prune:
 * secure_delete overwrites deleted rows in the database file, but the log
 * still holds the frames that wrote them (the page as it was, the number and
 * the text in clear) until it is checkpointed and written over — a probe found
 * an erased number 137 times in the -wal right after the erasure.
 *
 * Nothing of this process holds a reader open: the store has one connection,
 * Kysely's driver runs one statement (or one transaction) on it at a time, so
 * this waits for a group commit in progress rather than cutting into it, and
 * better-sqlite3 resets a cached statement once it has run. Another process
 * reading the file (an operator's sqlite3 shell inside a transaction, a
 * backup) can block it: each try waits busy_timeout for that reader (the event
 * loop waits with it, as for a write another process holds), then it is
 * tried again after a pause, TRIES times in all. Answers whether the log was
 * truncated; if not, a warning says the erased data is still in the log.
 */
export async function truncateWal(db: Kysely<any>, logger: Logger): Promise<boolean> {
  let reason = 'a reader on another connection held the log';
  for (let tries = 1; tries <= TRIES; tries += 1) {
    if (tries > 1) await sleep(FIRST_PAUSE_MS * 2 ** (tries - 2));
    try {
      const { rows } = await sql<CheckpointRow>`pragma wal_checkpoint(TRUNCATE)`.execute(db);
      if (rows[0]?.busy === 0) return true;
    } catch (error) {
      reason = describeError(error);
    }
  }
  logger.warn(
    { tries: TRIES, reason },
    'ledger store: the write-ahead log could not be truncated after a deletion; what was erased or pruned stays in the -wal file until the next prune or the store closes',
  );
  return false;
}
