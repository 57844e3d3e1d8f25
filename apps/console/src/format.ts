/* Small, pure formatting helpers (unit-tested in test/format.test.ts). */

import type { Counts } from '@rota/api';

export const FINAL_STATES = ['accepted', 'rejected', 'failed', 'unknown', 'canceled'] as const;
export const ALL_STATES = ['queued', 'dispatching', ...FINAL_STATES] as const;
export type State = (typeof ALL_STATES)[number];


/** "12.5 %", or "—" when there is nothing to divide by. */
export function percent(part: number, whole: number, digits = 1): string {
  if (!Number.isFinite(part) || !Number.isFinite(whole) || whole <= 0) return '—';
  return `${((part / whole) * 100).toFixed(digits)} %`;
}

/** Errors are attempts that failed or whose outcome is unknown; a rejection is the message's fault, not the provider's. */
export function errorShare(counts: Counts): { errors: number; total: number } {
  return { errors: counts.failed + counts.unknown, total: counts.accepted + counts.failed + counts.rejected + counts.unknown };
}

/** "4 s", "3 min 20 s", "2 h 5 min". */
export function duration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min${seconds % 60 ? ` ${seconds % 60} s` : ''}`;
  return `${Math.floor(minutes / 60)} h${minutes % 60 ? ` ${minutes % 60} min` : ''}`;
}

/** An instant in the operator's locale, to the second. */
export function when(iso: string | null | undefined, locale?: string): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? '—' : date.toLocaleString(locale, { dateStyle: 'medium', timeStyle: 'medium' });
}

/**
 * A bulk's progress: how many recipients are done (a final state, or their
 * record erased: nothing more will happen to it), and the share of each state
 * for the bar.
 */
export function bulkProgress(count: number, byState: Partial<Record<State, number>>, erased = 0): { done: number; segments: { state: State; n: number; share: number }[] } {
  const done = FINAL_STATES.reduce((sum, state) => sum + (byState[state] ?? 0), erased);
  const total = Math.max(count, ALL_STATES.reduce((sum, state) => sum + (byState[state] ?? 0), 0), 1);
  const segments = ALL_STATES.filter((state) => (byState[state] ?? 0) > 0).map((state) => ({ state, n: byState[state]!, share: byState[state]! / total }));
  return { done, segments };
}

/** Messages per second of one bucket series (counts per bucket of bucketMs). */
export function perSecond(counts: readonly number[], bucketMs: number): number[] {
  return counts.map((n) => n / (bucketMs / 1000));
}

/** Error rate per bucket in %, null where a bucket had no attempt (a gap in the chart, not a zero). */
export function errorRateSeries(series: { accepted: readonly number[]; failed: readonly number[]; rejected: readonly number[]; unknown: readonly number[] }): (number | null)[] {
  return series.accepted.map((_, i) => {
    const counts = { accepted: series.accepted[i] ?? 0, failed: series.failed[i] ?? 0, rejected: series.rejected[i] ?? 0, unknown: series.unknown[i] ?? 0 };
    const { errors, total } = errorShare(counts);
    return total === 0 ? null : (errors / total) * 100;
  });
}
