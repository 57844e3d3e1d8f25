import type { DeliveryReport } from '@rota/provider';
import type { Kysely } from 'kysely';
import type { LedgerDatabase } from '../database.js';
import { randomId } from '../ledger-ids.js';
import { lockForClaim, lockHeldReports, MAX_BOUND_PARAMETERS, type SqlDialect } from '../sql-dialect.js';
import { chunksOf } from './insert-chunks.js';
import type { Transact } from './transact.js';

/*
 * Pushed reports that named no message yet, kept in the store for their
 * rematches (migration 0012), so that a process restarted meanwhile does not
 * lose them: any process that takes pushes claims the due ones, as the
 * collector claims due status reads.
 */

/** A held report, claimed for a rematch. */
export interface HeldReport {
  id: string;
  providerId: string;
  report: DeliveryReport;
  /** Rematches it has had before this one. */
  rematches: number;
}

/** What a held report keeps besides its message's id (which may carry the number: an erasure of it drops the report): what it says. */
type KeptReport = Pick<DeliveryReport, 'state' | 'reason' | 'final' | 'providerCode'> & { at?: number };

/**
 * Holds the reports unless the provider's held ones would then number more
 * than `maxHeld`: whether they were held. Counted and added in one
 * transaction, one provider's at a time (lockHeldReports).
 */
export async function holdReports(
  transact: Transact,
  dialect: SqlDialect,
  providerId: string,
  reports: readonly DeliveryReport[],
  now: number,
  dueAt: number,
  maxHeld: number,
): Promise<boolean> {
  return transact(async (trx) => {
    await lockHeldReports(trx, providerId, dialect);
    if ((await countHeldReports(trx, providerId)) + reports.length > maxHeld) return false;
    await insertHeld(trx, providerId, reports, now, dueAt);
    return true;
  });
}

async function insertHeld(db: Kysely<LedgerDatabase>, providerId: string, reports: readonly DeliveryReport[], now: number, dueAt: number): Promise<void> {
  const rows = reports.map((report) => ({
    id: randomId('rpt'),
    provider_id: providerId,
    provider_message_id: report.providerMessageId,
    report: JSON.stringify(keptOf(report)),
    received_at: now,
    due_at: dueAt,
    rematches: 0,
  }));
  for (const chunk of chunksOf(rows, Math.floor(MAX_BOUND_PARAMETERS / 8))) await db.insertInto('held_reports').values(chunk).execute();
}

/** Held reports due now, each leased for `leaseMs` to this caller (another process's claim skips them meanwhile). */
export async function claimHeldReports(transact: Transact, dialect: SqlDialect, now: number, limit: number, leaseMs: number): Promise<HeldReport[]> {
  return transact(async (trx) => {
    const pick = trx.selectFrom('held_reports').selectAll().where('due_at', '<=', now).orderBy('due_at').limit(limit);
    const rows = await lockForClaim(pick, dialect).execute();
    for (const chunk of chunksOf(rows.map((row) => row.id), MAX_BOUND_PARAMETERS - 8)) {
      await trx.updateTable('held_reports').set({ due_at: now + leaseMs }).where('id', 'in', chunk).execute();
    }
    return rows.map((row) => ({ id: row.id, providerId: row.provider_id, report: reportOf(row.provider_message_id, row.report), rematches: row.rematches }));
  });
}

/** Matched again at `dueAt`, one rematch more. */
export async function rematchHeldLater(db: Kysely<LedgerDatabase>, ids: readonly string[], dueAt: number): Promise<void> {
  for (const chunk of chunksOf(ids, MAX_BOUND_PARAMETERS - 8)) {
    await db.updateTable('held_reports').set((eb) => ({ due_at: dueAt, rematches: eb('rematches', '+', 1) })).where('id', 'in', chunk).execute();
  }
}

/** Held reports done with: matched, or past their last rematch. */
export async function dropHeldReports(db: Kysely<LedgerDatabase>, ids: readonly string[]): Promise<void> {
  for (const chunk of chunksOf(ids, MAX_BOUND_PARAMETERS - 8)) await db.deleteFrom('held_reports').where('id', 'in', chunk).execute();
}

/** Reports held, of one provider or of all. */
export async function countHeldReports(db: Kysely<LedgerDatabase>, providerId?: string): Promise<number> {
  let query = db.selectFrom('held_reports').select(({ fn }) => fn.countAll<number>().as('count'));
  if (providerId !== undefined) query = query.where('provider_id', '=', providerId);
  const row = await query.executeTakeFirstOrThrow();
  return Number(row.count);
}

function keptOf(report: DeliveryReport): KeptReport {
  const kept: KeptReport = { state: report.state, final: report.final };
  if (report.reason !== undefined) kept.reason = report.reason;
  if (report.providerCode !== undefined) kept.providerCode = report.providerCode;
  if (report.at !== undefined) kept.at = report.at.getTime();
  return kept;
}

function reportOf(providerMessageId: string, json: string): DeliveryReport {
  const { at, ...kept } = JSON.parse(json) as KeptReport;
  return { providerMessageId, ...kept, ...(at === undefined ? {} : { at: new Date(at) }) };
}
