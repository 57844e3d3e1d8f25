import { hkdfSync } from 'node:crypto';

/**
 * A 256-bit key for one purpose, derived (HKDF-SHA-256) from the ledger's hash
 * key: every process of one database has the hash key, the database never
 * does, and a key of one purpose opens nothing of another's.
 */
export function derivedKey(hashKey: Buffer, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', hashKey, Buffer.alloc(0), purpose, 32));
}
