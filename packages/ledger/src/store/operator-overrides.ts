import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { LedgerDatabase } from '../database.js';

/*
 * The operator's run-time settings of providers, kept where every process on
 * the database reads them: a provider's rank and switch, an account's forced
 * breaker. A gateway writes them (the admin API); every process applies them
 * when told (PostgreSQL NOTIFY, in the writing transaction) and at start.
 */

/** One setting. `accountId` only for a breaker (a provider's rank and switch have none). */
export const OperatorOverrideSchema = z.discriminatedUnion('setting', [
  z.strictObject({ providerId: z.string().min(1), setting: z.literal('rank'), value: z.number().int().min(0) }),
  z.strictObject({ providerId: z.string().min(1), setting: z.literal('enabled'), value: z.boolean() }),
  z.strictObject({ providerId: z.string().min(1), accountId: z.string().min(1), setting: z.literal('breaker'), value: z.enum(['open', 'closed']) }),
]);
export type OperatorOverride = z.output<typeof OperatorOverrideSchema>;

/** A setting as read back: who set it, and when. */
export type StoredOperatorOverride = OperatorOverride & { changedBy?: string; changedAt: Date };

/** What an operator's change does to the stored settings: set some, and drop some (back to the configuration's value). */
export const OperatorChangeSchema = z.strictObject({
  set: z.array(OperatorOverrideSchema).default([]),
  /** A provider's settings to drop: `rank`/`enabled`, or `breaker` of one account (of all its accounts when `accountId` is left out). */
  clear: z.array(z.strictObject({ providerId: z.string().min(1), setting: z.enum(['rank', 'enabled', 'breaker']), accountId: z.string().min(1).optional() })).default([]),
  /** Who changed it (the API client's name), for the record. */
  by: z.string().min(1).optional(),
});
export type OperatorChange = z.input<typeof OperatorChangeSchema>;

export async function changeOperatorOverrides(trx: Kysely<LedgerDatabase>, change: z.output<typeof OperatorChangeSchema>, at: number): Promise<void> {
  for (const drop of change.clear) {
    let query = trx.deleteFrom('operator_overrides').where('provider_id', '=', drop.providerId).where('setting', '=', drop.setting);
    if (drop.accountId !== undefined) query = query.where('account_id', '=', drop.accountId);
    await query.execute();
  }
  for (const override of change.set) {
    const row = {
      provider_id: override.providerId,
      account_id: override.setting === 'breaker' ? override.accountId : '',
      setting: override.setting,
      value: JSON.stringify(override.value),
      changed_by: change.by ?? null,
      changed_at: at,
    };
    await trx
      .insertInto('operator_overrides')
      .values(row)
      .onConflict((conflict) => conflict.columns(['provider_id', 'account_id', 'setting']).doUpdateSet({ value: row.value, changed_by: row.changed_by, changed_at: row.changed_at }))
      .execute();
  }
}

export async function readOperatorOverrides(db: Kysely<LedgerDatabase>): Promise<StoredOperatorOverride[]> {
  const rows = await db.selectFrom('operator_overrides').selectAll().orderBy('provider_id').orderBy('setting').orderBy('account_id').execute();
  return rows.flatMap((row) => {
    const parsed = OperatorOverrideSchema.safeParse({
      providerId: row.provider_id,
      setting: row.setting,
      value: JSON.parse(row.value) as unknown,
      ...(row.setting === 'breaker' ? { accountId: row.account_id } : {}),
    });
    // A row this version cannot read (written by a newer one) is left alone rather than applied half-understood.
    if (!parsed.success) return [];
    return [{ ...parsed.data, ...(row.changed_by === null ? {} : { changedBy: row.changed_by }), changedAt: new Date(Number(row.changed_at)) }];
  });
}
