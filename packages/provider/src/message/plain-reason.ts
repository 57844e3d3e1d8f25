/*
 * zod's own words for a refusal ("Invalid input: expected object, received
 * undefined", "Too small: expected number to be >=1") in the words every
 * other refusal of Rota uses ("is required (an object)", "must be at least
 * 1"). Rota's schemas give their own reasons where they can; these are the
 * ones zod fills in where a schema gave none (a library caller's option, a
 * section missing from a configuration file). Anything else is kept as zod
 * wrote it.
 */
import type { z } from 'zod';

const TYPE_NAMES: Record<string, string> = {
  object: 'an object',
  array: 'a list',
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  record: 'an object',
  date: 'a date',
  function: 'a function',
};

const typeName = (type: string): string => TYPE_NAMES[type] ?? type;

const BOUND_WORDS: Record<string, string> = { '>=': 'at least', '>': 'more than', '<=': 'at most', '<': 'less than' };

const REWORDINGS: readonly [RegExp, (...groups: string[]) => string][] = [
  [/^Invalid input: expected (\w+), received undefined$/, (type) => `is required (${typeName(type!)})`],
  [/^Invalid input: expected int, received (\w+)$/, () => 'must be a whole number'],
  [/^Invalid input: expected (\w+), received (\w+)$/, (type, got) => `must be ${typeName(type!)}, not ${got === 'null' ? 'null' : typeName(got!)}`],
  [/^Too (?:small|big): expected (?:number|bigint|date) to be (>=|>|<=|<)(\S+)$/, (bound, limit) => `must be ${BOUND_WORDS[bound!]} ${limit}`],
  [/^Too (?:small|big): expected (?:string|array|set|file) to have (>=|>|<=|<)(\S+) (\w+)$/, (bound, limit, unit) => `must have ${BOUND_WORDS[bound!]} ${limit} ${unit}`],
  [/^Invalid option: expected one of (.+)$/, (options) => `must be one of ${options!.split('|').join(', ')}`],
  [/^Invalid input: expected (".*")$/, (value) => `must be ${value}`],
  [/^Invalid discriminator value\. Expected (.+)$/, (options) => `must be one of ${options!.split(' | ').join(', ')}`],
  [/^Invalid input$/, () => 'is not valid here (none of the forms it may take)'],
];

/** zod's default reason in Rota's words; any other reason as it is. */
export function plainReason(message: string): string {
  for (const [pattern, reword] of REWORDINGS) {
    const match = pattern.exec(message);
    if (match) return reword(...match.slice(1));
  }
  return message;
}

type RawIssue = z.core.$ZodIssue;

/**
 * An issue's reason in Rota's words, where the schema's own words would
 * mislead: a number past what JSON or YAML can hold arrives as Infinity
 * (`1e309`, `.inf`), which is a number too large, not "not a number"; a whole
 * number past 2^53 fails zod's safe-integer bound under the schema's
 * whole-number reason, though it is whole — it is too large.
 */
export function issueReason(issue: RawIssue): string {
  // zod marks a number it refused for being NaN or infinite with `received` (not in its issue types).
  const received = (issue as { received?: unknown }).received;
  if (issue.code === 'invalid_type' && issue.expected === 'number' && (received === 'Infinity' || received === '-Infinity')) {
    return 'must be a finite number (this one is too large to hold)';
  }
  if ((issue.code === 'too_big' || issue.code === 'too_small') && issue.origin === 'int') {
    return `must be ${issue.code === 'too_big' ? 'at most' : 'at least'} ${String(issue.code === 'too_big' ? issue.maximum : issue.minimum)}`;
  }
  return plainReason(issue.message);
}

/**
 * The issues worth telling: a whole number past 2^53 fails zod's safe-integer
 * bound beside the field's own bound (1e20 for a rank of at most 1,000,000);
 * the field's own says it, once.
 */
export function toldIssues<I extends RawIssue>(issues: readonly I[]): I[] {
  return issues.filter((issue) => !(isSafeIntegerBound(issue) && issues.some((other) => other !== issue && other.code === issue.code && !isSafeIntegerBound(other) && samePath(other.path, issue.path))));
}

const isSafeIntegerBound = (issue: RawIssue): boolean => (issue.code === 'too_big' || issue.code === 'too_small') && issue.origin === 'int';

const samePath = (a: readonly PropertyKey[], b: readonly PropertyKey[]): boolean => a.length === b.length && a.every((key, i) => key === b[i]);
