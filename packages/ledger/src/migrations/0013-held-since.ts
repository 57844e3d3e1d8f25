import { sql, type Kysely } from 'kysely';

/*
 * A queued message no route is open to is held, not failed (see
 * store/hold-unrouted). `held_since` is when its first hold began: the hold
 * and its retry interval count from then — counted from when the message came
 * due, a backlog older than the hold had none, and one breaker blip failed
 * everything it reached. Held records move their `due_at` to their next try,
 * so the queue's oldest age and a held count read this column instead, through
 * a partial index of the held records only.
 */

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('messages').addColumn('held_since', 'bigint').execute();
  await db.schema
    .createIndex('messages_held_since')
    .on('messages')
    .column('held_since')
    .where(sql<boolean>`state = 'queued' and held_since is not null`)
    .execute();
}
