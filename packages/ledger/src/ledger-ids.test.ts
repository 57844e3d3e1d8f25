import { describe, expect, it } from '@jest/globals';
import { ID_PATTERN, newBulkId, newMessageId, newMessageIds } from './ledger-ids.js';
import { newEventId } from './store/message-events.js';

const randomPart = (id: string) => Buffer.from(id.slice(4), 'base64url');

describe('record ids', () => {
  it.each([
    ['newMessageId', 'msg_', () => Array.from({ length: 10_000 }, newMessageId)],
    ['newMessageIds', 'msg_', () => newMessageIds(10_000)],
    ['newBulkId', 'blk_', () => Array.from({ length: 10_000 }, newBulkId)],
    // Cut from the same pool as message ids, across its refills: no bytes used twice.
    ['newMessageId and newEventId in turn', '', () => Array.from({ length: 10_000 }, (_, i) => (i % 2 === 0 ? newMessageId() : newEventId()))],
  ])('%s: 10,000 ids are distinct, carry 128 random bits and have the documented form', (_, prefix, make) => {
    const ids = make();
    // Distinct in their random part, not only with their prefix: no bytes are used twice.
    expect(new Set(ids.map((id) => id.slice(4))).size).toBe(10_000);
    for (const id of ids) {
      expect(id).toMatch(prefix === '' ? /^(msg|evt)_[A-Za-z0-9_-]{22}$/ : ID_PATTERN);
      expect(id.startsWith(prefix)).toBe(true);
      expect(randomPart(id)).toHaveLength(16);
    }
    // Every bit position takes both values somewhere: the bytes are random, not a counter or a constant.
    const orAll = Buffer.alloc(16);
    const andAll = Buffer.alloc(16, 0xff);
    for (const id of ids) {
      const bytes = randomPart(id);
      for (let i = 0; i < 16; i++) {
        orAll[i]! |= bytes[i]!;
        andAll[i]! &= bytes[i]!;
      }
    }
    expect(orAll.equals(Buffer.alloc(16, 0xff))).toBe(true);
    expect(andAll.equals(Buffer.alloc(16))).toBe(true);
  });
});
