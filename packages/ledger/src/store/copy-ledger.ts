import { sql, type Kysely } from 'kysely';
import type { LedgerDatabase } from '../database.js';
import { chunksOf } from './insert-chunks.js';

/*
 * Copies every record of one ledger into another, empty one: how an embedded
 * (SQLite) store moves to PostgreSQL. Records keep their ids, owners,
 * idempotency keys, fingerprints, states, attempts, delivery reports and
 * timelines; webhooks not yet delivered are delivered from the new store;
 * the keys of erased records stay refused.
 * Sequence numbers are the target's own (given in the source's order), so a
 * list cursor from before the move is not valid after it.
 */

/** Why a copy was refused before anything was written. */
export class CopyRefusedError extends Error {
  override readonly name = 'CopyRefusedError';
}

export type CopiedCounts = Record<'bulks' | 'messages' | 'message_events' | 'webhook_outbox' | 'webhook_endpoints' | 'operator_overrides' | 'erased_keys' | 'held_reports', number>;

export interface CopyOptions {
  /** Rows per insert statement (default 500: PostgreSQL takes at most 65,535 parameters a statement). */
  chunk?: number;
  /** Told after every chunk. */
  onProgress?: (table: keyof CopiedCounts, copied: number) => void;
}

/** `underNewHashKey`: the target hashes with another key than the source (see LedgerStore.copyInto). */
export async function copyLedger(source: Kysely<LedgerDatabase>, target: Kysely<LedgerDatabase>, options: CopyOptions & { underNewHashKey?: boolean } = {}): Promise<CopiedCounts> {
  const chunk = options.chunk ?? 500;
  if (options.underNewHashKey) {
    // The keys of erased messages are kept only as HMACs under the source's key: under another they match nothing, and a retry would send an erased message again.
    const erased = await count(source, 'erased_keys');
    if (erased > 0) {
      throw new CopyRefusedError(
        `the source holds ${erased} idempotency key(s) of erased messages, kept as hashes under its hash key, which a new key cannot carry: a retry under one would send an erased message again. Copy with the source's hash key, or after they expire (retention.idempotencyHours after those messages were created)`,
      );
    }
  }
  const unsent = await count(source, 'messages', sql<boolean>`state in ('queued', 'dispatching')`);
  if (unsent > 0) {
    throw new CopyRefusedError(
      `the source still has ${unsent} message(s) queued or on their way: stop sending to it, let its queue drain (no queued or dispatching messages left; one scheduled for later does not drain by itself: cancel it), then copy`,
    );
  }
  const present = (await count(target, 'messages')) + (await count(target, 'bulks'));
  if (present > 0) throw new CopyRefusedError(`the target already holds ${present} record(s): copy only into an empty ledger (a new schema)`);

  const copied: CopiedCounts = { bulks: 0, messages: 0, message_events: 0, webhook_outbox: 0, webhook_endpoints: 0, operator_overrides: 0, erased_keys: 0, held_reports: 0 };
  const tell = (table: keyof CopiedCounts, rows: number) => {
    copied[table] += rows;
    options.onProgress?.(table, copied[table]);
  };
  // One transaction: the target has all of it or none of it.
  await target.transaction().execute(async (trx) => {
    for (let after = ''; ; ) {
      const rows = await source.selectFrom('bulks').selectAll().where('id', '>', after).orderBy('id').limit(chunk).execute();
      if (rows.length === 0) break;
      await trx.insertInto('bulks').values(rows).execute();
      after = rows.at(-1)!.id;
      tell('bulks', rows.length);
    }
    // In the source's order, so the target's sequence keeps it (lists run newest first by it).
    for (let after = 0; ; ) {
      const rows = await source.selectFrom('messages').selectAll().where('seq', '>', after).orderBy('seq').limit(chunk).execute();
      if (rows.length === 0) break;
      await trx
        .insertInto('messages')
        .values(rows.map(({ seq: _seq, ...row }) => row))
        .execute();
      after = rows.at(-1)!.seq;
      tell('messages', rows.length);
    }
    for (let after = 0; ; ) {
      const rows = await source.selectFrom('message_events').selectAll().where('seq', '>', after).orderBy('seq').limit(chunk).execute();
      if (rows.length === 0) break;
      await trx
        .insertInto('message_events')
        .values(rows.map(({ seq: _seq, ...row }) => row))
        .execute();
      after = rows.at(-1)!.seq;
      tell('message_events', rows.length);
    }
    for (let after = ''; ; ) {
      const rows = await source.selectFrom('webhook_outbox').selectAll().where('id', '>', after).orderBy('id').limit(chunk).execute();
      if (rows.length === 0) break;
      await trx.insertInto('webhook_outbox').values(rows).execute();
      after = rows.at(-1)!.id;
      tell('webhook_outbox', rows.length);
    }
    const endpoints = await source.selectFrom('webhook_endpoints').selectAll().execute();
    if (endpoints.length > 0) await trx.insertInto('webhook_endpoints').values(endpoints).execute();
    tell('webhook_endpoints', endpoints.length);
    const overrides = await source.selectFrom('operator_overrides').selectAll().execute();
    if (overrides.length > 0) await trx.insertInto('operator_overrides').values(overrides).execute();
    tell('operator_overrides', overrides.length);
    // Few (erasures are rare, and each key goes when its retention ends): read at once, written in chunks.
    const erasedKeys = await source.selectFrom('erased_keys').selectAll().execute();
    for (const rows of chunksOf(erasedKeys, chunk)) await trx.insertInto('erased_keys').values(rows).execute();
    tell('erased_keys', erasedKeys.length);
    // Pushed reports waiting for their messages (a few minutes' worth at most): the new store matches them again.
    const held = await source.selectFrom('held_reports').selectAll().execute();
    for (const rows of chunksOf(held, chunk)) await trx.insertInto('held_reports').values(rows).execute();
    tell('held_reports', held.length);
  });
  return copied;
}

async function count(db: Kysely<LedgerDatabase>, table: 'messages' | 'bulks' | 'erased_keys', where = sql<boolean>`true`): Promise<number> {
  const row = await db.selectFrom(table).select(sql<number>`count(*)`.as('n')).where(where).executeTakeFirst();
  return Number(row?.n ?? 0);
}
