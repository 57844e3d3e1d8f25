/**
 * A request body whose middle is a long list of phone numbers, written as
 * bytes: `head`, then each number's digits (a leading `+` dropped; in quotes
 * when `quoted`), separated by commas, then `tail`. A bulk names up to tens of
 * thousands of numbers, and the text in `head` usually has a Turkish letter:
 * built as a string, the whole body would be a two-byte string that undici
 * encodes again, and each number a string of its own. Here head and tail are
 * encoded once and the digits are copied byte by byte.
 *
 * Undefined when a number is not `+` and digits (or digits alone): the caller
 * then writes the body the slow way. `numbers[from..to)`.
 */
export function numberListBody(head: string, numbers: readonly string[], quoted: boolean, tail: string, from = 0, to = numbers.length): Buffer | undefined {
  const headBytes = Buffer.from(head, 'utf8');
  const tailBytes = Buffer.from(tail, 'utf8');
  const count = to - from;
  let size = headBytes.length + tailBytes.length + Math.max(count - 1, 0) + (quoted ? 2 * count : 0);
  for (let i = from; i < to; i++) {
    const n = numbers[i]!;
    size += n.charCodeAt(0) === 0x2b ? n.length - 1 : n.length;
  }
  const body = Buffer.allocUnsafe(size);
  let at = headBytes.copy(body, 0);
  for (let i = from; i < to; i++) {
    const n = numbers[i]!;
    if (i > from) body[at++] = 0x2c;
    if (quoted) body[at++] = 0x22;
    const start = n.charCodeAt(0) === 0x2b ? 1 : 0;
    if (start === n.length) return undefined;
    for (let k = start; k < n.length; k++) {
      const c = n.charCodeAt(k);
      if (c < 0x30 || c > 0x39) return undefined; // the half-written buffer is dropped, never sent
      body[at++] = c;
    }
    if (quoted) body[at++] = 0x22;
  }
  // A write past the end is dropped silently: count before the tail, so that nothing is lost unseen.
  if (at + tailBytes.length !== size) throw new Error(`number list body: ${at + tailBytes.length} bytes for ${size} (a bug)`);
  tailBytes.copy(body, at);
  return body;
}
