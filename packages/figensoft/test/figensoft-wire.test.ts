import fc from 'fast-check';
import { z } from 'zod';
import { isSendResultEntry, readSendResponse, SendResponseSchema, SendResultEntrySchema } from '../src/figensoft-wire.js';

const field = fc.oneof(fc.string(), fc.integer(), fc.double(), fc.constant(null), fc.constant(undefined), fc.boolean());

describe('isSendResultEntry', () => {
  it('accepts exactly what SendResultEntrySchema accepts (the guard is its fast twin for 800-entry answers)', () => {
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

describe('SendResponseSchema', () => {
  // The list guard stands in for z.array(SendResultEntrySchema): it must accept and refuse the same answers.
  const reference = z.object({ StatusCode: z.number(), Result: z.array(SendResultEntrySchema).nullish() });
  const good = fc.record({ MessageId: fc.string(), Receiver: fc.string(), Charge: fc.integer() });
  const any = fc.oneof(good, fc.record({ MessageId: field, Receiver: field, Charge: field }, { requiredKeys: [] }), fc.anything());

  it('accepts a Result list exactly when every entry is a receipt', () => {
    const result = fc.oneof(fc.array(good), fc.array(fc.oneof({ weight: 9, arbitrary: good }, { weight: 1, arbitrary: any })), fc.constant(null), fc.constant(undefined), fc.anything());
    fc.assert(
      fc.property(result, (Result) => {
        expect(SendResponseSchema.safeParse({ StatusCode: 200, Result }).success).toBe(reference.safeParse({ StatusCode: 200, Result }).success);
      }),
      { numRuns: 3_000, seed: 11 },
    );
  });

  it('hands back the entries as they came, in order', () => {
    const Result = [{ MessageId: 'a', Receiver: '905321234567', Charge: 1 }, { MessageId: 'b', Receiver: '905321234568', Charge: 2, Extra: true }];
    expect(SendResponseSchema.parse({ StatusCode: 200, Result }).Result).toEqual(Result);
  });
});

describe('readSendResponse', () => {
  // Its plain path must read every answer exactly as SendResponseSchema does: same verdict, same value, same keys.
  const receipt = fc.record({ MessageId: fc.string(), Receiver: fc.string(), Charge: fc.integer() });
  const answer = fc.record(
    {
      StatusCode: fc.oneof(fc.constantFrom(200, 500, 1060, -1), fc.double(), fc.string(), fc.constant(null)),
      StatusDescription: fc.oneof(fc.string(), fc.constant(null), fc.constant(undefined), fc.integer()),
      Result: fc.oneof(fc.array(receipt, { maxLength: 3 }), fc.constant(null), fc.constant(undefined), fc.array(fc.anything(), { maxLength: 2 }), fc.string()),
      Extra: fc.anything(),
    },
    { requiredKeys: [] },
  );
  const input = fc.oneof({ weight: 8, arbitrary: answer }, { weight: 1, arbitrary: answer.map((a) => Object.assign(Object.create({ StatusCode: 200 }), a)) }, { weight: 1, arbitrary: fc.anything() });

  it('reads an answer exactly as SendResponseSchema does', () => {
    fc.assert(
      fc.property(input, (json) => {
        const reference = SendResponseSchema.safeParse(json);
        const mine = readSendResponse(json);
        expect(mine !== undefined).toBe(reference.success);
        if (reference.success) {
          expect(mine).toEqual(reference.data);
          expect(Object.keys(mine!)).toEqual(Object.keys(reference.data));
        }
      }),
      { numRuns: 5_000, seed: 12 },
    );
  });
});
