import { toWireNumber, wireNumberStart } from './figensoft-wire.js';

/**
 * The body of a Send_1_N request, written as bytes rather than built as a string.
 *
 * Only the receivers vary within a send, and FigenSoft wants them as digits
 * (`905321234567`, figensoft-api.md). Built as a string, an 800-receiver body
 * cost a new string per number (the `+` sliced off), `JSON.stringify` of that
 * list, and then undici's UTF-8 encoding of the whole body again — of a
 * two-byte string as soon as the text has one Turkish letter. Here the fixed
 * parts are encoded once per send and each number's digits are copied byte by
 * byte, which made a bulk send measurably cheaper (docs/benchmarks.md).
 */

/** The fixed parts of one send's bodies, encoded once and shared by all its requests. */
export interface BodyFrame {
  /** Everything before the receivers list: `{"Username":…,"Message":…,"Receivers":`. */
  head: Buffer;
  /** Everything after it: the optional fields and the closing brace. */
  tail: Buffer;
}

const QUOTE = 0x22;
const COMMA = 0x2c;
const OPEN = 0x5b;
const CLOSE = 0x5d;
const ZERO = 0x30;
const NINE = 0x39;

/** `receivers[from..to)`, where `0 ≤ from ≤ to ≤ receivers.length`, as the JSON list of wire numbers between `frame.head` and `frame.tail`. */
export function send1NBody(frame: BodyFrame, receivers: readonly string[], from: number, to: number): Buffer {
  if (!(from >= 0 && from <= to && to <= receivers.length)) {
    throw new RangeError(`Send_1_N body: receivers ${from}..${to} of ${receivers.length}`);
  }
  return digitsBody(frame, receivers, from, to) ?? stringifiedBody(frame, receivers, from, to);
}

/**
 * The body when every receiver is ASCII digits after an optional `+` (the router
 * sends E.164), or undefined as soon as one is anything else (rare). Such numbers
 * need no JSON escaping: their bytes are their characters. The digits are checked
 * while they are copied, not in a pass of their own, which would read every
 * character of every bulk twice to spare a buffer on the rare fallback.
 */
function digitsBody(frame: BodyFrame, receivers: readonly string[], from: number, to: number): Buffer | undefined {
  const { head, tail } = frame;
  const count = to - from;
  // Two brackets, two quotes a receiver, a comma between two, and the wire numbers.
  let size = head.length + 2 + 2 * count + Math.max(count - 1, 0) + tail.length;
  for (let i = from; i < to; i++) size += receivers[i]!.length - wireNumberStart(receivers[i]!);
  // Uninitialised memory: every byte is written below, and the count is checked before it leaves.
  const body = Buffer.allocUnsafe(size);
  let at = head.copy(body, 0);
  body[at++] = OPEN;
  for (let i = from; i < to; i++) {
    const receiver = receivers[i]!;
    if (i > from) body[at++] = COMMA;
    body[at++] = QUOTE;
    for (let k = wireNumberStart(receiver); k < receiver.length; k++) {
      const code = receiver.charCodeAt(k);
      if (code < ZERO || code > NINE) return undefined; // the half-written buffer is dropped, never sent
      body[at++] = code;
    }
    body[at++] = QUOTE;
  }
  body[at++] = CLOSE;
  // A write past the end is dropped silently, so count before the tail: every byte is written, none lost.
  if (at + tail.length !== size) throw new Error(`Send_1_N body: ${at + tail.length} bytes for ${size} (a bug in this file)`);
  tail.copy(body, at);
  return body;
}

/** Any other receivers: JSON-encoded as they are, only a leading `+` dropped. */
function stringifiedBody(frame: BodyFrame, receivers: readonly string[], from: number, to: number): Buffer {
  const wire = new Array<string>(to - from);
  for (let i = from; i < to; i++) wire[i - from] = toWireNumber(receivers[i]!);
  return Buffer.concat([frame.head, Buffer.from(JSON.stringify(wire)), frame.tail]);
}
