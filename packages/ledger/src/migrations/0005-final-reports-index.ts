import { sql, type Kysely } from 'kysely';

/*
 * The operations console shows each provider account's delivery rate: of the
 * final delivery reports of the last hour, the share that said delivered. The
 * count reads only final reports by their time, so the index holds only
 * those (a partial index): a message gets its entry once, when its report
 * becomes final, and the many messages still waiting for one cost nothing.
 */

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex('messages_final_delivery_at')
    .on('messages')
    .columns(['delivery_at', 'provider_id', 'account_id', 'delivery_state'])
    .where(sql<boolean>`delivery_final = 1`)
    .execute();
}
