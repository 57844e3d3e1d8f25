import { BodyKeysError, shownPath } from './body-keys-error.js';

/**
 * The paths (`messages.1.__proto__`) of the keys fastify's secure JSON parser
 * refuses: `__proto__`, and `prototype` inside a `constructor` object. Read
 * by JSON.parse, which makes them plain own properties (it pollutes nothing),
 * and walked with a stack of its own: a body nested thousands deep must not
 * overflow the call stack. Run only on a body the parser refused.
 */
export function forbiddenKeyPaths(json: string, max = 20): string[] {
  let root: unknown;
  try {
    root = JSON.parse(json);
  } catch {
    return [];
  }
  const found: string[] = [];
  // Each value with its path and its own key: a key may hold dots (`"a.constructor"`), so the path cannot tell it.
  const stack: { value: unknown; path: string; key: string; forbidden: boolean }[] = [{ value: root, path: '', key: '', forbidden: false }];
  while (stack.length > 0 && found.length < max) {
    const { value, path, key: parentKey, forbidden } = stack.pop()!;
    if (forbidden) {
      found.push(shownPath(path));
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    const isArray = Array.isArray(value);
    const entries = isArray ? value.map((item, index) => [String(index), item] as const) : Object.entries(value);
    // Pushed in reverse, so that the walk meets them in the body's order.
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, child] = entries[i]!;
      const reachesPrototype = !isArray && (key === '__proto__' || (key === 'prototype' && parentKey === 'constructor'));
      stack.push({ value: child, path: path === '' ? key : `${path}.${key}`, key, forbidden: reachesPrototype });
    }
  }
  return found;
}

/** A body whose keys could reach an object's prototype: refused naming each. */
export class ForbiddenKeysError extends BodyKeysError {
  override readonly name = 'ForbiddenKeysError';
  constructor(paths: readonly string[]) {
    super('the request body names a key the gateway does not accept', paths, "is a key the gateway does not accept (__proto__, or prototype within constructor, could reach every object's prototype)");
  }
}
