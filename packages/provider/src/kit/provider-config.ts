import { z } from 'zod';
import { IysTypeSchema, toValidationIssues, type IysType, type ValidationIssue } from '../message/message.js';

/**
 * What every provider package's configuration shares: the IYS type list an
 * account serves, the account id rule for sender-keyed accounts, and the
 * error a refused configuration throws.
 */

/** The IYS types one account serves; each package picks its default. */
export const IysTypeListSchema = z
  .array(IysTypeSchema, { error: 'must be a list of IYS types (NOTIFICATION, CAMPAIGN)' })
  .min(1, 'must list at least one IYS type')
  .refine((types) => new Set(types).size === types.length, 'must not list an IYS type twice');


/**
 * The account id of a provider whose account is one sender serving a set of
 * IYS types (Message Center, Infobip). Derived from the sender and types, not
 * from credentials, so that rotating a password or key keeps the account's
 * breaker and metrics; unique when `checkSenderIysOverlap` passes.
 */
export function senderAccountId(providerId: string, sender: string, iysTypes: readonly IysType[]): string {
  const [only] = iysTypes;
  return iysTypes.length === 1 && only !== undefined ? `${providerId}-${sender}-${only.toLowerCase()}` : `${providerId}-${sender}`;
}

/**
 * Refuses two accounts that serve the same (sender, IYS type) pair: selection
 * takes the first, so the second would never be used. Use in a `superRefine`
 * on the accounts array; issues land on `<index>.iysTypes`.
 */
export function checkSenderIysOverlap(accounts: readonly { sender: string; iysTypes: readonly IysType[] }[], ctx: z.RefinementCtx): void {
  const servedBy = new Map<string, number>();
  accounts.forEach((account, index) => {
    for (const iysType of account.iysTypes) {
      const key = JSON.stringify([account.sender, iysType]);
      const first = servedBy.get(key);
      if (first === undefined) {
        servedBy.set(key, index);
        continue;
      }
      ctx.addIssue({
        code: 'custom',
        path: [index, 'iysTypes'],
        message: `sender "${account.sender}" already serves ${iysType} in accounts.${first}; a second account for the same sender and IYS type would never be chosen`,
      });
    }
  });
}

/** A provider configuration that does not validate: `issues` name each field (`accounts.1.password`) and the reason, never a value. */
export class ProviderConfigError extends Error {
  override readonly name = 'ProviderConfigError';
  readonly provider: string;
  readonly issues: ValidationIssue[];

  constructor(provider: string, issues: ValidationIssue[]) {
    super(`invalid ${provider} configuration: ${issues.map((issue) => `${issue.path}: ${issue.reason}`).join('; ')}`);
    this.provider = provider;
    this.issues = issues;
  }
}

/** `schema.parse`, but failing with a `ProviderConfigError` that names the provider. */
export function parseProviderConfig<S extends z.ZodType>(schema: S, input: unknown, provider: string): z.output<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new ProviderConfigError(provider, toValidationIssues(parsed.error));
  return parsed.data;
}

