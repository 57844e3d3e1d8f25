import { createCipheriv, createDecipheriv, createHash } from 'node:crypto';
import { derivedKey } from './derived-key.js';

/**
 * The plain block: the record's `seq` (8 bytes), then 8 bytes of the hash of whose list it is,
 * which a cursor not made here, or made for another client's list, fails to decrypt to.
 */
const BLOCK_BYTES = 16;
const SEQ_BYTES = 8;

/** The check bytes of whose list a cursor is (an owner, or '' for every client's): it goes on that list only. */
function scopeTag(scope: string): Buffer {
  return createHash('sha256').update(scope, 'utf8').digest().subarray(0, BLOCK_BYTES - SEQ_BYTES);
}

/**
 * The list's cursor: the last listed record's `seq`, encrypted. `seq` counts
 * every record of every client, so a cursor in clear (it was base64url of
 * the number) let any API key measure the others' traffic between two of its
 * own pages. One AES-256 block under a key derived from the ledger's hash key
 * (every gateway of one database has it): the cursor says nothing, and a
 * cursor altered or made up decrypts to a block whose check bytes are not
 * its list's, and is refused — as is one given out for another client's list
 * (or the admin's list of every client): it would page through a list it was
 * not made for, and say nothing of it (an empty page reads as "no more").
 * Filters may change from page to page: a cursor is a place in the list.
 */
export class ListCursors {
  readonly #key: Buffer;

  constructor(hashKey: Buffer) {
    this.#key = derivedKey(hashKey, 'rota: list cursor');
  }

  /** `scope`: whose list (an owner, or '' for every client's). */
  seal(seq: number, scope: string): string {
    const block = Buffer.alloc(BLOCK_BYTES);
    block.writeBigUInt64BE(BigInt(seq));
    scopeTag(scope).copy(block, SEQ_BYTES);
    const cipher = createCipheriv('aes-256-ecb', this.#key, null).setAutoPadding(false);
    return Buffer.concat([cipher.update(block), cipher.final()]).toString('base64url');
  }

  /** The `seq` a cursor this ledger gave out for this scope's list stands for, or undefined. */
  open(cursor: string, scope: string): number | undefined {
    const sealed = Buffer.from(cursor, 'base64url');
    // base64url decoding skips characters it does not know: the cursor must be exactly what seal() gave out.
    if (sealed.length !== BLOCK_BYTES || sealed.toString('base64url') !== cursor) return undefined;
    const decipher = createDecipheriv('aes-256-ecb', this.#key, null).setAutoPadding(false);
    const block = Buffer.concat([decipher.update(sealed), decipher.final()]);
    if (!block.subarray(SEQ_BYTES).equals(scopeTag(scope))) return undefined;
    const seq = block.readBigUInt64BE();
    return seq > 0n && seq <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(seq) : undefined;
  }
}
