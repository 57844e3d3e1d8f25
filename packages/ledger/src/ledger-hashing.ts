import { createHmac } from 'node:crypto';

/*
 * HMAC-SHA256 with the store's key, never a bare hash: an OTP text has a few
 * million possible values at most, and a bare hash of it would be reversed by
 * trying them all. Each use has its own label, so a text hash can never equal
 * a fingerprint.
 */

/** The fields that make two messages "the same message" for an idempotency key. */
export interface FingerprintFields {
  to: string;
  text: string;
  iysType: string;
  recipientType: string;
  sender?: string | undefined;
  otp: boolean;
  sendAt?: Date | undefined;
  validUntil?: Date | undefined;
  reference?: string | undefined;
}

export class LedgerHasher {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    this.#key = key;
  }

  textHash(text: string): string {
    return this.#hmac('rota.text.v1', text);
  }

  /**
   * A JSON array in a fixed order, absent fields as null: one serialisation
   * per message, none shared by two different messages (JSON strings cannot
   * run into each other). The version in the label changes if the fields do.
   */
  messageFingerprint(fields: FingerprintFields): string {
    return this.fingerprintsFor(fields)(fields.to);
  }

  /** messageFingerprint for one content sent to many numbers: the content is serialised once, not once per recipient. */
  fingerprintsFor(content: Omit<FingerprintFields, 'to'>): (to: string) => string {
    // '[<to>,' + the rest of the array: what JSON.stringify gives for the whole array.
    const rest = JSON.stringify(fingerprintArray({ ...content, to: '' }).slice(1)).slice(1);
    return (to) => this.#hmac('rota.message.v1', `[${JSON.stringify(to)},${rest}`);
  }

  /** An erased record's idempotency key, kept instead of the key (see ErasedKeysTable). */
  erasedKey(key: string): string {
    return this.#hmac('rota.erased-key.v1', key);
  }

  /** A bulk: its template, and every recipient in order (a different list is a different bulk). */
  bulkFingerprint(template: Omit<FingerprintFields, 'to'>, recipients: readonly string[]): string {
    return this.#hmac('rota.bulk.v1', JSON.stringify([fingerprintArray({ ...template, to: '' }), recipients]));
  }

  #hmac(label: string, value: string): string {
    return createHmac('sha256', this.#key).update(label).update('\0').update(value).digest('base64url');
  }
}

function fingerprintArray(fields: FingerprintFields): unknown[] {
  return [
    fields.to,
    fields.text,
    fields.iysType,
    fields.recipientType,
    fields.sender ?? null,
    fields.otp,
    fields.sendAt?.getTime() ?? null,
    fields.validUntil?.getTime() ?? null,
    fields.reference ?? null,
  ];
}
