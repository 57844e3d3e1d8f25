import { z } from 'zod';
import { issueReason, IysTypeSchema, toldIssues } from '@rota/provider';
import { InfobipWireSchema } from './wires/infobip-wire.js';
import { MessageCenterWireSchema } from './wires/message-center-wire.js';
import { MobildevWireSchema } from './wires/mobildev-wire.js';
import { TwilioWireSchema } from './wires/twilio-wire.js';

// The form FigenSoft expects on the wire: country code + national number, no '+'.
const WireNumberSchema = z.string().regex(/^90\d{10}$/, 'must be a number written as 90XXXXXXXXXX (12 digits)');

export const SandboxAccountSchema = z.strictObject({
  username: z.string().min(1, 'must not be empty'),
  password: z.string().min(1, 'must not be empty'),
  iysType: IysTypeSchema,
  senders: z.array(z.string().min(1, 'must not be empty').max(11, 'must be at most 11 characters')).min(1, 'must list at least one sender'),
  credit: z.number().int('must be a whole number').min(0, 'must not be negative').default(1_000_000),
});
export type SandboxAccount = z.infer<typeof SandboxAccountSchema>;
export type SandboxAccountInput = z.input<typeof SandboxAccountSchema>;

export const SandboxConsentSchema = z.strictObject({
  approved: z.array(WireNumberSchema).default([]),
  optedOut: z.array(WireNumberSchema).default([]),
});
export type SandboxConsent = z.infer<typeof SandboxConsentSchema>;

/** A partial consent update: only the lists given are replaced. */
export const SandboxConsentUpdateSchema = z.strictObject({
  approved: z.array(WireNumberSchema).optional(),
  optedOut: z.array(WireNumberSchema).optional(),
});
export type SandboxConsentUpdate = z.infer<typeof SandboxConsentUpdateSchema>;

const Fraction = z.number().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1');

/**
 * How deliveries end, as shares of the messages that pass the consent check:
 * the rest are delivered. Each message's lot is drawn from its id, so a run
 * is repeatable.
 */
export const SandboxOutcomesSchema = z
  .strictObject({ undelivered: Fraction.default(0), expired: Fraction.default(0), unknown: Fraction.default(0) })
  .refine((o) => o.undelivered + o.expired + o.unknown <= 1, 'the shares must add up to at most 1');
export type SandboxOutcomes = z.infer<typeof SandboxOutcomesSchema>;
export type SandboxOutcomesInput = z.input<typeof SandboxOutcomesSchema>;

export const SandboxOptionsSchema = z
  .strictObject({
    /** FigenSoft's accounts (the sandbox's first wire; its API under /api_json). */
    accounts: z
      .array(SandboxAccountSchema)
      .default([])
      .superRefine((accounts, ctx) => {
        const seen = new Set<string>();
        accounts.forEach((account, index) => {
          if (seen.has(account.username)) {
            ctx.addIssue({ code: 'custom', path: [index, 'username'], message: `duplicates username "${account.username}"` });
          }
          seen.add(account.username);
        });
      }),
    /** İleti Merkezi's wire, under /message-center. */
    messageCenter: MessageCenterWireSchema.optional(),
    /** Infobip's wire, under /infobip. */
    infobip: InfobipWireSchema.optional(),
    /** Twilio's wire, under /twilio. */
    twilio: TwilioWireSchema.optional(),
    /** Mobildev's wire, under /mobildev. */
    mobildev: MobildevWireSchema.optional(),
    host: z.string().min(1, 'must not be empty').default('127.0.0.1'),
    port: z.number().int('must be a whole number').min(0, 'must be 0..65535').max(65535, 'must be 0..65535').default(0),
    deliveryDelayMs: z.number().int('must be a whole number').min(0, 'must not be negative').default(200),
    /** Shared by every wire: a commercial message to a number not approved (or opted out) is refused by the wire's own codes. */
    consent: SandboxConsentSchema.default({ approved: [], optedOut: [] }),
    outcomes: SandboxOutcomesSchema.default({ undelivered: 0, expired: 0, unknown: 0 }),
    /** Push mode: each message's final status is also posted to this URL (FigenSoft itself is not known to push). */
    pushUrl: z.url('must be an absolute URL').optional(),
    maxRecords: z.number().int('must be a whole number').min(1, 'must be at least 1').default(1_000_000),
  })
  .superRefine((options, ctx) => {
    if (options.accounts.length === 0 && !options.messageCenter && !options.infobip && !options.twilio && !options.mobildev) {
      ctx.addIssue({ code: 'custom', path: ['accounts'], message: 'must hold at least one account (FigenSoft), unless another wire has accounts' });
    }
  });
export type SandboxOptions = z.infer<typeof SandboxOptionsSchema>;
export type SandboxOptionsInput = z.input<typeof SandboxOptionsSchema>;

/** `accounts.1.username: duplicates username "x"; port: must be 0..65535` — names every field at fault. */
export function describeIssues(error: z.ZodError): string {
  return issueList(error)
    .map((issue) => `${issue.path}: ${issue.message}`)
    .join('; ');
}

export function issueList(error: z.ZodError): { path: string; message: string }[] {
  return toldIssues(error.issues).map((issue) => ({ path: issue.path.map(String).join('.') || '(root)', message: issueReason(issue) }));
}

export function parseOrThrow<T extends z.ZodType>(schema: T, input: unknown, what: string): z.infer<T> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new Error(`Invalid ${what}: ${describeIssues(parsed.error)}`);
  return parsed.data;
}
