import type { SendResponse, SendResultEntry } from './figensoft-wire.js';

/**
 * The usual answer to a send, read straight from its text: what
 * `readSendResponse(JSON.parse(text))` would give, or undefined for any other
 * text, which the client then reads that way. "Usual" is exactly this, with no
 * white space, escape or extra field, and with the receivers echoed as sent
 * and in order:
 *
 *   {"StatusCode":200,"StatusDescription":"…","Result":[{"MessageId":"…","Receiver":"<receivers[0]>","Charge":1},…]}
 *
 * Why not JSON.parse: a bulk answer has 800 entries, and parsing them costs a
 * string per Receiver (we already hold it) and a copied string per MessageId.
 * Read here, an entry's Receiver *is* the string we sent and its MessageId is a
 * slice of the answer — measured in place, about a sixth less CPU per recipient
 * for the whole send (docs/benchmarks.md). The cost: while any MessageId read
 * here is alive, V8 keeps the whole answer text it was sliced from (80 bytes a
 * receiver).
 *
 * A property test holds this to JSON.parse and readSendResponse.
 */
export function scanSendAnswer(text: string, receivers: readonly string[]): SendResponse | undefined {
  if (!matchesAt(text, 0, OPENING)) return undefined;
  let at = OPENING.length;
  const descriptionEnd = plainStringEnd(text, at);
  if (descriptionEnd < 0 || !matchesAt(text, descriptionEnd, RESULT)) return undefined;
  const description = text.slice(at, descriptionEnd);
  at = descriptionEnd + RESULT.length;

  const entries = new Array<SendResultEntry>(receivers.length);
  for (let i = 0; i < receivers.length; i++) {
    if (i > 0) {
      if (text.charCodeAt(at) !== COMMA) return undefined;
      at++;
    }
    if (!matchesAt(text, at, ENTRY_OPENING)) return undefined;
    at += ENTRY_OPENING.length;
    const idEnd = plainStringEnd(text, at);
    if (idEnd < 0 || !matchesAt(text, idEnd, RECEIVER)) return undefined;
    const messageId = text.slice(at, idEnd);
    at = idEnd + RECEIVER.length;

    const receiver = receivers[i]!;
    if (!isWrittenAt(text, at, receiver) || !matchesAt(text, at + receiver.length, CHARGE)) return undefined;
    at += receiver.length + CHARGE.length;

    // A JSON integer of at most 15 digits (exact in a double, so JSON.parse reads the same), no leading zero.
    let charge = 0;
    const digitsStart = at;
    for (let code = text.charCodeAt(at); code >= 0x30 && code <= 0x39; code = text.charCodeAt(++at)) charge = charge * 10 + (code - 0x30);
    const digits = at - digitsStart;
    if (digits === 0 || digits > MAX_CHARGE_DIGITS || (digits > 1 && text.charCodeAt(digitsStart) === 0x30)) return undefined;
    if (text.charCodeAt(at) !== CLOSE_BRACE) return undefined;
    at++;
    entries[i] = { MessageId: messageId, Receiver: receiver, Charge: charge };
  }
  if (!matchesAt(text, at, CLOSING) || at + CLOSING.length !== text.length) return undefined;
  return { StatusCode: 200, StatusDescription: description, Result: entries };
}

const OPENING = '{"StatusCode":200,"StatusDescription":"';
const RESULT = '","Result":[';
const ENTRY_OPENING = '{"MessageId":"';
const RECEIVER = '","Receiver":"';
const CHARGE = '","Charge":';
const CLOSING = ']}';
const COMMA = 0x2c;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const CLOSE_BRACE = 0x7d;
const MAX_CHARGE_DIGITS = 15;

function matchesAt(text: string, at: number, token: string): boolean {
  for (let k = 0; k < token.length; k++) if (text.charCodeAt(at + k) !== token.charCodeAt(k)) return false;
  return true;
}

/** Whether a JSON character needs no escape: not a quote, a backslash or a control character. */
const isPlain = (code: number): boolean => code >= 0x20 && code !== QUOTE && code !== BACKSLASH;

/**
 * Where the string content starting at `at` ends (its closing quote), if every
 * character is plain — so the text between is the string's value, as JSON.parse
 * would read it; -1 otherwise (an escape, a control character, no closing quote).
 */
function plainStringEnd(text: string, at: number): number {
  for (let i = at; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === QUOTE) return i;
    if (!isPlain(code)) return -1;
  }
  return -1;
}

/** Whether `value`, a string needing no JSON escape, is written at `at`. */
function isWrittenAt(text: string, at: number, value: string): boolean {
  for (let k = 0; k < value.length; k++) {
    const code = value.charCodeAt(k);
    if (code !== text.charCodeAt(at + k) || !isPlain(code)) return false;
  }
  return true;
}
