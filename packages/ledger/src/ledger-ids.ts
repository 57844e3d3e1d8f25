import { randomBytes, randomFillSync } from 'node:crypto';

/*
 * Record ids are 128 random bits (22 base64url characters) behind a prefix
 * that says what they name. Random, never derived from a provider's id or a
 * counter: an id a client holds tells nothing about other clients' records and
 * cannot be guessed from its neighbours.
 */

const ID_BYTES = 16;

/** What an id made here looks like: the prefix, then 22 base64url characters. */
export const ID_PATTERN = /^(msg|blk)_[A-Za-z0-9_-]{22}$/;

/*
 * Single ids are cut from a pool of random bytes drawn 256 ids at a time, as
 * Node's randomUUID does: a draw of 16 bytes each cost ~6 µs of CPU, a
 * message and its webhook event each take one, and the gateway's whole
 * accept path costs a few times that. The bytes are used once each.
 */
const pool = Buffer.allocUnsafe(ID_BYTES * 256);
let used = pool.length;

/** `prefix`_ then 128 bits from the pool. */
export function randomId(prefix: 'msg' | 'blk' | 'evt' | 'rpt'): string {
  if (used === pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  const id = `${prefix}_${pool.toString('base64url', used, used + ID_BYTES)}`;
  used += ID_BYTES;
  return id;
}

export function newMessageId(): string {
  return randomId('msg');
}

/** Whether `id` names a bulk (a key of the OTP texts held in memory is a bulk's id or a record's). */
export function isBulkId(id: string): boolean {
  return id.startsWith('blk_');
}

export function newBulkId(): string {
  return randomId('blk');
}

/** `count` message ids from one draw of random bytes: a bulk needs 100,000 of them, and one draw each costs ten times more. */
export function newMessageIds(count: number): string[] {
  const bytes = randomBytes(ID_BYTES * count);
  const ids = new Array<string>(count);
  for (let i = 0; i < count; i++) ids[i] = `msg_${bytes.toString('base64url', i * ID_BYTES, (i + 1) * ID_BYTES)}`;
  return ids;
}
