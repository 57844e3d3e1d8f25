import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { derivedKey } from '../derived-key.js';

const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * An OTP's text never reaches the ledger's tables, but on PostgreSQL the
 * worker that sends it is another process, so the text rides in its queue
 * job: sealed (AES-256-GCM) under a key derived from the ledger's hash key,
 * which every process has and the database never holds. A copy of the
 * database alone reads nothing; a job altered in the database fails to open.
 */
export class OtpSeal {
  readonly #key: Buffer;

  constructor(hashKey: Buffer) {
    this.#key = derivedKey(hashKey, 'rota: OTP text in a queue job');
  }

  /** `iv.ciphertext.tag`, base64url. */
  seal(text: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    const sealed = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
    return [iv, sealed, cipher.getAuthTag()].map((part) => part.toString('base64url')).join('.');
  }

  /** The text, or undefined if the seal was not made with this key or was altered. */
  open(sealed: string): string | undefined {
    const parts = sealed.split('.');
    if (parts.length !== 3) return undefined;
    const [iv, body, tag] = parts.map((part) => Buffer.from(part, 'base64url')) as [Buffer, Buffer, Buffer];
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, iv);
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
    } catch {
      return undefined;
    }
  }
}
