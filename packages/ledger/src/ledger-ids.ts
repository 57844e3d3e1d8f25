import { randomBytes } from 'node:crypto';

/*
 * Record ids are 128 random bits (22 base64url characters) behind a prefix
 * that says what they name. Random, never derived from a provider's id or a
 * counter: an id a client holds tells nothing about other clients' records and
 * cannot be guessed from its neighbours.
 */

const ID_BYTES = 16;

/** What an id made here looks like: the prefix, then 22 base64url characters. */
export const ID_PATTERN = /^(msg|blk)_[A-Za-z0-9_-]{22}$/;

export function newMessageId(): string {
  return `msg_${randomBytes(ID_BYTES).toString('base64url')}`;
}

export function newBulkId(): string {
  return `blk_${randomBytes(ID_BYTES).toString('base64url')}`;
}

/** `count` message ids from one draw of random bytes: a bulk needs 100,000 of them, and one draw each costs ten times more. */
export function newMessageIds(count: number): string[] {
  const bytes = randomBytes(ID_BYTES * count);
  const ids = new Array<string>(count);
  for (let i = 0; i < count; i++) ids[i] = `msg_${bytes.toString('base64url', i * ID_BYTES, (i + 1) * ID_BYTES)}`;
  return ids;
}
