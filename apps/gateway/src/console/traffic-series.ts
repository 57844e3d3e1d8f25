import type { AttemptOutcome, Router } from '@rota/core';

/**
 * A small in-memory time series for the operations console: per provider
 * account, how many recipients each attempt outcome had, in 10-second buckets
 * over the last hour. Fed from the router's `attempt` events the way the
 * Prometheus metrics are, so a message that failed at one provider and went
 * through at the next counts as a failure of the first and an acceptance of
 * the second: the error rate is the provider's, not the message's. Skips
 * (breaker open, provider disabled, field refused) are not attempts at the
 * provider and are not counted. Nothing here survives a restart; a Prometheus
 * server scraping /metrics keeps the long history.
 */

export const TRAFFIC_OUTCOMES = ['accepted', 'failed', 'rejected', 'unknown'] as const;
export type TrafficOutcome = (typeof TRAFFIC_OUTCOMES)[number];
export type TrafficCounts = Record<TrafficOutcome, number>;

export interface TrafficSeriesOptions {
  /** Bucket width (default 10 s). */
  bucketMs?: number;
  /** How many buckets are kept (default 360: one hour of 10-second buckets). */
  buckets?: number;
  clock?: () => number;
}

/** One provider's counts, bucket by bucket, oldest first. */
export interface ProviderSeries extends Record<TrafficOutcome, number[]> {
  providerId: string;
}

export interface TrafficWindow {
  bucketMs: number;
  /** Start of the first bucket (epoch ms); bucket i starts at startMs + i × bucketMs, the last is the current, partial one. */
  startMs: number;
  buckets: number;
  providers: ProviderSeries[];
}

interface Ring {
  providerId: string;
  accountId: string;
  /** The absolute bucket number each slot holds (floor(t / bucketMs)); a slot holding an older one is empty. */
  slot: Float64Array;
  counts: Record<TrafficOutcome, Float64Array>;
}

const zero = (): TrafficCounts => ({ accepted: 0, failed: 0, rejected: 0, unknown: 0 });
const isCounted = (outcome: AttemptOutcome): outcome is TrafficOutcome => outcome !== 'skipped';

export class TrafficSeries {
  readonly bucketMs: number;
  readonly capacity: number;
  readonly #clock: () => number;
  readonly #rings = new Map<string, Ring>();

  constructor(options: TrafficSeriesOptions = {}) {
    this.bucketMs = options.bucketMs ?? 10_000;
    this.capacity = options.buckets ?? 360;
    this.#clock = options.clock ?? Date.now;
  }

  /** Counts every attempt the router reports from now on; returns the detach function. */
  observeRouter(router: Pick<Router, 'on'>): () => void {
    return router.on('attempt', ({ recipients, attempt }) => {
      if (isCounted(attempt.outcome)) this.record(attempt.providerId, attempt.accountId ?? 'none', attempt.outcome, recipients);
    });
  }

  record(providerId: string, accountId: string, outcome: TrafficOutcome, recipients = 1, at = this.#clock()): void {
    const key = `${providerId}\u0000${accountId}`;
    let ring = this.#rings.get(key);
    if (!ring) {
      ring = {
        providerId,
        accountId,
        slot: new Float64Array(this.capacity).fill(-1),
        counts: { accepted: new Float64Array(this.capacity), failed: new Float64Array(this.capacity), rejected: new Float64Array(this.capacity), unknown: new Float64Array(this.capacity) },
      };
      this.#rings.set(key, ring);
    }
    const bucket = Math.floor(at / this.bucketMs);
    const index = bucket % this.capacity;
    if (ring.slot[index] !== bucket) {
      ring.slot[index] = bucket;
      for (const name of TRAFFIC_OUTCOMES) ring.counts[name][index] = 0;
    }
    ring.counts[outcome][index]! += recipients;
  }

  /** The last `buckets` buckets (the current one included), summed over each provider's accounts; providers with no traffic in them are left out. */
  window(buckets = this.capacity, now = this.#clock()): TrafficWindow {
    const count = Math.max(1, Math.min(this.capacity, Math.floor(buckets)));
    const last = Math.floor(now / this.bucketMs);
    const first = last - count + 1;
    const byProvider = new Map<string, ProviderSeries>();
    for (const ring of this.#rings.values()) {
      for (let i = 0; i < count; i++) {
        const bucket = first + i;
        const index = bucket % this.capacity;
        if (ring.slot[index] !== bucket) continue;
        let series = byProvider.get(ring.providerId);
        if (!series) {
          series = { providerId: ring.providerId, accepted: new Array<number>(count).fill(0), failed: new Array<number>(count).fill(0), rejected: new Array<number>(count).fill(0), unknown: new Array<number>(count).fill(0) };
          byProvider.set(ring.providerId, series);
        }
        for (const name of TRAFFIC_OUTCOMES) series[name][i]! += ring.counts[name][index]!;
      }
    }
    const providers = [...byProvider.values()].sort((a, b) => a.providerId.localeCompare(b.providerId));
    return { bucketMs: this.bucketMs, startMs: first * this.bucketMs, buckets: count, providers };
  }

  /** Totals per account over the last `windowMs` (whole buckets, the current one included). */
  recent(windowMs: number, now = this.#clock()): { providerId: string; accountId: string; counts: TrafficCounts }[] {
    const count = Math.max(1, Math.min(this.capacity, Math.ceil(windowMs / this.bucketMs)));
    const last = Math.floor(now / this.bucketMs);
    const totals = [];
    for (const ring of this.#rings.values()) {
      const counts = zero();
      for (let bucket = last - count + 1; bucket <= last; bucket++) {
        const index = bucket % this.capacity;
        if (ring.slot[index] !== bucket) continue;
        for (const name of TRAFFIC_OUTCOMES) counts[name] += ring.counts[name][index]!;
      }
      totals.push({ providerId: ring.providerId, accountId: ring.accountId, counts });
    }
    return totals;
  }
}

export const emptyCounts = zero;
