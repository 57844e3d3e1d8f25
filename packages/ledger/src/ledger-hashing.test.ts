import { createHash } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { LedgerHasher, type FingerprintFields } from './ledger-hashing.js';

const hasher = new LedgerHasher(Buffer.alloc(32, 1));

const base: FingerprintFields = {
  to: '+905321234567',
  text: 'Kodunuz 123456',
  iysType: 'NOTIFICATION',
  recipientType: 'BIREYSEL',
  sender: 'ROTA',
  otp: true,
  sendAt: new Date('2025-03-01T10:00:00Z'),
  validUntil: new Date('2025-03-01T11:00:00Z'),
  reference: 'order-1',
};

describe('message fingerprint', () => {
  it('is the same for the same fields, whatever object carries them', () => {
    expect(hasher.messageFingerprint({ ...base })).toBe(hasher.messageFingerprint(base));
    expect(hasher.messageFingerprint({ ...base, sendAt: new Date(base.sendAt!.getTime()) })).toBe(hasher.messageFingerprint(base));
  });

  it.each<[string, Partial<FingerprintFields>]>([
    ['to', { to: '+905321234568' }],
    ['text', { text: 'Kodunuz 123457' }],
    ['iysType', { iysType: 'CAMPAIGN' }],
    ['recipientType', { recipientType: 'TACIR' }],
    ['sender', { sender: undefined }],
    ['otp', { otp: false }],
    ['sendAt', { sendAt: new Date('2025-03-01T10:00:01Z') }],
    ['validUntil', { validUntil: undefined }],
    ['reference', { reference: 'order-2' }],
  ])('changes when %s changes', (_, change) => {
    expect(hasher.messageFingerprint({ ...base, ...change })).not.toBe(hasher.messageFingerprint(base));
  });

  it('cannot be made equal by moving characters between fields', () => {
    const a = hasher.messageFingerprint({ ...base, text: 'a","b', reference: 'c' });
    const b = hasher.messageFingerprint({ ...base, text: 'a', reference: 'b","c' });
    expect(a).not.toBe(b);
  });

  it('is the same through fingerprintsFor, the bulk path', () => {
    const { to, ...content } = base;
    expect(hasher.fingerprintsFor(content)(to)).toBe(hasher.messageFingerprint(base));
    expect(hasher.fingerprintsFor({ ...content, sender: undefined, reference: undefined })(to)).toBe(
      hasher.messageFingerprint({ ...base, sender: undefined, reference: undefined }),
    );
  });

  it('depends on the key', () => {
    expect(new LedgerHasher(Buffer.alloc(32, 2)).messageFingerprint(base)).not.toBe(hasher.messageFingerprint(base));
  });
});

describe('text hash', () => {
  it('is keyed: not a plain SHA-256 of the text, different under another key, different from the fingerprint', () => {
    const hash = hasher.textHash(base.text);
    expect(hash).toBe(hasher.textHash(base.text));
    expect(hash).not.toBe(createHash('sha256').update(base.text).digest('base64url'));
    expect(new LedgerHasher(Buffer.alloc(32, 2)).textHash(base.text)).not.toBe(hash);
    expect(Buffer.from(hash, 'base64url')).toHaveLength(32);
  });
});
