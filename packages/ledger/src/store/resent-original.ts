import type { Kysely } from 'kysely';
import type { LedgerDatabase, NewMessageRow } from '../database.js';
import { lockNumber, type SqlDialect } from '../sql-dialect.js';

/**
 * Whether the record a resend's copy is made of (`copy.resend_of`) is still
 * there, asked in the transaction that inserts the copy, under the number's
 * lock (lockNumber): an erasure of the number then runs wholly before (the
 * original is gone, no copy is made) or wholly after (it deletes the copy
 * too). Without it, an erasure between the resend's read of the original and
 * its insert left a copy to the erased number, and sent it.
 */
export async function originalIsThere(trx: Kysely<LedgerDatabase>, dialect: SqlDialect, copy: Pick<NewMessageRow, 'to_number' | 'resend_of'>): Promise<boolean> {
  if (!copy.resend_of) throw new Error('a resend copies a record: resendOf names it');
  await lockNumber(trx, copy.to_number, dialect);
  const original = await trx.selectFrom('messages').select('id').where('id', '=', copy.resend_of).where('to_number', '=', copy.to_number).executeTakeFirst();
  return original !== undefined;
}
