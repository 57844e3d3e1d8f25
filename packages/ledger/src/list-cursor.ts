import { createCipheriv, createDecipheriv } from 'node:crypto';
import { derivedKey } from './derived-key.js';

/** The plain block: the record's `seq` (8 bytes), then 8 zero bytes that a cursor not made here fails to decrypt to. */
const BLOCK_BYTES = 16;
const SEQ_BYTES = 8;

/**
 * The list's cursor: the last listed record's `seq`, encrypted. `seq` counts
 * every record of every client, so a cursor in clear (it was base64url of
 * the number) let any API key measure the others' traffic between two of its
 * own pages. One AES-256 block under a key derived from the ledger's hash key
 * (every gateway of one database has it): the cursor says nothing, and a
 * cursor altered or made up decrypts to a block whose check bytes are not
 * zero, and is refused.
 */
export class ListCursors {
  readonly #key: Buffer;

  constructor(hashKey: Buffer) {
    this.#key = derivedKey(hashKey, 'rota: list cursor');
  }

  seal(seq: number): string {
    const block = Buffer.alloc(BLOCK_BYTES);
    block.writeBigUInt64BE(BigInt(seq));
    const cipher = createCipheriv('aes-256-ecb', this.#key, null).setAutoPadding(false);
    return Buffer.concat([cipher.update(block), cipher.final()]).toString('base64url');
  }

  /** The `seq` a cursor of this ledger stands for, or undefined. */
  open(cursor: string): number | undefined {
    const sealed = Buffer.from(cursor, 'base64url');
    // base64url decoding skips characters it does not know: the cursor must be exactly what seal() gave out.
    if (sealed.length !== BLOCK_BYTES || sealed.toString('base64url') !== cursor) return undefined;
    const decipher = createDecipheriv('aes-256-ecb', this.#key, null).setAutoPadding(false);
    const block = Buffer.concat([decipher.update(sealed), decipher.final()]);
    if (!block.subarray(SEQ_BYTES).every((byte) => byte === 0)) return undefined;
    const seq = block.readBigUInt64BE();
    return seq > 0n && seq <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(seq) : undefined;
  }
}
