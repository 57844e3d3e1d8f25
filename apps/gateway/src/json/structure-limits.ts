/**
 * How far a JSON text nests, and how many objects and arrays it holds, asked
 * before the text is parsed. No request of Rota's API nests past four levels
 * or holds more than one object per message of a batch (10,000 at most); a
 * body under the size limit can still hold five million brackets nested
 * (1.7 s of the parser and the key scans) or 1.7 million empty objects side
 * by side (0.7 s), every client's requests, sends and reports waiting behind
 * it. The scan stops at the first level or container past its limit, so such
 * a body costs a millisecond; a valid one costs a pass that jumps from quote
 * to quote. Text that is not JSON is left to the parser.
 */
import { closingQuote } from './closing-quote.js';

export interface StructureLimits {
  /** Levels of objects and arrays inside one another. */
  depth: number;
  /** Objects and arrays in the whole text. */
  containers: number;
}

/** What in `json` goes past `limits`, in words for the client; undefined when nothing does. */
export function structureProblem(json: string, limits: StructureLimits): string | undefined {
  let depth = 0;
  let containers = 0;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (c === QUOTE) {
      i = closingQuote(json, i);
      if (i === -1) return undefined;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > limits.depth) return `nests objects and arrays more than ${limits.depth} levels deep`;
      if (++containers > limits.containers) return `holds more than ${limits.containers} objects and arrays`;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
    }
  }
  return undefined;
}

const QUOTE = 0x22;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
