import { analyzeText, silentLogger, type DeliveryReport, type Logger, type Message } from '@rota/provider';
import type { Router } from '@rota/core';
import { AccountThrottle, type LimiterFactory } from './dispatch/account-throttle.js';
import { Dispatcher, ResultsNotWrittenError, type DispatcherOptions, type DispatchObserver, type DispatchRouter } from './dispatch/dispatcher.js';
import { QueueSource } from './dispatch/queue-source.js';
import { TableSource } from './dispatch/table-source.js';
import { sharedLimiterFor } from './postgres/shared-limiter.js';
import { PostgresListener } from './postgres/postgres-notifications.js';
import { UNIT_SIZE } from './queue/dispatch-queue.js';
import { FinishWaiter } from './queue/finish-waiter.js';
import { FIRST_REPORT_AFTER_MS, type LedgerStore, type ReadScope } from './ledger-store.js';
import type { MessageRecord } from './message-record.js';
import type { BulkProgress } from './ledger-reports.js';
import type { CancelledBy } from './store/cancel-messages.js';
import { firstFinalElseLast } from './store/delivery-reports.js';
import type { BulkOutcome, BulkTemplate, RecordOutcome } from './new-records.js';
import { PushedReports, type PushedReportsOptions, type PushReceipt } from './reports/pushed-reports.js';
import { ReportCollector, type ReportCollectorOptions } from './reports/report-collector.js';
import { tellFinals, type ReportObserver } from './reports/report-observer.js';
import { WebhookSender, type DeliverWebhook, type SignWebhook, type WebhookObserver } from './webhooks/webhook-sender.js';
import { describeError } from './error-text.js';
import { isBulkId } from './ledger-ids.js';
import { parseInput } from './ledger-input-error.js';
import { LedgerOptionsShapeSchema } from './ledger-options-shape.js';

/** One message handed to the ledger: validated, with its owner and the client's own reference. */
export interface Submission {
  message: Message;
  owner: string;
  reference?: string;
  /** Where this message's webhooks go (already checked against the client's allowlist). */
  callbackUrl?: string;
}

/**
 * What became of a submission: as of its record (RecordOutcome), a new
 * record carrying its send's result when the caller waited.
 */
export type SubmitOutcome = RecordOutcome;

/** `wait`: send now and answer with the outcome. `queue`: answer once the record is durable; the dispatcher sends it. */
export type SubmitMode = 'wait' | 'queue';

/**
 * What this process does with the ledger. `embedded`: everything — it
 * records, sends, follows delivery reports and delivers webhooks. On a
 * PostgreSQL store the work can split: a `gateway` records and enqueues (a
 * caller who waits is answered when a worker has sent); a `worker` sends
 * what is queued, follows reports and delivers webhooks. Any number of each
 * share one database (an embedded process there is a gateway and a worker
 * in one).
 */
export type LedgerRole = 'embedded' | 'gateway' | 'worker';

export interface BulkSubmission {
  template: BulkTemplate;
  recipients: readonly string[];
  owner: string;
  reference?: string;
  idempotencyKey?: string;
  callbackUrl?: string;
}

export interface LedgerOptions {
  store: LedgerStore;
  /** Default `embedded`; `gateway` and `worker` need a PostgreSQL store. */
  role?: LedgerRole;
  /** A gateway's wait for a worker to send a message a caller waits for; after it, the caller is answered with the record as it stands. Default 30 s. */
  waitMs?: number;
  /** How this process names itself to the database. */
  name?: string;
  /** The router messages are sent through, and whose providers' statuses are read. */
  router: DispatchRouter & Pick<Router, 'deliveryStatus' | 'status'>;
  logger?: Logger;
  /**
   * `claimSize`: records an embedded claim takes (default UNIT_SIZE); on PostgreSQL, the single messages a
   * unit takes (default a general slot's part of UNIT_SIZE: a burst is shared among the workers' slots).
   */
  dispatch?: Pick<DispatcherOptions, 'concurrency' | 'pollMs' | 'writeRetryMs' | 'resultFlushMs' | 'holdWithoutRouteMs'> & { claimSize?: number };
  /** Records are pruned after `messagesMs` (default 30 days); idempotency keys are released after `idempotencyMs` (default 48 h). */
  retention?: { messagesMs?: number; idempotencyMs?: number; pruneEveryMs?: number };
  /** Messages per second per account, keyed `provider/account` (see throttleKey). */
  limits?: ReadonlyMap<string, number>;
  /** Where the limits are held (default: this process's memory; a worker's: the PostgreSQL store, shared by all workers). */
  limiterFor?: LimiterFactory;
  /** How accepted messages are followed to their delivery (schedule, TTL, reads per second per account). */
  reports?: Pick<ReportCollectorOptions, 'scheduleMs' | 'ttlMs' | 'readsPerSecond' | 'roundSize' | 'pollMs'>;
  /** How pushed reports that named no message yet are matched again (waits, how many are held). */
  pushes?: Pick<PushedReportsOptions, 'rematchMs' | 'maxHeld' | 'pollMs'>;
  /** How webhooks are delivered; without it events stay in the outbox (a process that sends none). */
  webhooks?: { deliver: DeliverWebhook; sign: SignWebhook; concurrency?: number; perEndpoint?: number; deliveryTimeoutMs?: number; retryForMs?: number; pollMs?: number; random?: () => number };
  /** Told of final delivery reports, webhook deliveries and messages put on hold (metrics). */
  observer?: ReportObserver & WebhookObserver & DispatchObserver;
  clock?: () => number;
}

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/**
 * The ledger at work: every message is recorded before any provider call,
 * then either sent at once for a caller who waits, or queued for the
 * dispatcher. Idempotency, ownership and retention are the store's; the
 * dispatcher, the throttle and the OTP texts held in memory are this object's.
 */
export class Ledger {
  readonly store: LedgerStore;
  readonly role: LedgerRole;
  /** The PostgreSQL store's notifications (LISTEN), shared with the rest of the process (operator overrides). */
  readonly notifications: PostgresListener | undefined;
  private readonly dispatcher: Dispatcher;
  /** The records table as this process's queue (an embedded store); undefined on a shared queue. */
  private readonly table: TableSource | undefined;
  private readonly collector: ReportCollector;
  private readonly pushed: PushedReports;
  private readonly sender: WebhookSender | undefined;
  private readonly throttle: AccountThrottle;
  private readonly waiter: FinishWaiter | undefined;
  private readonly texts = new Map<string, string>();
  private readonly logger: Logger;
  private readonly clock: () => number;
  private pruning: NodeJS.Timeout | undefined;
  private detachWake: (() => void) | undefined;

  constructor(private readonly options: LedgerOptions) {
    parseInput(LedgerOptionsShapeSchema, options, 'ledger options');
    this.store = options.store;
    this.role = options.role ?? 'embedded';
    this.logger = options.logger ?? silentLogger;
    this.clock = options.clock ?? Date.now;
    const { postgres, queue } = options.store;
    if (this.role !== 'embedded' && !queue) {
      throw new Error(`a ${this.role} shares its work through a PostgreSQL store; this store is ${options.store.dialect} (run embedded, or set store.kind: postgres)`);
    }
    this.notifications = postgres ? new PostgresListener(postgres.config, { logger: this.logger, name: `${options.name ?? 'rota'}-listen` }) : undefined;
    this.throttle = new AccountThrottle(options.limiterFor ?? (postgres && this.role === 'worker' ? sharedLimiterFor(postgres) : undefined));
    if (options.limits) this.throttle.setLimits(options.limits);
    const { claimSize, ...dispatch } = options.dispatch ?? {};
    this.table = queue ? undefined : new TableSource(options.store, claimSize ?? UNIT_SIZE, this.clock, this.logger);
    this.dispatcher = new Dispatcher({
      store: options.store,
      source: this.table ?? new QueueSource(options.store, queue!, this.logger, { singlesPerUnit: claimSize ?? singlesPerUnit(dispatch.concurrency) }),
      router: options.router,
      throttle: this.throttle,
      texts: this.texts,
      logger: this.logger,
      clock: this.clock,
      firstReportAfterMs: options.reports?.scheduleMs?.[0] ?? FIRST_REPORT_AFTER_MS,
      ...dispatch,
      ...(options.observer ? { observer: options.observer } : {}),
    });
    this.waiter = queue && this.role !== 'worker' ? new FinishWaiter(options.store, this.notifications!) : undefined;
    this.pushed = new PushedReports({
      store: options.store,
      nextDueAt: () => this.clock() + this.collector.firstReadAfterMs,
      logger: this.logger,
      clock: this.clock,
      ...options.pushes,
      ...(options.observer ? { observer: options.observer } : {}),
    });
    this.collector = new ReportCollector({ store: options.store, router: options.router, logger: this.logger, clock: this.clock, ...options.reports, ...(options.observer ? { observer: options.observer } : {}) });
    this.sender = options.webhooks
      ? new WebhookSender({ store: options.store, logger: this.logger, clock: this.clock, ...options.webhooks, ...(options.observer ? { observer: options.observer } : {}) })
      : undefined;
  }

  /**
   * Once, at start. On SQLite: a record a crash left on its way to a
   * provider becomes `unknown` (`interrupted`) and is never sent again by
   * itself (one claimed but not yet handed to a provider is queued again);
   * then the queue runs and retention is enforced every hour. On PostgreSQL
   * a worker (or an embedded process) does the same work but recovers per
   * unit — a unit whose worker died comes back to another — and wakes when a
   * gateway queues; a gateway only listens for the results it waits for.
   */
  async start(): Promise<{ unknown: number; requeued: number }> {
    await this.notifications?.start();
    // Pushes come to gateways (and the embedded process): they match again what was held, whichever process held it.
    if (this.role !== 'worker') this.pushed.start();
    if (this.role === 'gateway') return { unknown: 0, requeued: 0 };
    let recovered = { unknown: 0, requeued: 0 };
    if (this.notifications) {
      this.detachWake = this.notifications.on('dispatch', () => this.dispatcher.wake());
    } else {
      const unrecorded = await this.store.deleteUnrecordedBulks();
      if (unrecorded > 0) this.logger.warn({ bulks: unrecorded }, 'ledger: bulks the last run was still recording (never answered 202) are deleted with their records');
      recovered = await this.store.recoverInterrupted(new Date(this.clock()));
      // Every record left dispatching is released now: one the last run could not release must not be released again once sending.
      this.table?.forgetLeftovers();
      if (recovered.unknown > 0) {
        this.logger.warn({ ...recovered }, 'ledger: records the last run had handed to a provider are now unknown (interrupted); they are not sent again by themselves');
      }
    }
    await this.prune();
    this.pruning = setInterval(() => void this.prune(), this.options.retention?.pruneEveryMs ?? HOUR_MS);
    this.pruning.unref();
    this.dispatcher.start();
    this.collector.start();
    this.sender?.start();
    return recovered;
  }

  /**
   * Records the messages (one transaction), then sends the new ones now
   * (`wait`) or leaves them to the dispatcher (`queue`). A message with a
   * future `sendAt` is always queued: it is held until it is due. `whole`:
   * recorded all or none — a key that stands for another message, or for an
   * erased one, records and sends nothing (WholeCallConflictError).
   */
  async submit(submissions: readonly Submission[], mode: SubmitMode, options: { whole?: boolean } = {}): Promise<SubmitOutcome[]> {
    const now = this.clock();
    const waiting = submissions.map(({ message }) => mode === 'wait' && !(message.sendAt && message.sendAt.getTime() > now));
    // On a shared store nothing is sent outside the queue: what a caller waits for is queued too, and awaited.
    const sendsHere = this.store.queue === undefined;
    const outcomes = await this.store.recordMessages(
      submissions.map((submission, i) => ({
        message: submission.message,
        owner: submission.owner,
        ...(submission.reference === undefined ? {} : { reference: submission.reference }),
        ...(submission.callbackUrl === undefined ? {} : { callbackUrl: submission.callbackUrl }),
        state: waiting[i] && sendsHere ? 'dispatching' : 'queued',
        ...(waiting[i] && !sendsHere ? { awaited: true } : {}),
      })),
      options,
    );
    const waitedFor: MessageRecord[] = [];
    // The messages validated once by the caller go to the router as they are: no second analysis.
    const checked = new Map<string, Message>();
    let queued = false;
    outcomes.forEach((outcome, i) => {
      if (outcome.kind !== 'created') return;
      const { message } = submissions[i]!;
      if (waiting[i]) {
        waitedFor.push(outcome.record);
        checked.set(outcome.record.id, dueNow(message));
      } else {
        // On PostgreSQL an OTP's text travels sealed in its queue job; embedded, this process holds it.
        if (message.otp && sendsHere) this.texts.set(outcome.record.id, message.text);
        queued = true;
      }
    });
    if (queued) this.wake();

    if (waitedFor.length === 0) return outcomes;
    // Answered from the records as the results were written to them; one not finished here (another
    // process's, or a gateway's wait) is read back.
    const finished = new Map<string, MessageRecord>();
    if (sendsHere) await this.sendWaitedFor(waitedFor, checked, finished);
    else await this.waiter!.wait(waitedFor.map((record) => record.id), this.options.waitMs ?? 30_000);
    const unread = waitedFor.filter((record) => !finished.has(record.id));
    for (const record of await Promise.all(unread.map((record) => this.store.get(record.id)))) if (record) finished.set(record.id, record);
    return outcomes.map((outcome) => (outcome.kind === 'created' && finished.has(outcome.record.id) ? { kind: 'created', record: finished.get(outcome.record.id)! } : outcome));
  }

  /**
   * Sends what a caller waits for, here (only ever on the records table).
   * Results that could not be written leave their records `unknown` where a
   * provider was asked (as a restart would), so that a retry under the same
   * key reads an honest state; the error goes to the caller, who must not
   * send them again on its own.
   */
  private async sendWaitedFor(records: MessageRecord[], checked: ReadonlyMap<string, Message>, finished: Map<string, MessageRecord>): Promise<void> {
    try {
      await this.dispatcher.sendNow(records, { checked, records: finished });
    } catch (error) {
      // What was not finished is released either way: results not written, or a send that threw (its records left dispatching).
      const ids = error instanceof ResultsNotWrittenError ? error.ids : records.map((record) => record.id);
      await this.table!.release(ids).catch((released: unknown) => this.logger.error({ error: describeError(released) }, 'ledger: a waited-for send that failed could not be released either; tried again before the next claim'));
      throw error;
    }
  }

  /** Records a bulk, one record per recipient, in one transaction, and queues it. */
  async submitBulk(submission: BulkSubmission): Promise<BulkOutcome> {
    const outcome = await this.store.recordBulk(
      {
        template: submission.template,
        owner: submission.owner,
        ...(submission.reference === undefined ? {} : { reference: submission.reference }),
        ...(submission.idempotencyKey === undefined ? {} : { idempotencyKey: submission.idempotencyKey }),
        ...(submission.callbackUrl === undefined ? {} : { callbackUrl: submission.callbackUrl }),
      },
      submission.recipients,
    );
    if (outcome.kind === 'created') {
      if (submission.template.otp && !this.store.queue) this.texts.set(outcome.bulkId, submission.template.text);
      this.wake();
    }
    return outcome;
  }

  /**
   * KVKK erasure of every record sent to `to` (LedgerStore.eraseNumber), and
   * of the OTP texts this process held for them: an OTP queued for later is
   * not sent once erased, and its text must not wait in memory until the
   * process ends. Returns how many records were erased.
   */
  async eraseNumber(to: string): Promise<number> {
    const erased = await this.store.eraseNumber(to);
    if (erased === 0 || this.texts.size === 0) return erased;
    // The store says which records are gone; the held texts are few (OTPs not sent yet).
    for (const key of [...this.texts.keys()]) {
      const gone = isBulkId(key) ? !(await this.store.bulkHasUnsent(key)) : (await this.store.get(key)) === undefined;
      if (gone) this.texts.delete(key);
    }
    return erased;
  }

  /**
   * A message taken back before it is on its way (LedgerStore.cancel):
   * queued, or claimed with no request to a provider yet; `canceled`, never
   * sent; an OTP's text held here is dropped with it. One in a request under
   * way, or finished: `not-cancelable`, with its record.
   */
  async cancel(id: string, scope: ReadScope, by: CancelledBy): Promise<{ kind: 'canceled' | 'not-cancelable'; record: MessageRecord } | { kind: 'not-found' }> {
    const outcome = await this.store.cancel(id, scope, by);
    if (!outcome) return { kind: 'not-found' };
    if (outcome.kind === 'canceled') {
      const { bulkId } = outcome.record;
      if (bulkId === undefined) this.texts.delete(id);
      // A bulk's last records canceled one by one: nothing of it will be sent, so neither will its OTP text be needed.
      else await this.dropBulkTextIfUnneeded(bulkId);
    }
    return outcome;
  }

  /**
   * Every record of a bulk not on its way canceled (LedgerStore.cancelBulk);
   * those in a request under way are sent. An OTP bulk's text held here is dropped
   * once none of its records waits for a send or is on its way.
   */
  async cancelBulk(bulkId: string, scope: ReadScope, by: CancelledBy): Promise<{ canceled: number; progress: BulkProgress } | undefined> {
    const outcome = await this.store.cancelBulk(bulkId, scope, by);
    if (outcome) await this.dropBulkTextIfUnneeded(bulkId);
    return outcome;
  }

  /** An OTP bulk's text held here, dropped once none of its records waits for a send or is on its way. */
  private async dropBulkTextIfUnneeded(bulkId: string): Promise<void> {
    if (this.texts.has(bulkId) && !(await this.store.bulkHasUnsent(bulkId))) this.texts.delete(bulkId);
  }

  /**
   * An operator sends an `unknown` message again, knowingly: a new record,
   * linked to the old one (`resendOf`), queued. Only `unknown` records: any
   * other state is known (sent, refused or not sent) and an OTP's text was
   * never kept. Once: a second call (a double click, a retried request, two
   * operators) answers the copy the first made (`existing`) — it carries the
   * idempotency key `resend:<id>`, so the store's own key check decides,
   * across restarts and gateways, for as long as keys are kept (48 h). An
   * erasure of the number at the same time comes wholly before (not-found,
   * no copy) or wholly after (the copy is erased too): see recordResend.
   *
   * One whose provider knows it by an id Rota named (Infobip) has its status
   * read for a while: a report would show the provider has it, and make it
   * accepted. Sent again meanwhile, the recipient would most likely get two:
   * `pending` unless `force`.
   */
  async resend(
    id: string,
    options: { force?: boolean } = {},
  ): Promise<{ kind: 'created' | 'existing'; record: MessageRecord } | { kind: 'not-found' } | { kind: 'refused'; reason: string } | { kind: 'pending'; reason: string }> {
    const record = await this.store.get(id);
    if (!record) return { kind: 'not-found' };
    if (record.state !== 'unknown') {
      // Resent while it was unknown, and settled since by its provider's report: a repeated call still answers the copy.
      const copy = await this.store.getByKey(record.owner, resendKey(record.id));
      if (copy) return { kind: 'existing', record: copy };
      return { kind: 'refused', reason: `only an unknown message can be sent again; this one is ${record.state}` };
    }
    if (!options.force && record.providerMessageId !== undefined) {
      const next = await this.store.nextReportRead(id);
      if (next !== undefined) {
        return {
          kind: 'pending',
          reason: `${record.providerId ?? 'its provider'} may yet report on it, which would show it has the message: its status is read until ${readsEnd(record, next, this.collector.readsEndAfterMs)} (next ${next.toISOString()}; GET /v1/messages/${id}?refresh=true asks now); to send it again anyway, ask with {"force": true}`,
        };
      }
    }
    const text = record.text ?? this.texts.get(record.bulkId ?? record.id);
    if (text === undefined) return { kind: 'refused', reason: 'an OTP text is never kept in the ledger: the client must send a new one' };
    const message: Message = { to: record.to, text, iysType: record.iysType, recipientType: record.recipientType, otp: record.otp, analysis: analyzeText(text), idempotencyKey: resendKey(record.id) };
    if (record.sender !== undefined) message.sender = record.sender;
    if (record.validUntil !== undefined) message.validUntil = record.validUntil;
    const outcome = await this.store.recordResend({
      message,
      owner: record.owner,
      resendOf: record.id,
      ...(record.reference === undefined ? {} : { reference: record.reference }),
      ...(record.callbackUrl === undefined ? {} : { callbackUrl: record.callbackUrl }),
    });
    if (outcome.kind === 'existing') return outcome;
    // Its number was erased since the read above: as if the erasure had come first.
    if (outcome.kind === 'erased') return { kind: 'not-found' };
    if (outcome.kind !== 'created') return { kind: 'refused', reason: `the resend could not be recorded: the key ${resendKey(record.id)} stands for another message of ${record.owner}` };
    if (message.otp && !this.store.queue) this.texts.set(outcome.record.id, text);
    this.wake();
    return { kind: 'created', record: outcome.record };
  }

  /**
   * Reports a provider pushed (already checked as its own): written like
   * polled ones, to the messages that provider knows by those ids. Says how
   * many reports matched a message now; those that did not are held and
   * matched again for a while (see PushedReports, and HeldReportsFull).
   */
  async receivePushed(providerId: string, reports: readonly DeliveryReport[]): Promise<PushReceipt> {
    return this.pushed.receive(providerId, reports);
  }

  /**
   * Asks the provider for one message's status now (`?refresh=true`), writes
   * what it says, and answers the record. A provider's failure is thrown
   * (a ProviderError) for the caller to answer; a message not accepted, or
   * already final, is answered as it is. An `unknown` one whose provider took
   * Rota's id is asked too: a report settles it as accepted.
   */
  async refresh(id: string, scope: ReadScope): Promise<MessageRecord | undefined> {
    const record = await this.store.get(id, scope);
    if (!record || (record.state !== 'accepted' && record.state !== 'unknown') || record.delivery?.final || !record.providerId || !record.accountId || !record.providerMessageId) return record;
    const rows = await this.options.router.deliveryStatus({ providerId: record.providerId, accountId: record.accountId, providerMessageIds: [record.providerMessageId] });
    // A provider may answer a history for one id: its final row, not its first.
    const report = firstFinalElseLast(rows, (row) => row.providerMessageId, (row) => row.final).get(record.providerMessageId) ?? rows[0];
    if (report) tellFinals(this.options.observer, (await this.store.applyReports([{ id, report, source: 'refresh', nextDueAt: this.clock() + this.collector.firstReadAfterMs }])).finals, this.clock());
    return this.store.get(id, scope);
  }

  /** Pushed reports held for their messages, matched again now if due (tests and tools; done every second). */
  rematchPushed(): Promise<void> {
    return this.pushed.rematch();
  }

  /** Status reads now, round after round while rounds come full (tests and tools; the collector does so every second). */
  collectReports(): Promise<number> {
    return this.collector.drain();
  }

  /** Webhook deliveries now, until nothing is due (tests and tools; the sender does so every second). */
  deliverWebhooks(): Promise<number> {
    return this.sender?.round() ?? Promise.resolve(0);
  }

  /** New per-account limits (a configuration reload). */
  setLimits(limits: ReadonlyMap<string, number>): void {
    this.throttle.setLimits(limits);
  }

  /** Dispatch units in flight. */
  get busy(): number {
    return this.dispatcher.busy;
  }

  /**
   * Stops taking queued work, waits for dispatches in flight at most
   * `boundMs`, and stops pruning. Queued records stay for the next start. The
   * store is the caller's to close: after the router has closed and settle().
   */
  async stop(boundMs: number): Promise<void> {
    clearInterval(this.pruning);
    this.detachWake?.();
    this.waiter?.close();
    await Promise.all([this.dispatcher.stop(boundMs), this.collector.stop(), this.pushed.stop(), this.sender?.stop()]);
    await this.notifications?.close();
  }

  /**
   * Starts no provider try here from now on, for queued records and
   * waited-for sends alike (a shutdown whose requests outlast their bound): a
   * call at a provider now ends as it ends, the records no provider was asked
   * for go back to `queued` for the next start, and a caller waiting for its
   * send is answered with what there is. On a shared store a caller waits for
   * the workers: its wait ends now, and it reads the records as they stand
   * (the workers go on sending). stop() still follows.
   */
  stopTrying(): void {
    this.dispatcher.stopTrying();
    this.waiter?.endWaits();
  }

  /**
   * Waits, at most `boundMs`, for the dispatch units stop() left running to
   * write their results and queue their untried records again. Call it after
   * closing the router (which ends their calls) and before closing the store.
   */
  async settle(boundMs = 5_000): Promise<void> {
    await this.dispatcher.settled(boundMs);
  }

  /** Something was queued: this process's dispatcher looks now (a worker elsewhere hears it from the database). */
  private wake(): void {
    if (this.role !== 'gateway') this.dispatcher.wake();
  }

  private async prune(): Promise<void> {
    try {
      const retention = this.options.retention ?? {};
      const pruned = await this.store.prune({
        now: new Date(this.clock()),
        retentionMs: retention.messagesMs ?? 30 * DAY_MS,
        idempotencyRetentionMs: retention.idempotencyMs ?? 48 * HOUR_MS,
      });
      if (pruned.deletedMessages > 0 || pruned.clearedIdempotencyKeys > 0) this.logger.info({ ...pruned }, 'ledger: retention applied');
    } catch (error) {
      this.logger.error({ error: describeError(error) }, 'ledger: pruning failed; retrying at the next round');
    }
  }
}

/**
 * A message sent now without its `sendAt`, which is due (as the dispatcher
 * sends a queued one): a provider told of a time already past would count the
 * message's validity from it (Infobip's), or refuse it.
 */
function dueNow(message: Message): Message {
  if (message.sendAt === undefined) return message;
  const { sendAt: _due, ...sendable } = message;
  return sendable;
}

/** When the status reads of an unknown message end, at the latest (a report ends them sooner). */
function readsEnd(record: MessageRecord, next: Date, readsEndAfterMs: number): string {
  return new Date((record.finishedAt ?? next).getTime() + readsEndAfterMs).toISOString();
}

/** Idempotency keys of operators' resends begin so; a client's own key may not (it could take a resend's place). */
export const RESEND_KEY_PREFIX = 'resend:';

/** The idempotency key of the one copy an operator's resend makes of a message. */
function resendKey(id: string): string {
  return `${RESEND_KEY_PREFIX}${id}`;
}

/**
 * A PostgreSQL unit of single messages: a general slot's part of UNIT_SIZE
 * (267 of the default four slots' three), so that a worker's slots — and
 * the other workers' — share a burst rather than one slot taking it all; at
 * least 50, so that many slots do not bring back a fetch, a claim and a
 * completion for every few messages.
 */
function singlesPerUnit(concurrency: number | undefined): number {
  return Math.max(50, Math.ceil(UNIT_SIZE / (Math.max(2, concurrency ?? 4) - 1)));
}
