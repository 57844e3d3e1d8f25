import fc from 'fast-check';
import { scanSendAnswer } from '../src/figensoft-send-answer.js';
import { readSendResponse } from '../src/figensoft-wire.js';

// The scanner must never read a text differently from JSON.parse + readSendResponse:
// either it gives exactly their value (key order included, each Receiver the very
// string we sent), or it gives up and the client parses the text as JSON.
function agreesWithJson(text: string, receivers: readonly string[]): void {
  const scanned = scanSendAnswer(text, receivers);
  if (scanned === undefined) return;
  const reference = readSendResponse(JSON.parse(text));
  expect(scanned).toEqual(reference);
  expect(Object.keys(scanned)).toEqual(Object.keys(reference!));
  scanned.Result!.forEach((entry, i) => {
    expect(Object.keys(entry)).toEqual(['MessageId', 'Receiver', 'Charge']);
    expect(entry.Receiver).toBe(receivers[i]);
  });
}

/** The usual answer, written as FigenSoft (and the sandbox) write it. */
const usual = (description: string, entries: readonly { id: string; receiver: string; charge: number }[]): string =>
  `{"StatusCode":200,"StatusDescription":${JSON.stringify(description)},"Result":[${entries
    .map((e) => `{"MessageId":${JSON.stringify(e.id)},"Receiver":${JSON.stringify(e.receiver)},"Charge":${e.charge}}`)
    .join(',')}]}`;

const anyCharacter = fc.string({ unit: 'binary', minLength: 1, maxLength: 1 });
// Strings that need no escape in JSON: any character but a quote, a backslash or a control character.
const plainText = fc.string({ unit: fc.oneof(fc.constantFrom('a', 'Z', '0', '-', '_', ' ', 'ş', 'İ', '€', '\u2028'), anyCharacter) }).filter((s) => !/["\\\u0000-\u001f]/.test(s));
const receiver = fc.oneof(fc.stringMatching(/^90[0-9]{10}$/), fc.constantFrom('905321234567', '05321234567'), plainText);
const entry = fc.record({ id: plainText, receiver, charge: fc.oneof(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 999_999_999_999_999 })) });
const usualAnswer = fc.record({ description: plainText, entries: fc.array(entry, { maxLength: 6 }) });

describe('scanSendAnswer', () => {
  it('reads every usual answer, exactly as JSON.parse and readSendResponse do', () => {
    fc.assert(
      fc.property(usualAnswer, ({ description, entries }) => {
        const text = usual(description, entries);
        const receivers = JSON.parse(JSON.stringify(entries.map((e) => e.receiver))) as string[];
        expect(scanSendAnswer(text, receivers)).toBeDefined();
        agreesWithJson(text, receivers);
      }),
      { numRuns: 3_000, seed: 31 },
    );
  });

  it('never reads an altered answer differently from JSON: one character changed, added or cut', () => {
    const alteration = fc.record({
      at: fc.nat(),
      kind: fc.constantFrom('replace', 'insert', 'cut'),
      char: fc.oneof(fc.constantFrom('"', '\\', ',', '0', '1', '-', '.', 'e', 'E', ' ', '\n', '{', '}', '[', ']', ':', '\u0001', 'n'), anyCharacter),
    });
    fc.assert(
      fc.property(usualAnswer, alteration, ({ description, entries }, { at, kind, char }) => {
        const text = usual(description, entries);
        const i = at % (text.length + 1);
        const altered =
          kind === 'replace' ? text.slice(0, i) + char + text.slice(i + 1) : kind === 'insert' ? text.slice(0, i) + char + text.slice(i) : text.slice(0, i);
        agreesWithJson(altered, entries.map((e) => e.receiver));
      }),
      { numRuns: 5_000, seed: 32 },
    );
  });

  it('never reads an answer for other receivers than it echoes, or receivers that JSON would escape', () => {
    const askedFor = fc.oneof(fc.constant('shuffled'), fc.constant('one changed'), fc.constant('one more'), fc.constant('one less'), fc.constantFrom('9053"1234567', '9053\\1234567', '9053\n1234567'));
    fc.assert(
      fc.property(usualAnswer, askedFor, ({ description, entries }, how) => {
        const echoed = entries.map((e) => e.receiver);
        const receivers =
          how === 'shuffled' ? [...echoed].reverse()
          : how === 'one changed' ? echoed.map((r, i) => (i === 0 ? `${r}1` : r))
          : how === 'one more' ? [...echoed, '905320000000']
          : how === 'one less' ? echoed.slice(1)
          : echoed.map(() => how);
        agreesWithJson(usual(description, entries), receivers);
        // Written as JSON would write them (escaped): still never read as anything else.
        agreesWithJson(usual(description, receivers.map((r, i) => ({ id: `M${i}`, receiver: r, charge: 1 }))), receivers);
      }),
      { numRuns: 2_000, seed: 33 },
    );
  });

  it.each([
    ['a quote', 'A","Receiver":"B', '{"StatusCode":200,"StatusDescription":"OK","Result":[{"MessageId":"M","Receiver":"A","Receiver":"B","Charge":1}]}'],
    ['an escape', 'A\\u0042', '{"StatusCode":200,"StatusDescription":"OK","Result":[{"MessageId":"M","Receiver":"A\\u0042","Charge":1}]}'],
  ])('never matches a receiver with %s in it against the raw text, which JSON reads otherwise', (_, receiver, text) => {
    expect(JSON.parse(text).Result[0].Receiver).not.toBe(receiver);
    expect(scanSendAnswer(text, [receiver])).toBeUndefined();
  });

  it.each([
    ['white space between tokens', '{ "StatusCode": 200, "StatusDescription": "OK", "Result": [] }'],
    ['an escaped character in a message id', '{"StatusCode":200,"StatusDescription":"OK","Result":[{"MessageId":"M\\u0031","Receiver":"905321234567","Charge":1}]}'],
    ['a charge with a leading zero (not JSON)', '{"StatusCode":200,"StatusDescription":"OK","Result":[{"MessageId":"M1","Receiver":"905321234567","Charge":01}]}'],
    ['a charge of 16 digits', '{"StatusCode":200,"StatusDescription":"OK","Result":[{"MessageId":"M1","Receiver":"905321234567","Charge":1234567890123456}]}'],
    ['a fractional charge', '{"StatusCode":200,"StatusDescription":"OK","Result":[{"MessageId":"M1","Receiver":"905321234567","Charge":1.5}]}'],
    ['another field in an entry', '{"StatusCode":200,"StatusDescription":"OK","Result":[{"MessageId":"M1","Receiver":"905321234567","Charge":1,"Extra":0}]}'],
    ['the keys in another order', '{"StatusDescription":"OK","StatusCode":200,"Result":[]}'],
    ['another status code', '{"StatusCode":1060,"StatusDescription":"OK","Result":[]}'],
    ['a trailing newline', '{"StatusCode":200,"StatusDescription":"OK","Result":[]}\n'],
  ])('leaves an answer with %s to JSON', (_, text) => {
    const receivers = text.includes('"Result":[]') ? [] : ['905321234567'];
    expect(scanSendAnswer(text, receivers)).toBeUndefined();
  });

  it('reads the usual answer of 800 receivers', () => {
    const receivers = Array.from({ length: 800 }, (_, i) => `90532${String(i).padStart(7, '0')}`);
    const text = usual('Success', receivers.map((r, i) => ({ id: `EZ_${i.toString(36)}-43D2B5QC`, receiver: r, charge: 1 + (i % 3) })));
    const scanned = scanSendAnswer(text, receivers);
    expect(scanned?.Result).toHaveLength(800);
    expect(scanned?.Result?.[799]).toEqual({ MessageId: `EZ_${(799).toString(36)}-43D2B5QC`, Receiver: receivers[799], Charge: 1 + (799 % 3) });
    agreesWithJson(text, receivers);
  });
});
