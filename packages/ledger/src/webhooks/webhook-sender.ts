import { silentLogger, type Logger } from '@rota/provider';
import type { LedgerStore } from '../ledger-store.js';
import type { DueWebhook, WebhookSettlement } from '../store/webhook-outbox.js';
import { pumpDeliveries } from './delivery-pump.js';
import { describeError } from '../error-text.js';

/** One delivery's outcome, as the delivering client answers it (see @rota/webhook's WebhookClient). */
export type WebhookDelivery = { ok: true; status: number } | { ok: false; status?: number; error: string; retry: boolean; gone?: boolean };

/** Posts one signed event; never throws. */
export type DeliverWebhook = (url: string, body: string, headers: Record<string, string>) => Promise<WebhookDelivery>;

/** Signs a body for its owner (the API client's secret), or undefined when the client has no secret any more. */
export type SignWebhook = (owner: string, body: string) => string | undefined;

export interface WebhookObserver {
  delivery(event: { url: string; type: string; outcome: WebhookSettlement['kind']; status?: number }): void;
}

export interface WebhookSenderOptions {
  store: LedgerStore;
  deliver: DeliverWebhook;
  sign: SignWebhook;
  logger?: Logger;
  /** Deliveries in flight at once. Default 16. */
  concurrency?: number;
  /**
   * Deliveries in flight at once to one receiver: a client's, at one origin (scheme, host and
   * port; see webhookReceiver), so a slow one cannot take every slot — however many paths on
   * it a client's messages name — and one client's receiver never takes another's. Default 4.
   */
  perEndpoint?: number;
  /** The longest one delivery may take (the delivering client's time limit). Default 5 s. */
  deliveryTimeoutMs?: number;
  /** How long an event is retried before it is given up. Default 24 h. */
  retryForMs?: number;
  pollMs?: number;
  observer?: WebhookObserver;
  clock?: () => number;
  random?: () => number;
}

/**
 * A claimed event is started within FRESH_FOR_MS of its claim or let go, and
 * its outcome is written within WRITE_WITHIN_MS of its end; the lease covers
 * both, the delivery's own time limit and a margin, so no lease ends while
 * its event is on its way or its outcome unwritten (that would be a second
 * delivery to a slow receiver).
 */
const FRESH_FOR_MS = 30_000;
const WRITE_WITHIN_MS = 5_000;
const LEASE_MARGIN_MS = 20_000;

/** Consecutive failures that open a receiver's circuit, and how long it then stays open. */
const CIRCUIT_FAILURES = 5;
const CIRCUIT_OPEN_MS = 60_000;

/** Why an event waits when its client has no signing secret in the configuration in force. */
const NO_SECRET = 'the client has no webhook signing secret in the configuration in force (gateway.apiKeys[].webhook); held until it has one again';
/** How often such an event is looked at again: a configuration is mended at an operator's pace. */
const NO_SECRET_RETRY_MS = 60_000;

/** A receiver circuit's key: the client and its URL (a client's name holds no space: it comes first). */
const circuitOf = (event: Pick<DueWebhook, 'owner' | 'url'>): string => `${event.owner} ${event.url}`;
/** Whether a circuit's key (circuitOf) is one at `url`, whichever client's. */
const isCircuitAt = (key: string, url: string): boolean => key.endsWith(` ${url}`);

/**
 * Works through the webhook outbox: each due event signed for its client and
 * posted, at least once. A 2xx is done; a 410 switches the receiver off (its
 * events are held until an operator turns it back on); another failure is
 * retried with exponential backoff and jitter for 24 h, then given up. At
 * most `concurrency` deliveries at once and `perEndpoint` to one receiver
 * (a client's, at one origin), and a circuit per client's URL: after five failures in a row it is left alone
 * for a minute (its events due in that minute wait, undelivered). Per client: a relay that fails one client's
 * deliveries (its tenant gone) must not hold back another's to the same URL.
 */
export class WebhookSender {
  /** Keyed by circuitOf(event). */
  private readonly circuits = new Map<string, { failures: number; openUntil: number }>();
  /** When each client was last warned that its events are held for want of a signing secret. */
  private readonly warned = new Map<string, number>();
  private readonly logger: Logger;
  private readonly clock: () => number;
  private readonly random: () => number;
  private poll: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;

  constructor(private readonly options: WebhookSenderOptions) {
    this.logger = options.logger ?? silentLogger;
    this.clock = options.clock ?? Date.now;
    this.random = options.random ?? Math.random;
  }

  start(): void {
    this.stopped = false;
    this.poll ??= setInterval(() => void this.round(), this.options.pollMs ?? 1_000);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.poll);
    this.poll = undefined;
    await this.running;
  }

  /**
   * Delivers what is due until nothing is: claims, delivers `concurrency` at
   * a time, and writes what became of them a claim's worth at a time (one
   * transaction per delivery cost more than the delivery, bench/reports). A
   * crash before a write leaves those events leased, and they go out again
   * when the lease ends: at least once. Rounds never overlap; the poll starts
   * one when none is running.
   */
  async round(): Promise<number> {
    if (this.running || this.stopped) return 0;
    const concurrency = this.options.concurrency ?? 16;
    const batch = concurrency * 4;
    const leaseMs = FRESH_FOR_MS + (this.options.deliveryTimeoutMs ?? 5_000) + WRITE_WITHIN_MS + LEASE_MARGIN_MS;
    let claimed = 0;
    this.running = pumpDeliveries<DueWebhook, WebhookSettlement>({
      claim: (skipReceivers) => this.options.store.claimWebhooks({ now: new Date(this.clock()), limit: batch, leaseMs, skipReceivers }),
      batch,
      deliver: (event) => this.deliverOne(event),
      write: async (settled) => {
        await this.options.store.settleWebhooks(settled.map(({ event, outcome }) => ({ id: event.id, settlement: outcome })));
        for (const { event, outcome } of settled) this.report(event, outcome);
      },
      concurrency,
      perEndpoint: this.options.perEndpoint ?? 4,
      receiverOf: (event) => event.receiver,
      stopped: () => this.stopped,
      freshForMs: FRESH_FOR_MS,
      writeWithinMs: WRITE_WITHIN_MS,
      clock: this.clock,
    })
      .then((count) => void (claimed = count))
      .catch((error: unknown) => this.logger.error({ error: describeError(error) }, 'webhook sender: a round failed; its unwritten events are delivered again after the lease'))
      .finally(() => (this.running = undefined));
    await this.running;
    return claimed;
  }

  /** Delivers one event (unless its receiver's circuit is open); answers what became of it, to be written. */
  private async deliverOne(event: DueWebhook): Promise<WebhookSettlement> {
    const now = this.clock();
    const circuit = this.circuits.get(circuitOf(event));
    if (circuit && circuit.openUntil > now) return { kind: 'postpone', dueAt: circuit.openUntil };
    const signature = this.options.sign(event.owner, event.payload);
    if (signature === undefined) {
      // A reload mid-edit, or a client taken out: its events wait for its webhook block, within the usual 24 h.
      if (now - event.retryFrom >= this.retryForMs) return { kind: 'dead', error: `given up after 24 h: ${NO_SECRET}` };
      // Postponed, not retried: no delivery was tried, so none is counted (its backoff starts afresh once the secret is back).
      return { kind: 'postpone', dueAt: now + NO_SECRET_RETRY_MS, error: NO_SECRET };
    }
    const attempt = await this.options.deliver(event.url, event.payload, { 'rota-signature': signature, 'rota-event-id': event.id, 'rota-event-type': event.type });
    if (attempt.ok) {
      this.circuits.delete(circuitOf(event));
      return { kind: 'delivered', status: attempt.status };
    }
    // A 410 switches the URL off for every sender and client, until an operator turns it back on. It counts toward no
    // circuit, and ends those at the URL: the 410s of deliveries in flight together, or earlier failures, would hold
    // back what the operator releases for another minute.
    if (attempt.gone) {
      for (const key of this.circuits.keys()) if (isCircuitAt(key, event.url)) this.circuits.delete(key);
      return { kind: 'gone', status: attempt.status ?? 410, error: attempt.error };
    }
    this.trip(circuitOf(event));
    const status = attempt.status === undefined ? {} : { status: attempt.status };
    if (!attempt.retry) return { kind: 'dead', error: attempt.error, ...status };
    if (now - event.retryFrom >= this.retryForMs) {
      return { kind: 'dead', error: `given up after 24 h: ${attempt.error}`, ...status };
    }
    return { kind: 'retry', dueAt: now + this.backoff(event.attempts), error: attempt.error, ...status };
  }

  private get retryForMs(): number {
    return this.options.retryForMs ?? 24 * 3_600_000;
  }

  /** 5 s doubling per attempt, at most an hour, each wait between half and all of it (jitter). */
  private backoff(attempts: number): number {
    const ceiling = Math.min(3_600_000, 5_000 * 2 ** attempts);
    return Math.round(ceiling * (0.5 + this.random() / 2));
  }

  /** Whether `owner` was last warned of over a minute ago (a held backlog is retried event by event). */
  private firstWarningInMinute(owner: string): boolean {
    const now = this.clock();
    if ((this.warned.get(owner) ?? -Infinity) > now - NO_SECRET_RETRY_MS) return false;
    if (this.warned.size >= 10_000) this.warned.clear();
    this.warned.set(owner, now);
    return true;
  }

  private trip(key: string): void {
    // One entry a failing URL, dropped on a success: a client naming a path per message would grow it without end.
    if (this.circuits.size >= 10_000 && !this.circuits.has(key)) this.circuits.clear();
    const circuit = this.circuits.get(key) ?? { failures: 0, openUntil: 0 };
    circuit.failures += 1;
    if (circuit.failures >= CIRCUIT_FAILURES) {
      circuit.openUntil = this.clock() + CIRCUIT_OPEN_MS;
      circuit.failures = 0;
    }
    this.circuits.set(key, circuit);
  }

  /** Tells the log and the observer what became of a delivery, once it is written. */
  private report(event: DueWebhook, settlement: WebhookSettlement): void {
    if (settlement.kind === 'dead' || settlement.kind === 'gone') {
      this.logger.warn({ event: event.id, type: event.type, outcome: settlement.kind, error: settlement.error }, 'webhook: an event was not delivered');
    } else if (settlement.kind === 'postpone' && settlement.error === NO_SECRET && this.firstWarningInMinute(event.owner)) {
      this.logger.warn({ owner: event.owner }, "webhook: a client's events are held: it has no webhook block (gateway.apiKeys[].webhook) in the configuration in force");
    }
    this.options.observer?.delivery({ url: event.url, type: event.type, outcome: settlement.kind, ...('status' in settlement && settlement.status !== undefined ? { status: settlement.status } : {}) });
  }
}
