import type pg from 'pg';
import type { Logger } from '@rota/provider';

/*
 * A connection can go silent without closing: a network path that drops it
 * without a reset, a firewall that forgets it, a server host that froze. TCP
 * notices only after about fifteen minutes of retransmissions, and until then
 * every query on it waits, and the pool lends it again and again. So each
 * query has a reply deadline (pg's `query_timeout`), and a connection that
 * missed one is dropped and replaced rather than lent again.
 */

/**
 * How long past the statement timeout a reply may take. The server cancels a
 * statement at its timeout and says so at once; a reply still missing after
 * this is a connection gone silent, not a slow statement.
 */
const REPLY_GRACE_MS = 2_000;

/** The deadline of one of the ledger's statements. */
export function replyDeadlineMs(statementTimeoutMs: number): number {
  return statementTimeoutMs + REPLY_GRACE_MS;
}

/** How long pg-boss waits for its maintenance lock (`lock_timeout` in its locked commands). */
const QUEUE_LOCK_WAIT_MS = 30_000;

/**
 * The deadline of the pool's own calls (`pool.query`: the queue's and the
 * limiter's). Some of pg-boss's are several statements in one text behind an
 * advisory lock it may wait 30 s for, so one statement timeout is not their
 * bound: they get the lock's wait and two statement timeouts. Still many
 * minutes short of TCP's fifteen.
 */
export function poolReplyDeadlineMs(statementTimeoutMs: number): number {
  return QUEUE_LOCK_WAIT_MS + 2 * statementTimeoutMs + REPLY_GRACE_MS;
}

/** Whether `error` is pg's for a reply that did not come by the deadline (it sets no code on it). */
function isReplyTimeout(error: unknown): boolean {
  return error instanceof Error && error.message === 'Query read timeout';
}

/**
 * When `error` says the connection missed its reply deadline: closes its
 * socket at once, says so, and returns true. Ending it politely would send
 * its goodbye into the silence and hold the socket open until TCP gives up.
 * pg has no public way to do this; its own pool closes a connection that
 * timed out while connecting the same way. The close is seen on a later turn
 * of the event loop: until then the connection still looks usable, so
 * whoever gives it back to the pool must ask for it to be discarded.
 */
export function dropIfSilent(client: pg.Client, error: unknown, logger: Logger, deadlineMs: number): boolean {
  if (!isReplyTimeout(error)) return false;
  (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
  logger.warn({ deadlineMs }, 'ledger: a database connection gave no reply by its deadline; it is dropped and replaced');
  return true;
}
