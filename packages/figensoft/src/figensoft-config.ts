import { apiUrlProblem, apiUrlSchema, IysTypeSchema, SenderIdSchema } from '@rota/provider';
import { z } from 'zod';
import { DEFAULT_CONNECTIONS } from './figensoft-client.js';

/**
 * FigenSoft's configuration, as an operator writes it: one account per IYS
 * message type, with exactly the fields of the FigenSoft connector
 * (username, password, smsIysMessageType, senderList, customApiActive,
 * customApiUrl), plus transport settings shared by the accounts.
 */

/** How an account is named in error messages: by username, never by password. */
function accountLabel(value: unknown): string {
  const username = (value as { username?: unknown } | null)?.username;
  return typeof username === 'string' && username.length > 0 ? `account "${username}"` : 'account (no username)';
}

/** Missing, or given as another type (`password: 12345678`): each said as it is, never with the value. */
const requiredString = (issue: { input: unknown }): string => (issue.input === undefined ? 'is required (a string)' : 'must be a string (quote it)');

export const FigenSoftAccountSchema = z
  .strictObject({
    username: z.string({ error: requiredString }).min(1, 'must not be empty').describe('FigenSoft API username'),
    password: z.string({ error: requiredString }).min(1, 'must not be empty').describe('FigenSoft API password (use ${ENV_VAR})'),
    smsIysMessageType: IysTypeSchema.describe('The IYS message type this account sends; one account per type'),
    senderList: z
      .array(SenderIdSchema, { error: 'is required (a list of sender IDs)' })
      .min(1, 'must list at least one sender ID')
      .describe('Approved sender IDs; the first is the default'),
    customApiActive: z.boolean().default(false).describe('Use customApiUrl instead of the public FigenSoft API'),
    /** Read only when customApiActive is true. */
    customApiUrl: z.string().optional().describe('API base URL when customApiActive is true (https, or http on loopback)'),
  })
  // Runs even when fields failed (`when`), so that every issue of an account —
  // a missing password included — names the account it belongs to.
  .superRefine(
    (account, ctx) => {
      const label = accountLabel(account);
      for (const issue of ctx.issues as { message?: string }[]) {
        const message = issue.message ?? z.core.util.finalizeIssue(issue as z.core.$ZodRawIssue, undefined, z.config()).message;
        issue.message = `${label}: ${message}`;
      }
      // With `when`, the value may be raw input: look before touching it.
      const raw = account as { customApiActive?: unknown; customApiUrl?: unknown } | null;
      if (raw && typeof raw === 'object' && raw.customApiActive === true) {
        const problem =
          raw.customApiUrl === undefined
            ? 'is required when customApiActive is true'
            : typeof raw.customApiUrl === 'string'
              ? apiUrlProblem(raw.customApiUrl)
              : undefined; // a non-string already has its own issue
        if (problem) ctx.addIssue({ code: 'custom', path: ['customApiUrl'], message: `${label}: ${problem}` });
      }
    },
    { when: () => true },
  );

export type FigenSoftAccount = z.output<typeof FigenSoftAccountSchema>;
export type FigenSoftAccountInput = z.input<typeof FigenSoftAccountSchema>;

export const FigenSoftConfigSchema = z
  .strictObject({
    accounts: z.array(FigenSoftAccountSchema).min(1, 'must list at least one FigenSoft account'),
    /** Keep-alive connections per API origin. */
    connections: z.number().int().min(1).max(1_024).default(DEFAULT_CONNECTIONS).describe('Keep-alive connections per API origin'),
    /** Send `Channel: "OTP"` for messages marked otp. ASSUMPTION: whether FigenSoft needs it is a guess. */
    otpChannel: z.boolean().default(false).describe('Send Channel "OTP" for messages marked otp'),
    /** Where otp messages go instead of the account's URL, e.g. https://otpsms.postaguvercini.com/api_json. */
    otpBaseUrl: apiUrlSchema('must be a string (an https URL)').optional().describe('Where otp messages go instead of the account URL'),
    /**
     * FigenSoft is not known to push delivery reports; the sandbox can. A push
     * is taken only when its URL carries this token (FigenSoft signs nothing).
     */
    pushToken: z
      .string({ error: 'must be a string' })
      .min(24, 'must be at least 24 characters')
      .optional()
      .describe('Secret a pushed delivery report must carry in its URL (?token=); use ${ENV_VAR}. Without it, pushes are refused.'),
  })
  .superRefine((config, ctx) => {
    // zod runs this even when an account has a non-fatal issue (an empty senderList), so look before reading.
    if (!Array.isArray(config.accounts)) return;
    const seen = new Map<string, number>();
    config.accounts.forEach((account, index) => {
      if (typeof account?.smsIysMessageType !== 'string') return;
      const first = seen.get(account.smsIysMessageType);
      if (first === undefined) {
        seen.set(account.smsIysMessageType, index);
        return;
      }
      const other = config.accounts[first];
      ctx.addIssue({
        code: 'custom',
        path: ['accounts', index, 'smsIysMessageType'],
        message:
          `${accountLabel(account)}: IYS type ${account.smsIysMessageType} is already served by ` +
          `${accountLabel(other)} (accounts.${first}); configure one account per IYS type`,
      });
    });
  });

export type FigenSoftConfig = z.output<typeof FigenSoftConfigSchema>;
export type FigenSoftConfigInput = z.input<typeof FigenSoftConfigSchema>;

/**
 * The id the router knows an account by (its breaker, its metrics). Derived
 * from the IYS type rather than the username so that rotating credentials
 * does not reset the breaker or split the metrics; unique because the schema
 * allows one account per IYS type.
 */
export function figensoftAccountId(iysType: z.infer<typeof IysTypeSchema>): string {
  return `figensoft-${iysType.toLowerCase()}`;
}
