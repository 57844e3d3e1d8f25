import type { Router } from '@rota/core';
import { ProviderError, silentLogger, type DeliveryReport, type Logger } from '@rota/provider';
import { AccountThrottle, throttleKey } from '../dispatch/account-throttle.js';
import type { LedgerStore } from '../ledger-store.js';
import { firstFinalElseLast, type ReportDue, type ReportEntry } from '../store/delivery-reports.js';
import { describeError } from '../error-text.js';
import { groupBy } from '../group-by.js';
import { tellFinals, type ReportObserver } from './report-observer.js';

/** How often an accepted message's status is read until it is final: 15 s, 1 min, 5 min, 30 min, 2 h, then every 6 h. */
export const DEFAULT_REPORT_SCHEDULE_MS = [15_000, 60_000, 300_000, 1_800_000, 7_200_000, 21_600_000] as const;
/** After this long without a final report a message is `expired`. */
export const DEFAULT_REPORT_TTL_MS = 72 * 3_600_000;

export interface ReportCollectorOptions {
  store: LedgerStore;
  router: Pick<Router, 'deliveryStatus' | 'status'>;
  logger?: Logger;
  /** Delays between reads; the last repeats. */
  scheduleMs?: readonly number[];
  ttlMs?: number;
  /** Status requests a second per account. Default 5. */
  readsPerSecond?: number;
  /** Messages one round claims. Default 5000. */
  roundSize?: number;
  pollMs?: number;
  observer?: ReportObserver;
  clock?: () => number;
}

/** How long a claimed message is kept from other collectors while its status is read. */
const LEASE_MS = 60_000;
/**
 * How long one account reads in a round. What it has no time for goes back
 * to the queue, behind what other accounts have due: an account that reads
 * slowly (small status batches, a low rate) would otherwise hold the round,
 * and every other account's next reads, past its leases.
 */
const ACCOUNT_ROUND_MS = 20_000;

/**
 * Follows accepted messages to their delivery without a provider call per
 * message: due messages are claimed in rounds, grouped by provider account,
 * and read in batches of the provider's status batch size (FigenSoft: 500
 * ids a request), each account's reads rate-limited and paused while its
 * circuit breaker is open. A report that is not final schedules the next
 * read on the backoff schedule; a message with no final report after the TTL
 * is `expired`. Pushed reports go through the same writing (`applyPushed`).
 */
export class ReportCollector {
  private readonly scheduleMs: readonly number[];
  private readonly ttlMs: number;
  private readonly reads = new AccountThrottle();
  private readonly readsPerSecond: number;
  private readonly logger: Logger;
  private readonly clock: () => number;
  private poll: NodeJS.Timeout | undefined;
  /** The claim in progress: one at a time in this process. */
  private claiming: Promise<unknown> | undefined;
  /** Each account's reads in progress (by throttleKey): one at a time an account, none waiting for another's. */
  private readonly reading = new Map<string, Promise<void>>();
  private stopped = true;

  constructor(private readonly options: ReportCollectorOptions) {
    this.scheduleMs = options.scheduleMs ?? DEFAULT_REPORT_SCHEDULE_MS;
    this.ttlMs = options.ttlMs ?? DEFAULT_REPORT_TTL_MS;
    this.readsPerSecond = options.readsPerSecond ?? 5;
    this.logger = options.logger ?? silentLogger;
    this.clock = options.clock ?? Date.now;
  }

  /** How long after its acceptance (or its send, for an unknown one) a message's status is read at most. */
  get readsEndAfterMs(): number {
    return this.ttlMs;
  }

  /** When an accepted message's status is first read. */
  get firstReadAfterMs(): number {
    return this.scheduleMs[0] ?? 15_000;
  }

  start(): void {
    this.stopped = false;
    this.poll ??= setInterval(() => void this.drain(), this.options.pollMs ?? 1_000);
  }

  /**
   * Rounds one after another while each claims a full round: a backlog is
   * read as fast as the accounts' read limits allow, not one round a poll
   * (5,000 a second for every account together). Returns how many messages
   * were looked at.
   */
  async drain(): Promise<number> {
    const roundSize = this.options.roundSize ?? 5_000;
    let looked = 0;
    for (;;) {
      const round = await this.round();
      looked += round;
      if (round < roundSize || this.stopped) return looked;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.poll);
    this.poll = undefined;
    await Promise.all([this.claiming, ...this.reading.values()]);
  }

  /**
   * One round: claim what is due and read it, each account on its own; the
   * round's answer waits for the reads it started. A round may start while
   * an earlier one's reads go on: an account that reads slowly (a provider
   * taking 25 s a status request) held every other account's next reads
   * back while rounds waited for each other. An account still reading keeps
   * the messages claimed for it under their lease, read after it, as when
   * its breaker is open. Returns how many messages were read (or given up) now.
   */
  async round(): Promise<number> {
    if (this.claiming || this.stopped) return 0;
    const now = this.clock();
    const claim = this.options.store.claimReportsDue({ now: new Date(now), limit: this.options.roundSize ?? 5_000, leaseMs: LEASE_MS });
    this.claiming = claim;
    let due: ReportDue[];
    try {
      due = await claim;
    } catch (error) {
      this.logger.error({ error: describeError(error) }, 'report collector: a claim failed; what is due is claimed again on the next poll');
      return 0;
    } finally {
      this.claiming = undefined;
    }
    if (due.length === 0) return 0;
    const statuses = new Map(this.options.router.status().map((status) => [status.providerId, status]));
    const byAccount = groupBy(due, (item) => throttleKey(item.providerId, item.accountId));
    const started: Promise<void>[] = [];
    let skipped = 0;
    for (const [key, group] of byAccount) {
      if (this.reading.has(key)) {
        skipped += group.length;
        continue;
      }
      const read = this.readAccount(group, statuses.get(group[0]!.providerId), now)
        .catch((error: unknown) => this.logger.error({ error: describeError(error), provider: group[0]!.providerId, accountId: group[0]!.accountId }, 'report collector: an account\'s reads failed; what it claimed is read again after the lease'))
        .finally(() => this.reading.delete(key));
      this.reading.set(key, read);
      started.push(read);
    }
    await Promise.all(started);
    // Only what was read: a round whose claim was mostly a slow account's (left under their lease) is not a full one,
    // or drain() would claim round after round until the whole due backlog was leased.
    return due.length - skipped;
  }

  /** Reads one account's due messages, in batches of its provider's size. */
  private async readAccount(group: readonly ReportDue[], status: ReturnType<Router['status']>[number] | undefined, now: number): Promise<void> {
    const { store } = this.options;
    const { providerId, accountId } = group[0]!;
    if (status && !status.capabilities.deliveryStatus) {
      // The provider cannot report: nothing will ever come.
      await store.stopReports(group.map((item) => item.id));
      return;
    }
    const expired = group.filter((item) => now - item.acceptedAt >= this.ttlMs);
    await this.write(expired.map((item) => ({ id: item.id, report: { state: 'expired', reason: 'expired', final: true }, source: 'expiry', nextDueAt: null })), now);
    const live = group.filter((item) => now - item.acceptedAt < this.ttlMs);
    if (!status) {
      // Not in the configuration in force (a reload removed it, perhaps for a moment): read on the
      // schedule until the TTL, in case it comes back, rather than give its messages up for good.
      await this.readLater(live);
      return;
    }
    // Its breaker is open: leave them; they come due again when the lease ends.
    if (live.length === 0 || status.accounts.find((account) => account.accountId === accountId)?.breaker === 'open') return;
    this.reads.setLimit(providerId, accountId, this.readsPerSecond);
    const size = Math.max(1, status.capabilities.statusBatchSize);
    const startedAt = this.clock();
    let from = 0;
    for (; from < live.length && !this.stopped && this.clock() - startedAt < ACCOUNT_ROUND_MS; from += size) {
      const batch = live.slice(from, from + size);
      await this.reads.take(providerId, accountId, 1);
      let reports: DeliveryReport[];
      try {
        reports = await this.options.router.deliveryStatus({ providerId, accountId, providerMessageIds: batch.map((item) => item.providerMessageId) });
      } catch (error) {
        if (!(error instanceof ProviderError)) throw error;
        this.logger.warn({ provider: providerId, accountId, kind: error.kind, code: error.code, messages: batch.length }, 'report collector: a status read failed; read again on the backoff schedule');
        await this.readLater(batch);
        continue;
      }
      const byId = firstFinalElseLast(reports, (report) => report.providerMessageId, (report) => report.final);
      const entries: ReportEntry[] = [];
      const unanswered: ReportDue[] = [];
      for (const item of batch) {
        const report = byId.get(item.providerMessageId);
        if (report) entries.push({ id: item.id, report, source: 'poll', nextDueAt: this.clock() + this.delayAfter(item.checks + 1) });
        else unanswered.push(item);
      }
      await this.write(entries, this.clock());
      await this.readLater(unanswered);
    }
    if (from < live.length) {
      await store.rescheduleReports(
        live.slice(from).map((item) => item.id),
        { dueAt: new Date(this.clock()), counted: false },
      );
    }
  }

  /**
   * Schedules the next read of messages a read told nothing of (it failed, or
   * its answer left them out) as after a report: on the backoff schedule, so
   * a provider that never answers for a message is asked less and less often
   * until the TTL, not at every lease's end.
   */
  private async readLater(items: readonly ReportDue[]): Promise<void> {
    const byDelay = groupBy(items, (item) => this.delayAfter(item.checks + 1), (item) => item.id);
    for (const [delay, ids] of byDelay) await this.options.store.rescheduleReports(ids, { dueAt: new Date(this.clock() + delay), counted: true });
  }

  /** Writes reports, then tells the observer of the final ones written. */
  private async write(entries: readonly ReportEntry[], now: number): Promise<void> {
    if (entries.length === 0) return;
    tellFinals(this.options.observer, (await this.options.store.applyReports(entries)).finals, now);
  }

  /** The wait after the `reads`-th read. */
  private delayAfter(reads: number): number {
    return this.scheduleMs[Math.min(reads, this.scheduleMs.length - 1)] ?? 21_600_000;
  }
}
