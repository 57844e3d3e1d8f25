import { silentLogger, type DeliveryReport, type Logger } from '@rota/provider';
import type { LedgerStore } from '../ledger-store.js';
import { describeError } from '../error-text.js';
import { groupBy } from '../group-by.js';
import type { HeldReport } from '../store/held-reports.js';
import { tellFinals, type ReportObserver } from './report-observer.js';

export interface PushedReportsOptions {
  store: LedgerStore;
  /** When a report written now is next read from its provider (the collector's first read). */
  nextDueAt: () => number;
  /** Waits before each new match of reports that named no message yet. Default 1 s, 5 s, 30 s, 2 min. */
  rematchMs?: readonly number[];
  /** Unmatched reports held at once for one provider (so one noisy provider crowds out no other's). Default 10,000. */
  maxHeld?: number;
  /** How often held reports are looked for (ms). Default 1,000. */
  pollMs?: number;
  logger?: Logger;
  /** Told of the final reports written (metrics), as the collector's are. */
  observer?: ReportObserver;
  clock?: () => number;
}

/** What one push came to: reports written to their messages now, held to be matched again, and dropped. */
export interface PushReceipt {
  matched: number;
  held: number;
  /** More unmatched reports than a provider may ever have held: no later push of them could be held either. */
  dropped: number;
}

/**
 * A push whose unmatched reports the provider's held reports have no room
 * for now. Its matched reports are written; the provider should push it
 * again later (a report written twice changes nothing), not be told it
 * was taken.
 */
export class HeldReportsFull extends Error {
  override readonly name = 'HeldReportsFull';
  constructor(
    readonly providerId: string,
    readonly matched: number,
    readonly unmatched: number,
  ) {
    super(`${unmatched} pushed report(s) of ${providerId} name no message yet, and its held reports have no room for them now`);
  }
}

/** How long a rematch holds the reports it claimed from other processes. */
const REMATCH_LEASE_MS = 60_000;
/** Held reports one rematch claims. */
const REMATCH_BATCH = 1_000;

/**
 * Reports a provider pushed, written to the messages that provider knows by
 * those ids. A push can outrun the write of its send's result — a provider
 * that reports a rejection at once, a store slow to take the result (the
 * dispatcher retries a result write for a minute) — and the provider does
 * not push again: a report that names no message yet is held in the store
 * and matched again a few times before it is dropped. Held in the store, not
 * in this process: a gateway restarted meanwhile lost them, and the message
 * ended `expired` although it was delivered. Any process that takes pushes
 * rematches what is due, whichever process held it. Reports for messages
 * Rota never sent (another system on the same account) end dropped the same way.
 */
export class PushedReports {
  private poll: NodeJS.Timeout | undefined;
  private rematching: Promise<void> | undefined;
  private stopped = true;

  constructor(private readonly options: PushedReportsOptions) {}

  private get waits(): readonly number[] {
    return this.options.rematchMs ?? [1_000, 5_000, 30_000, 120_000];
  }

  private get logger(): Logger {
    return this.options.logger ?? silentLogger;
  }

  private now(): number {
    return (this.options.clock ?? Date.now)();
  }

  /**
   * Writes what matches now; those that did not are held for their
   * rematches. Throws HeldReportsFull when the provider's held reports have
   * no room for them now (the matched ones are written).
   */
  async receive(providerId: string, reports: readonly DeliveryReport[]): Promise<PushReceipt> {
    const unmatched = await this.apply(providerId, reports);
    const matched = reports.length - unmatched.length;
    if (unmatched.length === 0) return { matched, held: 0, dropped: 0 };
    const max = this.options.maxHeld ?? 10_000;
    if (unmatched.length > max) {
      // Never holdable, however often pushed: most likely another system's traffic on the same account.
      this.logger.warn({ provider: providerId, reports: unmatched.length, maxHeld: max }, 'ledger: a push named more unknown messages than may ever be held; they are dropped unmatched');
      return { matched, held: 0, dropped: unmatched.length };
    }
    if (!(await this.options.store.holdReports(providerId, unmatched, new Date(this.now() + this.waits[0]!), max))) {
      this.logger.warn({ provider: providerId, reports: unmatched.length }, "ledger: the provider's held pushed reports are full; the push is to be sent again later");
      throw new HeldReportsFull(providerId, matched, unmatched.length);
    }
    return { matched, held: unmatched.length, dropped: 0 };
  }

  /** Rematches what is held, every `pollMs`, until stopped. */
  start(): void {
    this.stopped = false;
    this.poll ??= setInterval(() => void this.rematch(), this.options.pollMs ?? 1_000);
    this.poll.unref();
  }

  /** No more rematches here; what is held stays in the store for the next process that takes pushes. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.poll);
    this.poll = undefined;
    await this.rematching;
  }

  /** One rematch of the held reports due now (tests and tools; start() runs it every `pollMs`). */
  async rematch(): Promise<void> {
    if (this.rematching || this.stopped) return;
    this.rematching = this.rematchDue()
      .catch((error: unknown) => this.logger.warn({ error: describeError(error) }, 'ledger: held pushed reports could not be matched again; trying later'))
      .finally(() => (this.rematching = undefined));
    await this.rematching;
  }

  private async rematchDue(): Promise<void> {
    const { store } = this.options;
    const due = await store.claimHeldReports({ now: new Date(this.now()), limit: REMATCH_BATCH, leaseMs: REMATCH_LEASE_MS });
    for (const [providerId, group] of groupBy(due, (held) => held.providerId)) {
      const unmatched = new Set(await this.apply(providerId, group.map((held) => held.report)));
      // Unmatched with a rematch left: matched again after its wait. Every other is done: matched now, or dropped.
      const waitOf = (held: HeldReport) => this.waits[held.rematches + 1];
      const later = new Set(group.filter((held) => unmatched.has(held.report) && waitOf(held) !== undefined));
      const done = group.filter((held) => !later.has(held));
      const dropped = done.filter((held) => unmatched.has(held.report));
      await store.dropHeldReports(done.map((held) => held.id));
      for (const [wait, ids] of groupBy(later, (held) => waitOf(held)!, (held) => held.id)) await store.rematchHeldLater(ids, new Date(this.now() + wait));
      if (dropped.length > 0) this.logger.info({ provider: providerId, reports: dropped.length }, 'ledger: pushed delivery reports named no message of ours after every rematch; dropped');
    }
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
    tellFinals(this.options.observer, (await store.applyReports(entries)).finals, this.now());
    return unmatched;
  }
}
