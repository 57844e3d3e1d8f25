/*
 * The webhook sender sends at most a few events at once to one receiver host
 * (scheme, host and port). Its claims came oldest first whatever the host, so
 * a hanging receiver's backlog, once claimed, stood between the sender and
 * every other client's events. `receiver_host` lets a claim pass over the
 * hosts already at their cap. Written for every row here, once, from its URL;
 * new rows carry it from their enqueue.
 */

import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('webhook_outbox')
    .addColumn('receiver_host', 'text', (column) => column.notNull().defaultTo(''))
    .execute();
  const urls: { url: string }[] = await db.selectFrom('webhook_outbox').select('url').distinct().execute();
  for (const { url } of urls) {
    // As the sender computes it when the row is written (see receiverHost); a released migration keeps its own copy.
    const host = URL.canParse(url) ? new URL(url).origin : url;
    await db.updateTable('webhook_outbox').set({ receiver_host: host }).where('url', '=', url).execute();
  }
}
