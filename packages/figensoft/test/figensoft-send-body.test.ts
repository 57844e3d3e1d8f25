import fc from 'fast-check';
import { send1NBody, type BodyFrame } from '../src/figensoft-send-body.js';
import { toWireNumber } from '../src/figensoft-wire.js';

// What the body was before it was written as bytes, and what it must stay: the fixed
// parts around JSON.stringify of the receivers in wire form.
const HEAD = '{"Username":"u","Password":"p\\"ş","Message":"Doğrulama kodunuz: 482913","Receivers":';
const TAIL = ',"Originator":"ROTA"}';
const frame: BodyFrame = { head: Buffer.from(HEAD), tail: Buffer.from(TAIL) };
const reference = (receivers: readonly string[], from: number, to: number): string =>
  HEAD + JSON.stringify(receivers.slice(from, to).map(toWireNumber)) + TAIL;

const e164 = fc.stringMatching(/^\+\d{1,15}$/);
const wire = fc.stringMatching(/^\d{0,15}$/);
// Anything else a caller could pass: quotes, backslashes, control and non-ASCII characters, lone surrogates.
const odd = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('', '+', '++90', '+90"532', '\\', '٣٣٣', '+90 532'));

describe('send1NBody', () => {
  it('writes the same bytes as JSON.stringify of the wire numbers, for any receivers and any part of them', () => {
    const receivers = fc.array(fc.oneof({ weight: 6, arbitrary: e164 }, { weight: 2, arbitrary: wire }, { weight: 1, arbitrary: odd }), { maxLength: 40 });
    fc.assert(
      fc.property(receivers, fc.nat(), fc.nat(), (list, a, b) => {
        const from = list.length === 0 ? 0 : a % (list.length + 1);
        const to = from + (list.length === 0 ? 0 : b % (list.length - from + 1));
        expect(send1NBody(frame, list, from, to).toString('utf8')).toBe(reference(list, from, to));
      }),
      { numRuns: 3_000, seed: 17 },
    );
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

  it('falls back to JSON escaping for a receiver that is not digits, and never leaves unwritten bytes', () => {
    const body = send1NBody(frame, ['+905321112233', '+90"532\\x', '+905421112244'], 0, 3);
    expect(body.toString('utf8')).toBe(reference(['+905321112233', '+90"532\\x', '+905421112244'], 0, 3));
    expect(body.length).toBe(Buffer.byteLength(reference(['+905321112233', '+90"532\\x', '+905421112244'], 0, 3)));
  });
});
