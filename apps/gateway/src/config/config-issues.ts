import { issueReason, toldIssues, type ValidationIssue } from '@rota/provider';
import type { z } from 'zod';

/**
 * A configuration problem. `path` is dotted (`providers.0.settings.accounts.1.password`);
 * syntax errors also carry the line and column in the file.
 */
export interface ConfigIssue extends ValidationIssue {
  line?: number;
  column?: number;
}

export function formatPath(path: readonly PropertyKey[]): string {
  // An empty key still needs a visible name (as in core's message issues), or the operator could not tell which field is meant.
  return path.length > 0 ? path.map((key) => (String(key) === '' ? '""' : String(key))).join('.') : '(root)';
}

/** The reason an unknown key is reported with, at the key's own path. */
export const UNKNOWN_FIELD = 'is not a known field';

type RawIssue = z.core.$ZodIssue;

/**
 * zod issues as `{ path, reason }`, one per problem:
 * - an unknown key is reported at the key's own path ("is not a known field"),
 * - a union that failed is reported through the branch the input was meant for
 *   (the one that got past the type check), so an operator reads
 *   `routing.unknownOutcome.CAMPAIGN: Invalid option …` instead of "Invalid input".
 * zod's default messages never include the input value, and the schemas' own
 * messages are written not to, so no secret reaches an issue.
 */
export function toConfigIssues(error: z.ZodError | { issues: readonly RawIssue[] }, prefix: readonly PropertyKey[] = []): ConfigIssue[] {
  return toKeyedIssues(error, prefix).map(writtenOut);
}

/** A configuration issue with its path still a list of keys: keys may hold dots, so only lists compare safely. */
export interface KeyedIssue {
  keys: readonly PropertyKey[];
  reason: string;
}

/** toConfigIssues, paths not yet written out. */
export function toKeyedIssues(error: z.ZodError | { issues: readonly RawIssue[] }, prefix: readonly PropertyKey[] = []): KeyedIssue[] {
  return toldIssues(error.issues).flatMap((issue) => convert(issue, prefix));
}

export const writtenOut = ({ keys, reason }: KeyedIssue): ConfigIssue => ({ path: formatPath(keys), reason });

/** Whether `keys` is `prefix` or a path below it. */
export function isWithin(keys: readonly PropertyKey[], prefix: readonly PropertyKey[]): boolean {
  return prefix.length <= keys.length && prefix.every((key, i) => String(key) === String(keys[i]));
}

function convert(issue: RawIssue, prefix: readonly PropertyKey[]): KeyedIssue[] {
  const path = [...prefix, ...issue.path];
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({ keys: [...path, key], reason: UNKNOWN_FIELD }));
  }
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    const meant = issue.errors.filter((branch) => !isShapeMismatch(branch));
    if (meant.length === 1) return toldIssues(meant[0]!).flatMap((inner) => convert(inner, path));
    const forms = [...new Set(issue.errors.flatMap((branch) => branch.map((inner) => issueReason(inner))))];
    if (forms.length > 1) return [{ keys: path, reason: `matches none of the allowed forms: ${forms.join('; or ')}` }];
  }
  return [{ keys: path, reason: issueReason(issue) }];
}

/** A branch that refused the value outright (wrong type or not one of its literals), as opposed to one that half-matched. */
function isShapeMismatch(branch: readonly RawIssue[]): boolean {
  return branch.every((inner) => inner.path.length === 0 && (inner.code === 'invalid_type' || inner.code === 'invalid_value'));
}

/** Thrown by `createRuntime` when a valid configuration still cannot run; `issues` has each problem with its path. */
export class ConfigRefusedError extends Error {
  override readonly name = 'ConfigRefusedError';
  readonly issues: ConfigIssue[];

  constructor(issues: ConfigIssue[]) {
    super(`the configuration cannot run: ${issues.map((issue) => `${issue.path}: ${issue.reason}`).join('; ')}`);
    this.issues = issues;
  }
}
