import type { SendResult } from '@rota/core';
import { PhoneNumberSchema, silentLogger, type DeliveryReport, type Logger } from '@rota/provider';
import { sql, type Kysely } from 'kysely';
import { z } from 'zod';
import type { LedgerDatabase } from './database.js';
import type { LedgerHasher } from './ledger-hashing.js';
import { LedgerInputError, parseInput } from './ledger-input-error.js';
import { ClaimOptionsSchema, type ClaimOptions } from './claim-options.js';
import type { AccountDeliveries, BulkProgress, LedgerStats } from './ledger-reports.js';
import type { ListCursors } from './list-cursor.js';
import { CURSOR_REFUSED, ListQuerySchema, type ListPage, type ListQuery } from './list-query.js';
import { PRIORITY, type MessageRecord, type Priority } from './message-record.js';
import { toMessageRecord } from './message-row.js';
import { NewBulkSchema, NewMessageSchema, type BulkOutcome, type NewBulk, type NewMessage, type ParsedNewMessage, type RecordOutcome } from './new-records.js';
import { PruneOptionsSchema, type PruneOptions, type PruneResult } from './retention-options.js';
import type { SqlDialect } from './sql-dialect.js';
import type { PostgresConnection } from './postgres/postgres-connection.js';
import type { PgBossQueue } from './postgres/pg-boss-queue.js';
import { channelName, idPayloads, notifyInTransaction } from './postgres/postgres-notifications.js';
import { claimDue, claimUnit, markDispatching, recoverInterrupted, requeueUnsent } from './store/dispatch-transitions.js';
import { applyReports, claimReportsDue, idsOfProviderMessages, firstFinalElseLast, readTimeline, rescheduleReports, stopReports, type AppliedReports, type ReportDue, type ReportEntry } from './store/delivery-reports.js';
import { finishMessages, type FinishOptions } from './store/finish-messages.js';
import {
  claimWebhooks,
  disabledEndpoints,
  enableEndpoint,
  redeliverWebhook,
  settleWebhooks,
  type Redelivery,
  webhookBacklog,
  webhooksOfMessage,
  type DueWebhook,
  type WebhookSettlement,
} from './store/webhook-outbox.js';
import { accountDeliveries, bulkHasUnsent, bulkProgress, ledgerStats } from './store/ledger-counts.js';
import { listMessages } from './store/list-messages.js';
import { BulkListQuerySchema, listBulks, type BulkListPage, type BulkListQuery } from './store/list-bulks.js';
import { deleteUnrecordedBulks, recordBulk } from './store/record-bulk.js';
import { recordMessages, type RecordOptions } from './store/record-messages.js';
import { eraseNumber, prune } from './store/retention.js';
import { cancelBulkSlice, withdrawnAmong, cancelMessage, type CancelledBy } from './store/cancel-messages.js';
import { claimHeldReports, countHeldReports, dropHeldReports, holdReports, rematchHeldLater, type HeldReport } from './store/held-reports.js';
import { holdUnrouted, releaseHeld, type Hold } from './store/hold-unrouted.js';
import { truncateWal } from './sqlite/truncate-wal.js';
import { copyLedger, CopyRefusedError, type CopiedCounts, type CopyOptions } from './store/copy-ledger.js';
import { changeOperatorOverrides, OperatorChangeSchema, readOperatorOverrides, type OperatorChange, type StoredOperatorOverride } from './store/operator-overrides.js';
import { MergedCalls } from './store/merged-calls.js';
import { isStoreUnavailable } from './store-unavailable.js';
import { describeError } from './error-text.js';
import { claimInSlices, postgresWritePath, SMALL_CALL_RECORDS, sqliteWritePath, writeInSlices, type Transact, type WritePath } from './store/transact.js';

/** A bulk's cancellation on PostgreSQL, records a transaction (SQLite takes its bulk slice, fewer). */
const CANCEL_SLICE_RECORDS = 5_000;

/** An accepted message's status is first read this long after acceptance, unless the ledger says otherwise. */
export const FIRST_REPORT_AFTER_MS = 15_000;

/** One step of a message's timeline: its own states (`state`) and its provider's reports (`delivery`). */
export interface TimelineStep {
  kind: 'state' | 'delivery';
  state: string;
  reason?: string;
  providerCode?: string;
  /** `dispatch`, `recovery`, `poll`, `push`, `refresh` or `expiry`. */
  source: string;
  /** When it happened: the provider's time for a report. */
  at: Date;
  recordedAt: Date;
}

/** Who is asking: an API client sees only its own records; no owner is an admin, who sees all. */
export interface ReadScope {
  owner?: string;
}

const RecipientsSchema = z
  .array(z.string().regex(/^\+[1-9][0-9]{6,14}$/, 'must be a number in E.164 (validate the bulk with @rota/provider first)'))
  .min(1, 'must list at least one number');
const DispatchTargetSchema = z.strictObject({ providerId: z.string().min(1), accountId: z.string().min(1) });
const ErasureSchema = z.strictObject({ to: PhoneNumberSchema });
const InstantSchema = z.date(); // zod refuses an Invalid Date too

/**
 * On PostgreSQL each call was a transaction of its own: 64 single messages
 * in flight were 64 transactions of a record, a job, a NOTIFY and a commit
 * each, and the gateway, not the worker, bounded single messages
 * (bench/scale). Small calls made at once now go as one: one insert of their
 * records, one of their jobs, one NOTIFY, one commit. One merged call runs at
 * a time and what comes meanwhile waits for the next, up to 500 entries: in
 * bench/scale two or four at once merged less and sent fewer (0.40–0.49 and
 * 0.47 of the embedded gateway's rate, against 0.50–0.59 for one).
 */
const POSTGRES_RECORD_MERGES = { maxEntries: 500, maxRunning: 1, sharedFailure: isStoreUnavailable };

/**
 * How long a merged call's insert waits for a key another transaction is
 * inserting before it gives up and its calls run again alone: every small
 * call of this process waits behind it, and merged calls of two processes
 * taking keys in opposite orders would deadlock (for a second, until
 * PostgreSQL's deadlock check ends one).
 */
const MERGED_LOCK_TIMEOUT_MS = 200;

/**
 * The lock timeout of a merged call's insert under `statementTimeoutMs`: it
 * must fire first. A statement timeout is an outage to the store (every
 * caller of the merged call gets 503 at once); a lock timeout is one call's
 * wait, and sends each call to run again alone.
 */
function mergedLockTimeoutMs(statementTimeoutMs: number): number {
  return Math.min(MERGED_LOCK_TIMEOUT_MS, Math.floor(statementTimeoutMs / 2));
}

/** Keys one `keysTaken` statement asks about: well within SQLite's bound on a statement's parameters. */
const KEYS_A_STATEMENT = 500;

/**
 * The message ledger: every message's record, from before its provider call
 * to its retention's end. Async throughout, although SQLite answers
 * synchronously, because a PostgreSQL store will not. Made by openLedgerStore.
 */
export class LedgerStore {
  readonly #db: Kysely<LedgerDatabase>;
  /**
   * Write transactions: on SQLite a group commit per turn of the event loop,
   * small calls first and large ones in slices (see store/transact); on
   * PostgreSQL one each.
   */
  readonly #writes: WritePath;
  readonly #dialect: SqlDialect;
  readonly #hasher: LedgerHasher;
  readonly #cursors: ListCursors;
  readonly #clock: () => Date;
  /** The bulks this store is recording in slices now (see recordBulk): a retry under one's key waits for it. */
  readonly #bulkRecordings = new Map<string, Promise<boolean>>();
  /** The pool and settings of a PostgreSQL store, which its shared parts (limiter, notifications) use too. */
  readonly postgres: PostgresConnection | undefined;
  /** The queue of a PostgreSQL store (pg-boss): queued records are enqueued in the transaction that records them. */
  readonly queue: PgBossQueue | undefined;
  /**
   * PostgreSQL: small recordMessages calls made at once go as one (see
   * POSTGRES_RECORD_MERGES). SQLite's group commit already puts them in one
   * transaction: undefined there.
   */
  readonly #mergedRecords: MergedCalls<ParsedNewMessage, RecordOutcome> | undefined;
  /** PostgreSQL: a merged call's insert's lock timeout (see mergedLockTimeoutMs). */
  readonly #mergedLockTimeout: string | undefined;
  readonly #logger: Logger;
  /** SQLite: deleted rows are still in the write-ahead log (a reader blocked its truncation). */
  #walTruncationOwed = false;

  constructor(parts: {
    db: Kysely<LedgerDatabase>;
    dialect: SqlDialect;
    hasher: LedgerHasher;
    cursors: ListCursors;
    clock: () => Date;
    postgres?: PostgresConnection;
    queue?: PgBossQueue;
    logger?: Logger;
  }) {
    this.#db = parts.db;
    this.#writes = parts.dialect === 'sqlite' ? sqliteWritePath(parts.db) : postgresWritePath(parts.db);
    this.#dialect = parts.dialect;
    this.#hasher = parts.hasher;
    this.#cursors = parts.cursors;
    this.#clock = parts.clock;
    this.postgres = parts.postgres;
    this.queue = parts.queue;
    this.#logger = parts.logger ?? silentLogger;
    if (parts.dialect === 'postgres') {
      this.#mergedLockTimeout = `${mergedLockTimeoutMs(parts.postgres?.config.statementTimeoutMs ?? Number.POSITIVE_INFINITY)}ms`;
      this.#mergedRecords = new MergedCalls((calls, inSlot) => this.#record(calls, inSlot), {
        ...POSTGRES_RECORD_MERGES,
        // Rare (two transactions inserting one key at once); many of these say merging no longer pays here.
        onRunAlone: (calls, error) => this.#logger.warn({ calls, error: describeError(error) }, 'ledger store: a merged record call failed; its calls run again one by one'),
      });
    }
  }

  /** `sqlite` for a file or memory store, `postgres` for a shared one. */
  get dialect(): SqlDialect {
    return this.#dialect;
  }

  /**
   * Records messages in one transaction, each as if sent after the one before.
   * Per entry: `created`; `existing` when the owner already recorded the same
   * message under its idempotency key (nothing new is written); `conflict`
   * when the key stands for another message; `erased` when it was a message
   * erased since (KVKK: nothing is written, nothing sent again). `whole`: a
   * conflict or an erased key records none of the entries and throws
   * WholeCallConflictError instead.
   */
  async recordMessages(entries: readonly NewMessage[], options: { whole?: boolean } = {}): Promise<RecordOutcome[]> {
    const parsed = parseInput(z.array(NewMessageSchema), entries, 'recordMessages');
    if (parsed.length === 0) return [];
    // A whole call is never merged: its roll-back must take no other caller's records with it.
    if (this.#mergedRecords && parsed.length <= SMALL_CALL_RECORDS && !options.whole) return this.#mergedRecords.call(parsed);
    const [outcomes] = await this.#record([parsed], false, { whole: options.whole });
    return outcomes!;
  }

  /** Records calls in one transaction; `inSlot` (a merged call others wait behind): give up soon on a row another transaction holds. */
  async #record(calls: readonly (readonly ParsedNewMessage[])[], inSlot = false, options: Pick<RecordOptions, 'whole' | 'resend'> = {}): Promise<RecordOutcome[][]> {
    const now = this.#now();
    const lane = this.#writes.lane(calls.reduce((sum, call) => sum + call.length, 0));
    const outcomes = await recordMessages(lane, calls, this.#hasher, now, { ...options, dialect: this.#dialect, queue: this.queue, insertLockTimeout: inSlot ? this.#mergedLockTimeout : undefined });
    // Embedded, this process sends what it records: an OTP's hold begins now. With a shared queue a worker sends it, and holds from its claim.
    if (!this.queue) {
      this.#writes.urgent.begin(outcomes.flat().flatMap((outcome) => (outcome.kind === 'created' && outcome.record.otp && outcome.record.dueAt.getTime() <= now ? [outcome.record.id] : [])));
    }
    return outcomes;
  }

  /**
   * An operator's resend's copy of the record `entry.resendOf` names, to the
   * same number: recorded as recordMessages records one entry, but only while
   * the original is still there, in the transaction that inserts the copy
   * (`erased`, nothing written, once the original is gone): an erasure of the
   * number that comes between the resend's read of the original and this
   * call must not leave a copy behind to be sent. Never merged with other
   * calls (it may wait for an erasure of its number).
   */
  async recordResend(entry: NewMessage & { resendOf: string }): Promise<RecordOutcome> {
    const parsed = parseInput(NewMessageSchema, entry, 'recordResend');
    const [outcomes] = await this.#record([[parsed]], false, { resend: true });
    return outcomes![0]!;
  }

  /**
   * A bulk row and one record per recipient (numbers in E.164, as
   * validateBulkMessage gives them), in one transaction. With
   * `bulk.idempotencyKey`, a repeat of the same bulk is `existing` and another
   * bulk under that key a `conflict`; nothing is written for either. A repeat
   * while the first call still records (in slices) waits for it in this
   * process, and is `recording` when another process records it.
   */
  async recordBulk(bulk: NewBulk, recipients: readonly string[]): Promise<BulkOutcome> {
    const parsed = parseInput(NewBulkSchema, bulk, 'recordBulk');
    const numbers = parseInput(RecipientsSchema, recipients, 'recordBulk recipients');
    const recorder = { dialect: this.#dialect, writes: this.#writes, hasher: this.#hasher, queue: this.queue, recordings: this.#bulkRecordings };
    return recordBulk(recorder, parsed, numbers, this.#now());
  }

  /** The record, or undefined if there is none or it belongs to another owner than `scope.owner`. */
  async get(id: string, scope: ReadScope = {}): Promise<MessageRecord | undefined> {
    let select = this.#db.selectFrom('messages').selectAll().where('id', '=', id);
    if (scope.owner !== undefined) select = select.where('owner', '=', scope.owner);
    const row = await select.executeTakeFirst();
    return row && toMessageRecord(row);
  }

  /** The owner's message recorded under this idempotency key, if any. */
  async getByKey(owner: string, idempotencyKey: string): Promise<MessageRecord | undefined> {
    const row = await this.#db.selectFrom('messages').selectAll().where('owner', '=', owner).where('idempotency_key', '=', idempotencyKey).executeTakeFirst();
    return row && toMessageRecord(row);
  }

  /** Which of these idempotency keys the owner's messages were recorded under (one statement a slice of keys). */
  async keysTaken(owner: string, idempotencyKeys: readonly string[]): Promise<Set<string>> {
    const taken = new Set<string>();
    for (let start = 0; start < idempotencyKeys.length; start += KEYS_A_STATEMENT) {
      const slice = idempotencyKeys.slice(start, start + KEYS_A_STATEMENT);
      const rows = await this.#db.selectFrom('messages').select('idempotency_key').where('owner', '=', owner).where('idempotency_key', 'in', slice).execute();
      for (const row of rows) if (row.idempotency_key !== null) taken.add(row.idempotency_key);
    }
    return taken;
  }

  /** The id of the owner's bulk recorded under this idempotency key, if any. */
  async bulkIdByKey(owner: string, idempotencyKey: string): Promise<string | undefined> {
    const row = await this.#db.selectFrom('bulks').select('id').where('owner', '=', owner).where('idempotency_key', '=', idempotencyKey).executeTakeFirst();
    return row?.id;
  }

  /** Records newest first, a page at a time. Throws LedgerInputError naming the field for a bad filter or cursor. */
  async list(query: ListQuery = {}): Promise<ListPage> {
    const { cursor, ...parsed } = parseInput(ListQuerySchema, query, 'list');
    // A cursor is a place in the list of one owner (or of all, an admin's): any filters may go on from it
    // (a CLI's `--since 2h` is a new instant on every page), another client's list may not.
    const scope = parsed.owner ?? '';
    const seq = cursor === undefined ? undefined : this.#cursors.open(cursor, scope);
    if (cursor !== undefined && seq === undefined) throw new LedgerInputError('list', [{ path: 'cursor', reason: CURSOR_REFUSED }]);
    return listMessages(this.#db, { ...parsed, ...(seq === undefined ? {} : { cursor: seq }) }, (last) => this.#cursors.seal(last, scope));
  }

  /**
   * Up to `limit` due queued records, switched to `dispatching` for this
   * caller alone; OTP, then NOTIFICATION, then CAMPAIGN. On SQLite a large
   * claim is taken a slice at a time, each its own transaction; an OTP-only
   * claim goes ahead of other callers' slices.
   */
  async claimDue(options: ClaimOptions): Promise<MessageRecord[]> {
    const { now, limit, maxPriority } = parseInput(ClaimOptionsSchema, options, 'claimDue');
    const take = async (transact: Transact, size: number, upTo: Priority | undefined) => {
      const found = await claimDue(transact, this.#dialect, now.getTime(), size, upTo);
      return { found, taken: found.length };
    };
    // A later slice failed: what earlier slices took is queued again, else it would wait for the next start.
    const release = (found: MessageRecord[]) => this.requeueUnsent(found.map((record) => record.id));
    // An OTP-only claim is small whatever its limit (OTPs come few at a time); how many it finds is not known yet.
    const claim = (upTo: Priority | undefined) => claimInSlices(this.#writes, limit, this.#writes.lane(upTo === PRIORITY.otp ? 0 : limit), (transact, size) => take(transact, size, upTo), release);
    // A large claim waits while an OTP is held urgent: the OTPs are taken first, alone, so it does not wait for itself.
    if (maxPriority !== PRIORITY.otp && this.#writes.urgent.active) {
      const otps = await claim(PRIORITY.otp);
      if (otps.length > 0) return otps;
    }
    return claim(maxPriority);
  }

  /** When the message's status is next read; undefined when its reads have ended (or it has none). */
  async nextReportRead(id: string): Promise<Date | undefined> {
    const row = await this.#db.selectFrom('messages').select('report_due_at').where('id', '=', id).executeTakeFirst();
    return row?.report_due_at == null ? undefined : new Date(Number(row.report_due_at));
  }

  /** Of these records, those canceled or erased since (a dispatcher's look before it waits its turn for a record it holds). */
  async withdrawnAmong(ids: readonly string[]): Promise<string[]> {
    return withdrawnAmong(this.#db, ids);
  }

  /**
   * Names the provider and account of records about to be sent; returns how
   * many `dispatching` records changed. With a unit's `token`, only records
   * that unit still holds change. Throws WithdrawnBeforeTry, naming those,
   * when any of them was canceled or erased since its claim: that try is not made.
   */
  async markDispatching(ids: readonly string[], target: { providerId: string; accountId: string }, token?: string): Promise<number> {
    const { providerId, accountId } = parseInput(DispatchTargetSchema, target, 'markDispatching');
    return sum(await writeInSlices(this.#writes, ids, (transact, slice) => markDispatching(transact, slice, { providerId, accountId }, this.#now(), token), this.#laneOf(ids)));
  }

  /**
   * Claimed records no provider was asked for, back to `queued` (see
   * requeueUnsent in store/dispatch-transitions), due again at once or at
   * `notBefore`; returns how many.
   */
  async requeueUnsent(ids: readonly string[], token?: string, options: { notBefore?: Date } = {}): Promise<number> {
    this.#writes.urgent.end(ids);
    return ids.length === 0 ? 0 : requeueUnsent(this.#db, ids, this.#now(), token, options.notBefore?.getTime());
  }

  /**
   * Claimed records no route was open to, back to `queued` as held (see
   * store/hold-unrouted): each with its reason, trail and due time, a first
   * hold noted in its timeline. With a unit's `token`, only records it still
   * holds; returns how many changed.
   */
  async holdUnrouted(holds: readonly Hold[], token?: string): Promise<number> {
    this.#writes.urgent.end(holds.map((hold) => hold.id));
    return holds.length === 0 ? 0 : holdUnrouted(this.#db, holds, this.#now(), token);
  }

  /**
   * A route may have opened: every held record is due now, and on PostgreSQL
   * the units handed back to wait are offered now (store/hold-unrouted,
   * PgBossQueue.wakePostponed). Returns how many records, or else units, it
   * let out. The units are woken even when no record was due later: a release
   * that came while a unit's job was still active made its records due, and
   * the job was postponed after it.
   */
  async releaseHeld(): Promise<number> {
    const now = this.#now();
    return this.#db.transaction().execute(async (trx) => {
      const released = await releaseHeld(trx, now);
      const woken = (await this.queue?.wakePostponed(trx)) ?? 0;
      return released || woken;
    });
  }

  /**
   * A unit from the shared queue, claimed under `token` (see claimUnit in
   * store/dispatch-transitions): the records to send now. Records an earlier
   * holder of the unit may have sent are finished `unknown` (`interrupted`)
   * here, as at an embedded start. Returns the records and that count.
   */
  async claimUnit(ids: readonly string[], token: string, options: { urgent?: boolean } = {}): Promise<{ records: MessageRecord[]; interrupted: number }> {
    const now = this.#now();
    // OTPs due now (the OTP queue's) hold this worker's large calls back from their claim to their finish; their own calls go ahead.
    if (options.urgent) this.#writes.urgent.begin(ids);
    const lane = this.#laneOf(ids);
    const claimed = await claimUnit(lane, ids, token, now);
    // In the unit's own lane: an OTP unit's recovered records must not wait for the unit's holds.
    const interrupted = await this.#finishInterrupted(claimed.interrupted, now, lane);
    if (options.urgent && claimed.records.length < ids.length) {
      const kept = new Set(claimed.records.map((record) => record.id));
      this.#writes.urgent.end(ids.filter((id) => !kept.has(id)));
    }
    return { records: claimed.records, interrupted };
  }

  /**
   * Writes the router's result, with its timeline step and its webhook;
   * false if the record does not exist or was already finished. An accepted
   * message's status is first read `firstReportAfterMs` later.
   */
  async finish(id: string, result: SendResult, options: Partial<FinishOptions> = {}): Promise<boolean> {
    return (await this.finishMany([{ id, result }], options)) === 1;
  }

  /** `finish` for many records, in one transaction (on SQLite, one a slice); returns how many were finished. */
  async finishMany(entries: readonly { id: string; result: SendResult }[], options: Partial<FinishOptions> = {}): Promise<number> {
    const ids = entries.map((entry) => entry.id);
    const lane = this.#laneOf(ids);
    this.#writes.urgent.end(ids);
    const answers = await writeInSlices(this.#writes, entries, (transact, slice) => finishMessages(transact, slice, this.#now(), this.#finishOptions(options)), lane);
    return sum(answers.map((answer) => answer.finished));
  }

  /**
   * `finishMany` that also gives back the records it finished, as written
   * (a caller who waits is answered from them, without reading them again).
   * A record this call did not finish (unknown, or finished before) is not in the map.
   */
  async finishManyRecords(entries: readonly { id: string; result: SendResult }[], options: Partial<FinishOptions> = {}): Promise<Map<string, MessageRecord>> {
    const ids = entries.map((entry) => entry.id);
    const lane = this.#laneOf(ids);
    this.#writes.urgent.end(ids);
    const answers = await writeInSlices(this.#writes, entries, (transact, slice) => finishMessages(transact, slice, this.#now(), { ...this.#finishOptions(options), returnRecords: true }), lane);
    return new Map(answers.flatMap(({ records }) => [...records!].map(([id, row]) => [id, toMessageRecord(row)] as const)));
  }

  /**
   * Call at start: a `dispatching` record that names a provider becomes
   * `unknown` (`interrupted`) — with its timeline step and webhook, as any
   * finish; one that never reached a provider is queued again. Returns how
   * many of each.
   */
  async recoverInterrupted(now: Date): Promise<{ unknown: number; requeued: number }> {
    return this.#recover(parseInput(InstantSchema, now, 'recoverInterrupted').getTime());
  }

  /**
   * recoverInterrupted for these records alone, while the process runs on: a
   * send it gave up on (its results could not be written) is not left
   * `dispatching` until the next start. Only one process may send from the
   * store (the embedded kind): no other send holds these records.
   */
  async releaseInterrupted(ids: readonly string[]): Promise<{ unknown: number; requeued: number }> {
    this.#writes.urgent.end(ids);
    return ids.length === 0 ? { unknown: 0, requeued: 0 } : this.#recover(this.#now(), ids);
  }

  /** Requeues the `dispatching` records (of `ids`, or all) that name no provider, and finishes the others as unknown. */
  async #recover(at: number, ids?: readonly string[]): Promise<{ unknown: number; requeued: number }> {
    const { requeued, interrupted } = await recoverInterrupted(this.#db, at, ids);
    return { unknown: await this.#finishInterrupted(interrupted, at), requeued };
  }

  /**
   * Call at start, before anything is claimed: bulks a crash left half-recorded
   * (the embedded store records a large bulk in slices) are deleted with their
   * records — none was answered 202 or claimed. Returns how many bulks.
   */
  async deleteUnrecordedBulks(): Promise<number> {
    return deleteUnrecordedBulks(this.#db);
  }

  /** Records a lost send may have reached their provider with: `unknown` (`interrupted`), with their timeline steps and webhooks. */
  async #finishInterrupted(
    interrupted: readonly { id: string; to: string; providerId: string; accountId: string }[],
    at: number,
    transact: Transact = this.#writes.lane(interrupted.length),
  ): Promise<number> {
    const { finished } = await finishMessages(
      transact,
      interrupted.map(({ id, to, providerId, accountId }) => ({
        id,
        result: { status: 'unknown', to, providerId, accountId, reason: 'interrupted', attempts: [] },
      })),
      at,
      this.#finishOptions({ source: 'recovery' }),
    );
    return finished;
  }

  /** A caller's finish options over the defaults: the first report's delay, and PostgreSQL's announcement. */
  #finishOptions(options: Partial<FinishOptions>): FinishOptions {
    return { firstReportAfterMs: FIRST_REPORT_AFTER_MS, ...this.#announcing(), ...options };
  }

  /** On PostgreSQL, finished records a gateway waits for are announced on the `finished` channel. */
  #announcing(): Pick<FinishOptions, 'announce'> {
    if (!this.postgres) return {};
    const channel = channelName(this.postgres.config.schema, 'finished');
    return { announce: (trx, ids) => notifyInTransaction(trx, channel, idPayloads(ids)) };
  }

  /** A message's timeline, oldest step first; undefined when there is no such message of `scope`'s owner. */
  async timeline(id: string, scope: ReadScope = {}): Promise<TimelineStep[] | undefined> {
    if (!(await this.get(id, scope))) return undefined;
    return (await readTimeline(this.#db, id)).map((row) => {
      const step: TimelineStep = { kind: row.kind, state: row.state, source: row.source, at: new Date(row.at), recordedAt: new Date(row.recorded_at) };
      if (row.reason !== null) step.reason = row.reason;
      if (row.provider_code !== null) step.providerCode = row.provider_code;
      return step;
    });
  }

  /**
   * Messages whose delivery status is due to be read, each leased for
   * `leaseMs` to this caller. On SQLite in the large lane (work no caller
   * waits on), a slice at a time while small calls come, as claimDue's: a
   * collector round of 5,000 held OTPs back.
   */
  async claimReportsDue(options: { now: Date; limit: number; leaseMs: number }): Promise<ReportDue[]> {
    const { now, limit, leaseMs } = options;
    return claimInSlices(this.#writes, limit, this.#writes.background(), async (transact, size) => {
      const { due, taken } = await claimReportsDue(transact, this.#dialect, now.getTime(), size, leaseMs);
      return { found: due, taken };
    });
  }

  /**
   * Writes delivery reports: the last report, timeline steps, and a webhook
   * for each final one. One transaction (on SQLite, one a slice). Of one id
   * given twice, the first final report counts, else the last.
   */
  async applyReports(entries: readonly ReportEntry[]): Promise<AppliedReports> {
    // Here, not per slice: the same id in two slices would be written twice, two timeline steps.
    const latest = [...firstFinalElseLast(entries, (entry) => entry.id, (entry) => entry.report.final).values()];
    const slices = await writeInSlices(this.#writes, latest, (transact, slice) => applyReports(transact, slice, this.#now()), this.#writes.background());
    return { steps: sum(slices.map((slice) => slice.steps)), finals: slices.flatMap((slice) => slice.finals) };
  }

  /**
   * Reads these messages' status next at `dueAt`, without a report: their
   * read failed or did not answer for them (`counted`: on the backoff, like a
   * read), or the round had no time for them (not counted).
   */
  async rescheduleReports(ids: readonly string[], options: { dueAt: Date; counted: boolean }): Promise<void> {
    await rescheduleReports(this.#db, ids, options.dueAt.getTime(), options.counted, this.#now());
  }

  /** Stops reading the status of these messages (their provider cannot report, or is no longer configured). */
  async stopReports(ids: readonly string[]): Promise<void> {
    await stopReports(this.#db, ids, this.#now());
  }

  /**
   * Pushed reports that named no message yet, kept for a rematch at `dueAt`
   * (see store/held-reports), unless the provider's held reports would then
   * number more than `maxHeld` (default: no bound); whether they were held.
   */
  async holdReports(providerId: string, reports: readonly DeliveryReport[], dueAt: Date, maxHeld = Number.POSITIVE_INFINITY): Promise<boolean> {
    return holdReports(this.#writes.background(), this.#dialect, providerId, reports, this.#now(), dueAt.getTime(), maxHeld);
  }

  /** Held reports due now, each leased for `leaseMs` to this caller. */
  async claimHeldReports(options: { now: Date; limit: number; leaseMs: number }): Promise<HeldReport[]> {
    return claimHeldReports(this.#writes.background(), this.#dialect, options.now.getTime(), options.limit, options.leaseMs);
  }

  /** Held reports matched again at `dueAt`, one rematch more. */
  async rematchHeldLater(ids: readonly string[], dueAt: Date): Promise<void> {
    await rematchHeldLater(this.#db, ids, dueAt.getTime());
  }

  /** Held reports done with (matched, or past their last rematch). */
  async dropHeldReports(ids: readonly string[]): Promise<void> {
    await dropHeldReports(this.#db, ids);
  }

  /** How many pushed reports are held, of one provider or of all. */
  async heldReportCount(providerId?: string): Promise<number> {
    return countHeldReports(this.#db, providerId);
  }

  /** The records of a provider's message ids: provider message id → record id. */
  async idsOfProviderMessages(providerId: string, providerMessageIds: readonly string[]): Promise<Map<string, string>> {
    return idsOfProviderMessages(this.#db, providerId, providerMessageIds);
  }

  /**
   * Webhook events due, each leased for `leaseMs` to this caller. On SQLite
   * in the group commit's large lane (work no caller waits on), in slices
   * while small calls come: a sender draining the outbox must not hold an
   * OTP back any more than the dispatcher's claims do. None to `skipReceivers`,
   * the receiver hosts the caller already sends to as much as it will.
   */
  async claimWebhooks(options: { now: Date; limit: number; leaseMs: number; skipReceivers?: readonly string[] }): Promise<DueWebhook[]> {
    const { now, limit, leaseMs, skipReceivers = [] } = options;
    return claimInSlices(this.#writes, limit, this.#writes.background(), async (transact, size) => {
      const found = await claimWebhooks(transact, this.#dialect, { now: now.getTime(), limit: size, leaseMs, skipReceivers });
      return { found, taken: found.length };
    });
  }

  /** What became of deliveries, in the order given: one transaction (on SQLite, one a slice). */
  async settleWebhooks(settled: readonly { id: string; settlement: WebhookSettlement }[]): Promise<void> {
    await writeInSlices(this.#writes, settled, (transact, slice) => settleWebhooks(transact, slice, this.#now()), this.#writes.background());
  }

  /**
   * Sends an event again (same id and body, tries and retry window afresh),
   * unless its receiver is switched off after a 410 (`held`, whether the
   * event waits behind the switch or was sent before it) or it is on its way
   * now; scoped to its owner unless the scope is an admin's.
   */
  async redeliverWebhook(id: string, scope: ReadScope = {}): Promise<Redelivery> {
    return redeliverWebhook(this.#db, id, scope.owner, this.#now());
  }

  async disabledEndpoints() {
    return disabledEndpoints(this.#db);
  }

  /** Turns a receiver switched off by a 410 back on; returns how many held events are due again (undefined: it was not switched off). */
  async enableEndpoint(url: string): Promise<number | undefined> {
    return enableEndpoint(this.#db, url, this.#now());
  }

  async webhookBacklog() {
    return webhookBacklog(this.#db);
  }

  async webhooksOfMessage(id: string, scope: ReadScope = {}) {
    if (!(await this.get(id, scope))) return undefined;
    return webhooksOfMessage(this.#db, id);
  }

  async bulkProgress(bulkId: string, scope: ReadScope = {}): Promise<BulkProgress | undefined> {
    return bulkProgress(this.#db, bulkId, scope.owner);
  }

  /**
   * A message taken back before it is on its way (see store/cancel-messages):
   * `canceled`, the record as written. `not-cancelable` with its state when a
   * request to its provider is under way (or it is finished); undefined when
   * there is no such record for `scope`.
   */
  async cancel(id: string, scope: ReadScope, by: CancelledBy): Promise<{ kind: 'canceled'; record: MessageRecord } | { kind: 'not-cancelable'; record: MessageRecord } | undefined> {
    const row = await cancelMessage(this.#writes.lane(1), id, scope.owner, by, this.#now());
    if (row) return { kind: 'canceled', record: toMessageRecord(row) };
    const record = await this.get(id, scope);
    return record && { kind: 'not-cancelable', record };
  }

  /**
   * Every record of the bulk not yet on its way — queued, or claimed with no
   * try naming its provider — canceled, a slice a transaction (those whose
   * try has named its provider are sent); how many, and the bulk's counts
   * after. Undefined when there is no such bulk for `scope`.
   */
  async cancelBulk(bulkId: string, scope: ReadScope, by: CancelledBy): Promise<{ canceled: number; progress: BulkProgress } | undefined> {
    if (!(await this.bulkProgress(bulkId, scope))) return undefined;
    const slice = Math.min(this.#writes.bulkSlice, CANCEL_SLICE_RECORDS);
    let canceled = 0;
    // Until a slice finds none: a slice's count says nothing of what is left (rows others hold are skipped, not waited
    // for). Then once more waiting for them (see cancelBulkSlice), until that too finds none.
    for (const waiting of [false, true]) {
      for (let picked = slice; picked > 0; ) {
        const taken = await retryDeadlock(() => cancelBulkSlice(this.#writes.lane(slice), this.#dialect, bulkId, by, slice, this.#now(), waiting));
        canceled += taken.canceled;
        picked = taken.picked;
      }
    }
    return { canceled, progress: (await this.bulkProgress(bulkId, scope))! };
  }

  /** Whether any record of the bulk is still `queued` or `dispatching` (its OTP text is still needed). */
  async bulkHasUnsent(bulkId: string): Promise<boolean> {
    return bulkHasUnsent(this.#db, bulkId);
  }

  /** Bulks newest first, each counted by state, a page at a time. Throws LedgerInputError naming the field for a bad limit or cursor. */
  async listBulks(query: BulkListQuery = {}): Promise<BulkListPage> {
    return listBulks(this.#db, parseInput(BulkListQuerySchema, query, 'listBulks'));
  }

  async stats(now: Date): Promise<LedgerStats> {
    return ledgerStats(this.#db, parseInput(InstantSchema, now, 'stats').getTime());
  }

  /** Per provider account, how many final delivery reports dated `since` or later said delivered, of how many. */
  async accountDeliveries(since: Date): Promise<AccountDeliveries[]> {
    return accountDeliveries(this.#db, parseInput(InstantSchema, since, 'accountDeliveries').getTime());
  }

  /** Deletes finished records past the retention and clears idempotency keys past theirs (defaults: 30 days, 48 hours). */
  async prune(options: PruneOptions): Promise<PruneResult> {
    const { now, retentionMs, idempotencyRetentionMs } = parseInput(PruneOptionsSchema, options, 'prune');
    const pruned = await prune(this.#db, { now: now.getTime(), retentionMs, idempotencyRetentionMs });
    await this.#scrubDeleted(pruned.deletedMessages + pruned.deletedBulks > 0);
    return pruned;
  }

  /** KVKK erasure of every record sent to `to` (any common form; normalised to E.164). Returns how many were deleted. */
  async eraseNumber(to: string): Promise<number> {
    const erased = await eraseNumber(this.#db, this.#dialect, this.#hasher, parseInput(ErasureSchema, { to }, 'eraseNumber').to, this.queue);
    await this.#scrubDeleted(erased > 0);
    return erased;
  }

  /**
   * SQLite: rows just deleted leave the write-ahead log too (truncateWal), as
   * docs/privacy.md promises; a truncation another process's reader blocked
   * is owed, and tried again at the next prune. PostgreSQL: nothing — the
   * server's files are its operator's (VACUUM, see docs/privacy.md).
   */
  async #scrubDeleted(deleted: boolean): Promise<void> {
    if (this.#dialect !== 'sqlite' || !(deleted || this.#walTruncationOwed)) return;
    this.#walTruncationOwed = !(await truncateWal(this.#db, this.#logger));
  }

  /** The operator's run-time settings of providers, which every process applies over its configuration. */
  async operatorOverrides(): Promise<StoredOperatorOverride[]> {
    return readOperatorOverrides(this.#db);
  }

  /**
   * Sets and drops operator settings in one transaction. On PostgreSQL every
   * process is told on the `operator` channel as it commits (and re-reads them).
   */
  async changeOperatorOverrides(change: OperatorChange): Promise<void> {
    const parsed = parseInput(OperatorChangeSchema, change, 'changeOperatorOverrides');
    const at = this.#now();
    await this.#db.transaction().execute(async (trx) => {
      await changeOperatorOverrides(trx, parsed, at);
      if (this.postgres) await notifyInTransaction(trx, channelName(this.postgres.config.schema, 'operator'), [String(at)]);
    });
  }

  /**
   * Copies every record of this ledger into `target`, an empty one (an
   * embedded store moving to PostgreSQL), in one transaction of the target.
   * Refused (CopyRefusedError, nothing written) while this ledger still has
   * messages queued or on their way, when the target is not empty, or when
   * the two hash with different keys and `newHashKey` is not set: with
   * another key, an idempotent retry of a copied message is a 409 conflict
   * rather than its old answer, and OTP hashes no longer match. Under a new
   * key it is refused while this ledger keeps keys of erased messages (they
   * are hashes under the old key: they would protect nothing).
   */
  async copyInto(target: LedgerStore, options: CopyOptions & { newHashKey?: boolean } = {}): Promise<CopiedCounts> {
    const probe = 'rota hash key probe';
    const underNewHashKey = this.#hasher.textHash(probe) !== target.#hasher.textHash(probe);
    if (underNewHashKey && !options.newHashKey) {
      throw new CopyRefusedError('the two stores hash with different keys: give the target the source\'s hash key (store.hashKey), or accept that idempotency keys of copied messages answer 409 conflict (newHashKey)');
    }
    const { newHashKey: _accepted, ...copy } = options;
    return copyLedger(this.#db, target.#db, { ...copy, underNewHashKey });
  }

  /** Resolves when the database answers a trivial query (readiness); rejects with the database's error. */
  async ping(): Promise<void> {
    await sql`select 1`.execute(this.#db);
  }

  /** Closes the database; SQLite folds its write-ahead log into the file as the last connection closes. */
  async close(): Promise<void> {
    // Calls already made are answered first: closing under them would fail them as no outage does.
    await this.#mergedRecords?.idle();
    await this.queue?.stop();
    await this.#db.destroy();
  }

  /** The lane of a call writing these records: the small one for OTPs on hold (they must not wait for their own holds), else by size. */
  #laneOf(ids: readonly string[]): Transact {
    return this.#writes.lane(this.#writes.urgent.holds(ids) ? 1 : ids.length);
  }

  #now(): number {
    return this.#clock().getTime();
  }
}

/**
 * A pass made again when PostgreSQL ended it as one of two transactions
 * waiting on each other (40P01): a cancel's waiting pass locks in id order,
 * and a dispatcher's writes most likely do too (an index scan of their ids),
 * though nothing makes them: this is the net under that. A third deadlock in
 * a row is thrown; what the passes before canceled stays canceled, and a
 * second call cancels the rest.
 */
async function retryDeadlock<T>(pass: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await pass();
    } catch (error) {
      if (attempt >= 3 || (error as { code?: unknown } | null)?.code !== '40P01') throw error;
    }
  }
}

function sum(counts: readonly number[]): number {
  return counts.reduce((total, count) => total + count, 0);
}
