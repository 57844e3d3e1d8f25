import fc from 'fast-check';
import { send1NBody, type BodyFrame } from '../src/figensoft-send-body.js';
import { toWireNumber } from '../src/figensoft-wire.js';

// What the body was before it was written as bytes, and what it must stay: the fixed
// parts around JSON.stringify of the receivers in wire form.
const HEAD = '{"Username":"u","Password":"p\\"ş","Message":"Doğrulama kodunuz: 482913","Receivers":';
const TAIL = ',"Originator":"ROTA"}';
const frame: BodyFrame = { head: Buffer.from(HEAD), tail: Buffer.from(TAIL) };
const reference = (receivers: readonly string[], from: number, to: number): Buffer =>
  Buffer.from(HEAD + JSON.stringify(receivers.slice(from, to).map(toWireNumber)) + TAIL);
/** Whether the receivers take the byte-copying path (digits after an optional +) rather than JSON.stringify. */
const allDigits = (receivers: readonly string[]): boolean => receivers.every((r) => /^\+?[0-9]*$/.test(r));

const e164 = fc.stringMatching(/^\+\d{1,15}$/);
const wire = fc.stringMatching(/^\d{0,15}$/);
// Anything else a caller could pass: quotes, backslashes, control and non-ASCII characters
// (other scripts' digits among them), lone surrogates, a + that is not the first character.
const odd = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('', '+', '++90', '9+0', '+90"532', '\\', '٣٣٣', '１２３', '+90 532', '\ud800'));
const receiverLists = fc.array(fc.oneof({ weight: 12, arbitrary: e164 }, { weight: 4, arbitrary: wire }, { weight: 1, arbitrary: odd }), { maxLength: 60, size: 'max' });
/** A list and a part of it, as a split send asks for: 0 ≤ from ≤ to ≤ length. */
const listAndPart = receiverLists.chain((list) =>
  fc.integer({ min: 0, max: list.length }).chain((from) => fc.integer({ min: from, max: list.length }).map((to) => ({ list, from, to }))),
);

describe('send1NBody', () => {
  it('writes the same bytes as JSON.stringify of the wire numbers, for any receivers and any part of them', () => {
    const paths = { digits: 0, stringified: 0, empty: 0 };
    fc.assert(
      fc.property(listAndPart, ({ list, from, to }) => {
        const part = list.slice(from, to);
        paths[part.length === 0 ? 'empty' : allDigits(part) ? 'digits' : 'stringified'] += 1;
        expect(send1NBody(frame, list, from, to).equals(reference(list, from, to))).toBe(true);
      }),
      { numRuns: 3_000, seed: 17 },
    );
    // Both ways of writing the body, and mostly parts that are not empty.
    expect(paths.digits).toBeGreaterThan(1_000);
    expect(paths.stringified).toBeGreaterThan(500);
    expect(paths.empty).toBeLessThan(1_000);
  });

  it('sends E.164 numbers as digits only, in order', () => {
    const body = JSON.parse(send1NBody(frame, ['+905321112233', '905421112244', '+4915112345678'], 0, 3).toString('utf8'));
    expect(body.Receivers).toEqual(['905321112233', '905421112244', '4915112345678']);
    expect(body.Message).toBe('Doğrulama kodunuz: 482913');
  });

  it('takes only the part asked for: the receivers of one request of a split send', () => {
    const numbers = Array.from({ length: 2_000 }, (_, i) => `+90532${String(i).padStart(7, '0')}`);
    const body = JSON.parse(send1NBody(frame, numbers, 800, 1_600).toString('utf8'));
    expect(body.Receivers).toHaveLength(800);
    expect(body.Receivers[0]).toBe('905320000800');
    expect(body.Receivers[799]).toBe('905320001599');
  });

  it('writes every byte of its uninitialised buffer, also where memory was used before', () => {
    // Small buffers come from Node's shared pool: fill what is left of it with a marker first.
    Buffer.allocUnsafe(4_000).fill(0xff);
    const numbers = ['+905321112233', '905421112244'];
    const body = send1NBody(frame, numbers, 0, 2);
    expect(body.includes(0xff)).toBe(false);
    expect(body.equals(reference(numbers, 0, 2))).toBe(true);
  });

  it('refuses a part outside the list instead of writing a wrong body', () => {
    const numbers = ['+905321112233', '+905421112244'];
    expect(() => send1NBody(frame, numbers, 1, 0)).toThrow(RangeError);
    expect(() => send1NBody(frame, numbers, 0, 3)).toThrow(RangeError);
    expect(() => send1NBody(frame, numbers, -1, 1)).toThrow(RangeError);
  });
});
