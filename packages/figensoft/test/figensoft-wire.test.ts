import fc from 'fast-check';
import { isSendResultEntry, SendResultEntrySchema } from '../src/figensoft-wire.js';

describe('isSendResultEntry', () => {
  it('accepts exactly what SendResultEntrySchema accepts (the guard is its fast twin for 800-entry answers)', () => {
    const field = fc.oneof(fc.string(), fc.integer(), fc.double(), fc.constant(null), fc.constant(undefined), fc.boolean());
    const entry = fc.oneof(
      fc.record({ MessageId: field, Receiver: field, Charge: field }, { requiredKeys: [] }),
      fc.record({ MessageId: fc.string(), Receiver: fc.string(), Charge: fc.constantFrom(Number.NaN, Infinity, -Infinity, 1) }),
      fc.record({ MessageId: fc.string(), Receiver: fc.string(), Charge: fc.integer() }),
      fc.anything(),
    );
    fc.assert(
      fc.property(entry, (value) => {
        expect(isSendResultEntry(value)).toBe(SendResultEntrySchema.safeParse(value).success);
      }),
      { numRuns: 3_000, seed: 9 },
    );
  });
});
