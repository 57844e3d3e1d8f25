import { z } from 'zod';
import { issueReason, plainReason, toldIssues } from './plain-reason.js';

// Found by a probe: zod's own words reached users where a schema gave none ("gateway: Invalid input: expected object,
// received undefined", "connections: Too small: expected number to be >=1").
const reasonOf = (schema: z.ZodType, value: unknown) => plainReason(schema.safeParse(value).error!.issues[0]!.message);

it.each([
  [z.object({ a: z.object({}) }), {}, 'is required (an object)'],
  [z.object({ a: z.string() }), { a: 1 }, 'must be a string, not a number'],
  [z.string(), null, 'must be a string, not null'],
  [z.number().int(), 1.5, 'must be a whole number'],
  [z.number().min(1), 0, 'must be at least 1'],
  [z.number().positive(), 0, 'must be more than 0'],
  [z.number().max(5), 9, 'must be at most 5'],
  [z.string().min(2), 'a', 'must have at least 2 characters'],
  [z.array(z.string()).max(1), ['a', 'b'], 'must have at most 1 items'],
  [z.enum(['a', 'b']), 'c', 'must be one of "a", "b"'],
  [z.literal('x'), 'y', 'must be "x"'],
  [z.discriminatedUnion('kind', [z.object({ kind: z.literal('a') }), z.object({ kind: z.literal('b') })]), { kind: 'c' }, "must be one of 'a', 'b'"],
])('says zod\'s default refusal in Rota\'s words: %#', (schema, value, reason) => {
  expect(reasonOf(schema, value)).toBe(reason);
});

it('keeps a schema\'s own reason as it is', () => {
  expect(plainReason('must not contain Turkish letters')).toBe('must not contain Turkish letters');
});

describe('numbers past what JSON can hold', () => {
  const rank = z.number({ error: 'must be a number' }).int('must be a whole number').max(1_000_000, 'must be at most 1000000');
  const told = (schema: z.ZodType, value: unknown) => toldIssues(schema.safeParse(value).error!.issues).map(issueReason);

  it('says 1e20 is too large once, not also "must be a whole number" (zod\'s safe-integer bound, under the int reason)', () => {
    expect(told(rank, 1e20)).toEqual(['must be at most 1000000']);
  });

  it('names the safe-integer bound where the field has none of its own', () => {
    expect(told(z.number().int('must be a whole number'), 1e20)).toEqual(['must be at most 9007199254740991']);
    expect(told(z.number().int('must be a whole number').max(10), -1e20)).toEqual(['must be at least -9007199254740991']);
  });

  it('says Infinity (1e309 in JSON, .inf in YAML) is too large, not "not a number"', () => {
    expect(told(rank, Number.POSITIVE_INFINITY)).toEqual(['must be a finite number (this one is too large to hold)']);
    expect(told(rank, Number.NEGATIVE_INFINITY)).toEqual(['must be a finite number (this one is too large to hold)']);
  });

  it('keeps a whole number\'s own refusal: 1.5 is not whole', () => {
    expect(told(rank, 1.5)).toEqual(['must be a whole number']);
  });
});
