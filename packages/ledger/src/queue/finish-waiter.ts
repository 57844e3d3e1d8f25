import type { LedgerStore } from '../ledger-store.js';
import { UNFINISHED_STATES } from '../message-record.js';
import type { PostgresListener } from '../postgres/postgres-notifications.js';

interface Waiter {
  pending: Set<string>;
  resolve: () => void;
  timer: NodeJS.Timeout;
}

/**
 * A gateway waiting for results a worker writes: the worker's finish
 * announces the awaited ids (NOTIFY), which ends the wait at once. A
 * notification can be lost (the listening connection was down), so the
 * records of waits still open are also read every `pollMs`.
 */
export class FinishWaiter {
  readonly #waiters = new Set<Waiter>();
  readonly #store: LedgerStore;
  readonly #pollMs: number;
  #poll: NodeJS.Timeout | undefined;
  #detach: (() => void)[] = [];
  /** Set by endWaits(): no wait lasts any more. */
  #ended = false;

  constructor(store: LedgerStore, listener: PostgresListener, pollMs = 1_000) {
    this.#store = store;
    this.#pollMs = pollMs;
    this.#detach.push(
      listener.on('finished', (payload) => this.#finished(payload.split(','))),
      listener.onReconnect(() => void this.#check()),
    );
  }

  /** Resolves when every one of `ids` is finished, or after `timeoutMs` (the caller then reads where they are). */
  wait(ids: readonly string[], timeoutMs: number): Promise<void> {
    if (ids.length === 0 || this.#ended) return Promise.resolve();
    return new Promise((resolve) => {
      const waiter: Waiter = {
        pending: new Set(ids),
        resolve: () => {
          clearTimeout(waiter.timer);
          this.#waiters.delete(waiter);
          if (this.#waiters.size === 0) this.#stopPolling();
          resolve();
        },
        timer: setTimeout(() => waiter.resolve(), timeoutMs),
      };
      this.#waiters.add(waiter);
      this.#poll ??= setInterval(() => void this.#check(), this.#pollMs);
    });
  }

  /**
   * Ends every wait now, and any begun later at once (a shutdown whose
   * requests outlast their bound): their callers read where the records are.
   */
  endWaits(): void {
    this.#ended = true;
    for (const waiter of [...this.#waiters]) waiter.resolve();
  }

  /** Ends every wait now, and stops listening (shutdown). */
  close(): void {
    this.endWaits();
    for (const detach of this.#detach.splice(0)) detach();
  }

  #finished(ids: readonly string[]): void {
    for (const waiter of [...this.#waiters]) {
      for (const id of ids) waiter.pending.delete(id);
      if (waiter.pending.size === 0) waiter.resolve();
    }
  }

  async #check(): Promise<void> {
    const pending = new Set<string>();
    for (const waiter of this.#waiters) for (const id of waiter.pending) pending.add(id);
    const done: string[] = [];
    for (const id of pending) {
      try {
        const record = await this.#store.get(id);
        if (!record || !(UNFINISHED_STATES as readonly string[]).includes(record.state)) done.push(id);
      } catch {
        return; // the database is away: the next round, or the timeout, ends the wait
      }
    }
    this.#finished(done);
  }

  #stopPolling(): void {
    clearInterval(this.#poll);
    this.#poll = undefined;
  }
}
