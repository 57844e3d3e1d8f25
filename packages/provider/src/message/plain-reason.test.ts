import { z } from 'zod';
import { plainReason } from './plain-reason.js';

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
