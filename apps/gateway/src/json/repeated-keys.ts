import { BodyKeysError, MAX_PATH_CHARS, shownPath } from './body-keys-error.js';
import { closingQuote } from './closing-quote.js';

/**
 * Where a JSON text names one key twice in an object. JSON.parse keeps the
 * last value and says nothing, so `{"to": A, …, "to": B}` would be sent to B
 * without a word, while a proxy or a log in front of the gateway may have
 * read A. The gateway refuses such a body instead, naming each repeated key.
 *
 * `json` must be text JSON.parse accepted: the scan only follows strings,
 * braces, brackets and commas, and skips everything else. It keeps a stack
 * of its own, not recursion (a body nested 20,000 levels deep must not
 * overflow the call stack), and jumps from quote to quote with indexOf, so a
 * bulk of 100,000 numbers costs a few milliseconds.
 */

/** An object or array the scan is inside: its keys so far (objects), and the key or index it is at. */
interface Frame {
  keys: Set<string> | undefined;
  at: string | number;
  expectingKey: boolean;
}

/** The paths (`messages.3.to`) of repeated keys, at most `max`, in the order met. */
export function repeatedKeyPaths(json: string, max = 20): string[] {
  const frames: Frame[] = [];
  const found: string[] = [];
  for (let i = 0; i < json.length && found.length < max; i++) {
    const c = json[i];
    if (c === '"') {
      const end = closingQuote(json, i);
      const top = frames[frames.length - 1];
      if (top?.keys && top.expectingKey) {
        const raw = json.slice(i + 1, end);
        // A key spelled with escapes ("t\u006f") is the same key as its plain spelling.
        const key = raw.includes('\\') ? (JSON.parse(`"${raw}"`) as string) : raw;
        if (top.keys.has(key)) found.push(pathOf(frames, key));
        else top.keys.add(key);
        top.at = key;
        top.expectingKey = false;
      }
      i = end;
    } else if (c === '{') {
      frames.push({ keys: new Set(), at: '', expectingKey: true });
    } else if (c === '[') {
      frames.push({ keys: undefined, at: 0, expectingKey: false });
    } else if (c === '}' || c === ']') {
      frames.pop();
    } else if (c === ',') {
      const top = frames[frames.length - 1]!;
      if (top.keys) top.expectingKey = true;
      else top.at = (top.at as number) + 1;
    }
  }
  return found;
}

function pathOf(frames: readonly Frame[], key: string): string {
  // Built from the end, and only as far as it is shown: the stack may be 20,000 frames deep.
  let path = key;
  for (let i = frames.length - 2; i >= 0 && path.length <= MAX_PATH_CHARS; i--) path = `${frames[i]!.at}.${path}`;
  return shownPath(path);
}

/** A body that parsed but names a key twice in one object: answered 400 with each repeated key's path. */
export class RepeatedKeysError extends BodyKeysError {
  override readonly name = 'RepeatedKeysError';
  constructor(paths: readonly string[]) {
    super('the request body names a field more than once', paths, 'appears more than once in its object: send each field once');
  }
}
