import { toValidationIssues, type ValidationIssue } from '@rota/provider';
import type { z } from 'zod';

/**
 * An argument the store refused, with the field and the reason in Rota's issue
 * shape, so an HTTP layer can answer 400 with the same body as for a bad message.
 */
export class LedgerInputError extends Error {
  readonly issues: readonly ValidationIssue[];

  constructor(what: string, issues: readonly ValidationIssue[]) {
    super(`${what}: ${issues.map((issue) => `${issue.path} ${issue.reason}`).join('; ')}`);
    this.name = 'LedgerInputError';
    this.issues = issues;
  }
}

/** `schema.parse` that throws a LedgerInputError naming each bad field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw new LedgerInputError(what, toValidationIssues(result.error));
  return result.data;
}
