import { z } from 'zod';
import { EncodingSchema, IysTypeSchema, ProviderErrorKindSchema, SenderIdSchema, toValidationIssues, type SendRequest } from '@rota/provider';

// Provider ids name metrics, logs and breakers, so they share one shape.
const KEBAB_CASE = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const E164 = /^\+[1-9]\d{6,14}$/;

const DelayMsSchema = z.number().finite().nonnegative('must not be negative');

export const FakeAccountSchema = z.strictObject({
  accountId: z.string().min(1, 'must not be empty'),
  iysType: IysTypeSchema,
  senders: z.array(SenderIdSchema).min(1, 'must list at least one sender').default(['ROTA']),
});
export type FakeAccountInput = z.input<typeof FakeAccountSchema>;
export type FakeAccount = z.output<typeof FakeAccountSchema>;

/**
 * The provider takes the request; recipients listed in `rejectRecipients` get a per-recipient rejection,
 * those in `notTakenRecipients` a `not-taken` receipt (refused for the account's reasons: the router asks the next rank).
 */
const AcceptStepSchema = z.strictObject({
  type: z.literal('accept'),
  delayMs: DelayMsSchema.optional(),
  rejectRecipients: z.array(z.string().regex(E164, 'must be an E.164 number such as +905321234567')).optional(),
  rejectCode: z.string().min(1).optional(),
  rejectReason: z.string().min(1).optional(),
  notTakenRecipients: z.array(z.string().regex(E164, 'must be an E.164 number such as +905321234567')).optional(),
  notTakenReason: z.string().min(1).optional(),
  /** `request`: the not-taken receipts say the request was refused for something in it, not for the account (no breaker count when none was taken). */
  notTakenCause: z.literal('request').optional(),
  simulated: z.boolean().optional(),
});

/** The provider answers with a `ProviderError` of this kind. */
const ErrorStepSchema = z.strictObject({
  type: z.literal('error'),
  kind: ProviderErrorKindSchema,
  code: z.string().min(1).optional(),
  message: z.string().min(1).optional(),
  retryAfterMs: DelayMsSchema.optional(),
  delayMs: DelayMsSchema.optional(),
  /**
   * The message reaches the handsets although the caller sees an error: the
   * worst case of `outcome-unknown`, which lets `duplicates()` catch a router
   * that fails over after it.
   */
  delivered: z.boolean().optional(),
  /**
   * The error names the ids the request gave its messages, as Infobip's does
   * (Rota chose them): delivered or not, a status read asks by them.
   */
  namesIds: z.boolean().optional(),
});

/** The provider never answers; only the call's AbortSignal (or `close()`) ends the call. */
const HangStepSchema = z.strictObject({
  type: z.literal('hang'),
  /** As for `error`: the message was delivered although no answer ever came. */
  delivered: z.boolean().optional(),
});

/** The provider has a bug: it throws something that is not a `ProviderError`. */
const ThrowStepSchema = z.strictObject({
  type: z.literal('throw'),
  error: z.unknown().optional(),
});

export const FakeStepSchema = z.discriminatedUnion('type', [AcceptStepSchema, ErrorStepSchema, HangStepSchema, ThrowStepSchema]);
export type FakeStepInput = z.input<typeof FakeStepSchema>;
export type FakeStep = z.output<typeof FakeStepSchema>;

/** What a script function is told about the call it decides. */
export interface FakeScriptCall {
  /** How many steps the script handed out before this call (0 for the first). */
  index: number;
  request: SendRequest;
}
export type FakeScriptFunction = (call: FakeScriptCall) => FakeStepInput;
export type FakeScriptInput = readonly FakeStepInput[] | FakeScriptFunction;

const FakeStepListSchema = z.array(FakeStepSchema);

// A plain z.union would report "Invalid input" for a bad step; this keeps the step's own path and reason.
export const FakeScriptSchema = z.custom<FakeScriptInput>().transform((value, ctx): readonly FakeStep[] | FakeScriptFunction => {
  if (typeof value === 'function') return value;
  if (!Array.isArray(value)) {
    ctx.addIssue({ code: 'custom', message: 'must be an array of steps or a function (call) => step' });
    return z.NEVER;
  }
  const parsed = FakeStepListSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) ctx.addIssue({ ...issue });
  return z.NEVER;
});
export type FakeScript = z.output<typeof FakeScriptSchema>;

export const FakeProviderOptionsSchema = z
  .strictObject({
    id: z.string().regex(KEBAB_CASE, 'must be kebab-case (a-z, 0-9 and single dashes), e.g. "figensoft"'),
    accounts: z.array(FakeAccountSchema).min(1, 'must list at least one account').optional(),
    maxRecipientsPerRequest: z.number().int('must be an integer').min(1, 'must be at least 1').default(800),
    encodings: z.array(EncodingSchema).min(1, 'must list at least one encoding').default([...EncodingSchema.options]),
    scheduling: z.boolean().default(false),
    /** Takes Turkish numbers (+90) only (ProviderCapabilities.turkishNumbersOnly). */
    turkishNumbersOnly: z.boolean().default(false),
    script: FakeScriptSchema.default([]),
    /** The step used once an array script has run out. */
    fallback: FakeStepSchema.default({ type: 'accept' }),
  })
  .transform((options, ctx) => {
    const accounts = options.accounts ?? defaultAccounts(options.id);
    const seen = new Set<string>();
    accounts.forEach((account, index) => {
      if (seen.has(account.accountId)) {
        ctx.addIssue({ code: 'custom', path: ['accounts', index, 'accountId'], message: `"${account.accountId}" is used by another account` });
      }
      seen.add(account.accountId);
    });
    return { ...options, accounts, encodings: [...new Set(options.encodings)] };
  });
export type FakeProviderOptionsInput = z.input<typeof FakeProviderOptionsSchema>;
export type FakeProviderOptions = z.output<typeof FakeProviderOptionsSchema>;

function defaultAccounts(id: string): FakeAccount[] {
  return [
    { accountId: `${id}-notification`, iysType: 'NOTIFICATION', senders: ['ROTA'] },
    { accountId: `${id}-campaign`, iysType: 'CAMPAIGN', senders: ['ROTA'] },
  ];
}

/** Parses fake-provider options, or throws an error naming every bad field and why. */
export function parseFakeProviderOptions(input: unknown): FakeProviderOptions {
  const parsed = FakeProviderOptionsSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new TypeError(`invalid fake provider options: ${formatIssues(parsed.error)}`);
}

/** Validates what a script function returned, so a bad step fails loudly instead of behaving oddly. */
export function parseScriptedStep(input: unknown, providerId: string): FakeStep {
  const parsed = FakeStepSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new TypeError(`fake provider "${providerId}": the script function returned an invalid step: ${formatIssues(parsed.error)}`);
}

function formatIssues(error: z.ZodError): string {
  return toValidationIssues(error)
    .map((issue) => `${issue.path}: ${issue.reason}`)
    .join('; ');
}

/** Parses a script for `setScript`, with the same errors as the options. */
export function parseFakeScript(script: unknown, fallback: unknown): { script: FakeScript; fallback?: FakeStep | undefined } {
  const parsed = z
    .strictObject({ script: FakeScriptSchema, fallback: FakeStepSchema.optional() })
    .safeParse({ script, fallback });
  if (parsed.success) return parsed.data;
  throw new TypeError(`invalid fake provider script: ${formatIssues(parsed.error)}`);
}
