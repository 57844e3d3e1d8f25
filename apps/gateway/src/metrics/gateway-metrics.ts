import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { BreakerState, Router, SendResult } from '@rota/core';
import { isStoreUnavailable, type DispatchObserver, type Ledger, type LedgerStats, type ReportObserver, type WebhookObserver } from '@rota/ledger';

/**
 * Prometheus metrics for one gateway, in its own registry (never the global
 * one, so two gateways in one process — tests — do not collide). Labels hold
 * provider ids, account ids, outcomes and routes only: never a phone number, a
 * text or a credential. Breaker states, ranks and enabled flags are read from
 * the router at scrape time, so they are right even after a reload.
 */

const BREAKER_VALUE: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };

// Provider calls take from milliseconds (the sandbox) to the attempt timeout.
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export interface GatewayMetrics {
  /** The process's own series; render() adds those read from the message store (observeLedger). */
  readonly registry: Registry;
  /** Feeds the counters from the router's events and reads its status at scrape time; returns the detach function. */
  observeRouter(router: Pick<Router, 'on' | 'status'>): () => void;
  observeHttp(method: string, route: string, status: number, seconds: number): void;
  /** The ledger's queue and records, read at scrape time. */
  observeLedger(ledger: Pick<Ledger, 'store'>): void;
  /** What the ledger tells of final delivery reports and webhook deliveries. */
  readonly ledgerObserver: ReportObserver & WebhookObserver & Required<DispatchObserver>;
  /** The text a Prometheus scrape gets. */
  render(): Promise<string>;
  readonly contentType: string;
}

export interface GatewayMetricsOptions {
  /** Node process metrics (memory, CPU, event loop) beside Rota's own; off in tests. */
  processMetrics?: boolean;
}

export function createGatewayMetrics(options: GatewayMetricsOptions = {}): GatewayMetrics {
  const registry = new Registry();
  // The series read from the message store, rendered apart: while it cannot be reached they are left out, and
  // the process's own series (breakers, attempts, HTTP answers) still answer a scrape, when they matter most.
  const storeRegistry = new Registry();
  let storeUp: Gauge | undefined;
  const routers = new Set<Pick<Router, 'on' | 'status'>>();
  const statuses = () => [...routers].flatMap((router) => router.status());

  const attempts = new Counter({
    name: 'rota_provider_attempts_total',
    help: 'Provider attempts (one per provider request or skip), by provider, account and outcome.',
    labelNames: ['provider', 'account', 'outcome', 'error_kind'] as const,
    registers: [registry],
  });
  const attemptRecipients = new Counter({
    name: 'rota_provider_attempt_recipients_total',
    help: 'Recipients carried by provider attempts (a batch chunk carries many), by provider and outcome.',
    labelNames: ['provider', 'outcome'] as const,
    registers: [registry],
  });
  const attemptLatency = new Histogram({
    name: 'rota_provider_attempt_duration_seconds',
    help: 'Duration of provider attempts that reached the provider, retries included.',
    labelNames: ['provider', 'outcome'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const messages = new Counter({
    name: 'rota_messages_total',
    help: 'Messages by final status (accepted, rejected, failed, unknown), the provider that decided it, and whether a simulated transport took it.',
    labelNames: ['status', 'provider', 'simulated'] as const,
    registers: [registry],
  });
  const breakerTransitions = new Counter({
    name: 'rota_breaker_transitions_total',
    help: 'Circuit breaker state changes (forced ones included), by provider, account and new state.',
    labelNames: ['provider', 'account', 'state'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'rota_breaker_state',
    help: 'Circuit breaker state per provider account: 0 closed, 1 half-open, 2 open.',
    labelNames: ['provider', 'account'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const status of statuses()) {
        for (const account of status.accounts) this.set({ provider: status.providerId, account: account.accountId }, BREAKER_VALUE[account.breaker]);
      }
    },
  });
  new Gauge({
    name: 'rota_breaker_forced',
    help: '1 while an operator forces the breaker (override open or closed), else 0.',
    labelNames: ['provider', 'account', 'override'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const status of statuses()) {
        for (const account of status.accounts) {
          this.set({ provider: status.providerId, account: account.accountId, override: account.override }, account.override === 'auto' ? 0 : 1);
        }
      }
    },
  });
  new Gauge({
    name: 'rota_provider_enabled',
    help: '1 when the provider is enabled for routing, else 0.',
    labelNames: ['provider'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const status of statuses()) this.set({ provider: status.providerId }, status.enabled ? 1 : 0);
    },
  });
  new Gauge({
    name: 'rota_provider_rank',
    help: 'The provider rank in force (lower is tried first).',
    labelNames: ['provider'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const status of statuses()) this.set({ provider: status.providerId }, status.rank);
    },
  });
  const httpRequests = new Counter({
    name: 'rota_http_requests_total',
    help: 'HTTP requests served, by method, route pattern and status code.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const httpDuration = new Histogram({
    name: 'rota_http_request_duration_seconds',
    help: 'HTTP request duration by method and route pattern.',
    labelNames: ['method', 'route'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const finalReports = new Counter({
    name: 'rota_delivery_reports_total',
    help: 'Final delivery reports, by provider, account and state (delivered, undelivered, rejected, expired, unknown).',
    labelNames: ['provider', 'account', 'state'] as const,
    registers: [registry],
  });
  const reportLatency = new Histogram({
    name: 'rota_delivery_report_seconds',
    help: 'Time from a provider\'s acceptance to the final delivery report.',
    labelNames: ['provider'] as const,
    buckets: [1, 5, 15, 60, 300, 900, 3_600, 7_200, 21_600, 86_400, 259_200],
    registers: [registry],
  });
  // Both counted from the final reports this process wrote: on PostgreSQL the worker that reads a report is seldom the
  // one that sent its message, and a share of this process's sends came out above 1 on one worker and 0 on another.
  const finals = new Map<string, number>();
  const delivered = new Map<string, number>();
  new Gauge({
    name: 'rota_delivery_rate',
    help: 'Share of the final delivery reports this process wrote (since start), per provider account, that say delivered.',
    labelNames: ['provider', 'account'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [key, count] of finals) {
        const [provider, account] = key.split('\u0000') as [string, string];
        this.set({ provider, account }, count === 0 ? 0 : (delivered.get(key) ?? 0) / count);
      }
    },
  });
  const heldMessages = new Counter({
    name: 'rota_messages_held_total',
    help: 'Queued messages put on hold because no route was open to them (every account that could carry them behind an open breaker or its provider switched off, or every provider switched off), each counted at its first hold.',
    registers: [registry],
  });
  const webhookDeliveries = new Counter({
    name: 'rota_webhook_deliveries_total',
    help: 'Webhook delivery outcomes by receiver origin (delivered, retry, dead, gone, postpone).',
    labelNames: ['origin', 'outcome'] as const,
    registers: [registry],
  });
  if (options.processMetrics) collectDefaultMetrics({ register: registry });

  const countResult = (result: SendResult): void => {
    // Held back by its caller (the dispatcher queues it again, or another worker holds it now): no message's outcome yet.
    if (result.status === 'failed' && result.heldBack) return;
    const provider = 'providerId' in result && result.providerId !== undefined ? result.providerId : 'none';
    const simulated = result.status === 'accepted' && result.simulated === true ? 'true' : 'false';
    messages.inc({ status: result.status, provider, simulated });
  };

  return {
    registry,
    contentType: registry.contentType,
    observeRouter(router) {
      routers.add(router);
      const detach = [
        router.on('attempt', ({ recipients, attempt, sameRequest }) => {
          const labels = { provider: attempt.providerId, outcome: attempt.outcome };
          attemptRecipients.inc(labels, recipients);
          // A request whose recipients fared differently is told once an outcome: one request, one duration.
          if (sameRequest) return;
          attempts.inc({ ...labels, account: attempt.accountId ?? 'none', error_kind: attempt.errorKind ?? 'none' });
          if (attempt.outcome !== 'skipped') attemptLatency.observe(labels, attempt.durationMs / 1_000);
        }),
        router.on('accepted', ({ result }) => countResult(result)),
        router.on('rejected', ({ result }) => countResult(result)),
        router.on('failed', ({ result }) => countResult(result)),
        router.on('unknown', ({ result }) => countResult(result)),
        router.on('breaker', ({ providerId, accountId, state }) => breakerTransitions.inc({ provider: providerId, account: accountId, state })),
      ];
      return () => {
        routers.delete(router);
        for (const off of detach) off();
      };
    },
    observeHttp(method, route, status, seconds) {
      httpRequests.inc({ method, route, status: String(status) });
      httpDuration.observe({ method, route }, seconds);
    },
    observeLedger: (ledger) => {
      storeUp ??= new Gauge({ name: 'rota_store_up', help: 'Whether this scrape read the message store (1), or could not reach it (0: the queue, record and webhook backlog series are left out).', registers: [registry] });
      observeLedger(storeRegistry, ledger);
    },
    ledgerObserver: {
      final({ providerId, accountId, state, afterAcceptanceMs }) {
        finalReports.inc({ provider: providerId, account: accountId, state });
        reportLatency.observe({ provider: providerId }, afterAcceptanceMs / 1_000);
        const key = `${providerId}\u0000${accountId}`;
        finals.set(key, (finals.get(key) ?? 0) + 1);
        if (state === 'delivered') delivered.set(key, (delivered.get(key) ?? 0) + 1);
      },
      delivery({ url, outcome }) {
        webhookDeliveries.inc({ origin: originOf(url), outcome });
      },
      held(records) {
        heldMessages.inc(records);
      },
    },
    async render() {
      const stored = await storeRegistry.metrics().catch((error: unknown) => {
        if (!isStoreUnavailable(error)) throw error;
        return undefined;
      });
      storeUp?.set(stored === undefined ? 0 : 1);
      return (await registry.metrics()) + (stored ?? '');
    },
  };
}

/**
 * The ledger's queue and records, read once per scrape: queue depth by
 * priority, the oldest due record's wait, and records by state.
 */
function observeLedger(registry: Registry, ledger: Pick<Ledger, 'store'>): void {
  // One stats read serves the three gauges of a scrape.
  let pending: Promise<LedgerStats> | undefined;
  const stats = (): Promise<LedgerStats> => (pending ??= ledger.store.stats(new Date()).finally(() => setImmediate(() => (pending = undefined))));
  new Gauge({
    name: 'rota_queue_depth',
    help: 'Queued messages by priority (otp, notification, campaign), due or not.',
    labelNames: ['priority'] as const,
    registers: [registry],
    async collect() {
      const { queueDepth } = await stats();
      this.reset();
      for (const [priority, depth] of Object.entries(queueDepth)) this.set({ priority }, depth);
    },
  });
  new Gauge({
    name: 'rota_queue_oldest_age_seconds',
    help: 'How long the oldest due queued message has waited, or been held for want of a route (0 when none waits).',
    registers: [registry],
    async collect() {
      this.set((await stats()).oldestQueuedAgeMs / 1_000);
    },
  });
  new Gauge({
    name: 'rota_queue_held',
    help: 'Queued messages held now because no route is open to them (they go out when one opens, or fail when their hold ends).',
    registers: [registry],
    async collect() {
      this.set((await stats()).held);
    },
  });
  new Gauge({
    name: 'rota_webhook_backlog',
    help: 'Webhook events not delivered, by receiver origin and state (pending, held after a 410, dead).',
    labelNames: ['origin', 'state'] as const,
    registers: [registry],
    async collect() {
      const backlog = await ledger.store.webhookBacklog();
      this.reset();
      for (const { url, state, count } of backlog) this.inc({ origin: originOf(url), state }, count);
    },
  });
  new Gauge({
    name: 'rota_messages_by_state',
    help: 'Message records by state (queued, dispatching, accepted, rejected, failed, unknown).',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect() {
      const { byState } = await stats();
      this.reset();
      for (const [state, count] of Object.entries(byState)) this.set({ state }, count);
    },
  });
}

/** A receiver as a metrics label: its origin only — a client's URL may carry a token in its path or query. */
function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'invalid';
  }
}
