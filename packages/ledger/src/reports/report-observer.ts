import type { FinalReportWritten } from '../store/delivery-reports.js';

/** What the ledger tells its observer (metrics) of delivery reports: a final one, and how long after acceptance it came. */
export interface ReportObserver {
  final(report: { providerId: string; accountId: string; state: string; afterAcceptanceMs: number }): void;
}

/**
 * Tells the observer of the final reports a write made — whoever wrote them:
 * the collector's reads and expiries, a provider's pushes, an operator's
 * refresh. Only what the store wrote is told, so a report that lost a race
 * to another writer's final one is not counted twice.
 */
export function tellFinals(observer: ReportObserver | undefined, finals: readonly FinalReportWritten[], now: number): void {
  if (!observer) return;
  for (const { providerId, accountId, state, acceptedAt } of finals) observer.final({ providerId, accountId, state, afterAcceptanceMs: Math.max(0, now - acceptedAt) });
}
