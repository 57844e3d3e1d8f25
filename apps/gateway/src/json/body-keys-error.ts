import type { ValidationIssue } from '@rota/provider';

/**
 * A body that parsed, refused for some of its keys (repeated-keys.ts,
 * forbidden-keys.ts): answered 400, each key named by its path with the
 * reason, and the message saying what was wrong with the body.
 */
export class BodyKeysError extends Error {
  readonly issues: ValidationIssue[];
  constructor(message: string, paths: readonly string[], reason: string) {
    super(message);
    this.issues = paths.map((path) => ({ path, reason }));
  }
}

/**
 * A path is the client's own keys: cut to this many characters (its end, the
 * part that names the field), so that an answer never grows past the body it
 * answers — 20 paths of keys nested thousands deep would be megabytes.
 */
export const MAX_PATH_CHARS = 120;

/** A key's path as an answer shows it: whole, or its last MAX_PATH_CHARS characters after an ellipsis. */
export function shownPath(path: string): string {
  return path.length <= MAX_PATH_CHARS ? path : `…${path.slice(-(MAX_PATH_CHARS - 1))}`;
}
