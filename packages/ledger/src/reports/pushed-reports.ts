import { silentLogger, type DeliveryReport, type Logger } from '@rota/provider';
import type { LedgerStore } from '../ledger-store.js';
import { describeError } from '../error-text.js';
import { tellFinals, type ReportObserver } from './report-observer.js';

export interface PushedReportsOptions {
  store: LedgerStore;
  /** When a report written now is next read from its provider (the collector's first read). */
  nextDueAt: () => number;
  /** Waits before each new match of reports that named no message yet. Default 1 s, 5 s, 30 s, 2 min. */
  rematchMs?: readonly number[];
  /** Unmatched reports held at once; more are dropped (logged). Default 10,000. */
  maxHeld?: number;
  logger?: Logger;
  /** Told of the final reports written (metrics), as the collector's are. */
  observer?: ReportObserver;
  clock?: () => number;
}

/**
 * Reports a provider pushed, written to the messages that provider knows by
 * those ids. A push can outrun the write of its send's result — a provider
 * that reports a rejection at once, a store slow to take the result (the
 * dispatcher retries a result write for a minute) — and the provider does
 * not push again: a report that names no message yet is matched again a few
 * times before it is dropped. Reports for messages Rota never sent (another
 * system on the same account) end dropped the same way.
 */
export class PushedReports {
  private readonly timers = new Set<NodeJS.Timeout>();
  private held = 0;
  private stopped = false;

  constructor(private readonly options: PushedReportsOptions) {}

  /** Writes what matches now; returns how many reports matched a message. Those that did not are matched again later. */
  async receive(providerId: string, reports: readonly DeliveryReport[]): Promise<number> {
    const unmatched = await this.apply(providerId, reports);
    this.holdForRematch(providerId, unmatched, 0);
    return reports.length - unmatched.length;
  }

  /** Rematches again (the ledger starts, or starts again after a stop). */
  start(): void {
    this.stopped = false;
  }

  /** No more rematches (the ledger stops); reports still held are dropped. */
  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.held = 0;
  }

  /** Reports matched now, written; returns those that matched no message. */
  private async apply(providerId: string, reports: readonly DeliveryReport[]): Promise<DeliveryReport[]> {
    const { store } = this.options;
    const ids = await store.idsOfProviderMessages(
      providerId,
      reports.map((report) => report.providerMessageId),
    );
    const nextDueAt = this.options.nextDueAt();
    const entries = [];
    const unmatched: DeliveryReport[] = [];
    for (const report of reports) {
      const id = ids.get(report.providerMessageId);
      if (id === undefined) unmatched.push(report);
      else entries.push({ id, report, source: 'push' as const, nextDueAt });
    }
    tellFinals(this.options.observer, (await store.applyReports(entries)).finals, (this.options.clock ?? Date.now)());
    return unmatched;
  }

  private holdForRematch(providerId: string, reports: DeliveryReport[], round: number): void {
    const waits = this.options.rematchMs ?? [1_000, 5_000, 30_000, 120_000];
    const logger = this.options.logger ?? silentLogger;
    if (reports.length === 0 || this.stopped) return;
    if (round >= waits.length) {
      logger.info({ provider: providerId, reports: reports.length }, 'ledger: pushed delivery reports named no message of ours after every rematch; dropped');
      return;
    }
    if (this.held + reports.length > (this.options.maxHeld ?? 10_000)) {
      logger.warn({ provider: providerId, reports: reports.length, held: this.held }, 'ledger: too many pushed reports wait for their messages; these are dropped unmatched');
      return;
    }
    this.held += reports.length;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.held -= reports.length;
      this.apply(providerId, reports).then(
        (unmatched) => this.holdForRematch(providerId, unmatched, round + 1),
        // The store could not answer: the same reports, the next wait.
        (error: unknown) => {
          logger.warn({ provider: providerId, reports: reports.length, error: describeError(error) }, 'ledger: pushed delivery reports could not be matched again; trying later');
          this.holdForRematch(providerId, reports, round + 1);
        },
      );
    }, waits[round]);
    timer.unref();
    this.timers.add(timer);
  }
}
