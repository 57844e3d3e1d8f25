import { apiUrlSchema, IysTypeSchema, SenderIdSchema, SimulateSchema } from '@rota/provider';
import { DEFAULT_CONNECTIONS } from '@rota/provider/http';
import { z } from 'zod';

/**
 * Mobildev's configuration, as an operator writes it: the connector's fields
 * (companyCode, username, password, senderList, encoding, smsIysMessageType),
 * one account per IYS message type, as with FigenSoft.
 */

export const MOBILDEV_DEFAULT_BASE_URL = 'https://xmlapi.mobildev.com';

/**
 * The connector's encoding setting. Only these two are known from the
 * connector documentation; add a value here (and to `MOBILDEV_ENCODINGS`)
 * when Mobildev's API confirms another.
 */
export const MobildevEncodingSchema = z.enum(['UTF-8', 'GSM7'], { error: 'must be "UTF-8" or "GSM7"' });
export type MobildevEncoding = z.infer<typeof MobildevEncodingSchema>;

/**
 * A credential goes into the XML body as written: a line break (a CR from a Windows .env file)
 * would reach Mobildev as LF and the login fail with no sign why; a control character or a
 * noncharacter makes the body not well-formed.
 */
const XmlCredentialSchema = z
  .string({ error: 'is required (a string)' })
  .min(1, 'must not be empty')
  .refine((value) => !/[\u0000-\u001f\u007f\ufffe\uffff]/.test(value), 'must not contain line breaks, tabs, control characters or U+FFFE/U+FFFF (an XML body cannot carry them as written)');

export const MobildevAccountSchema = z.strictObject({
  /**
   * Mobildev's customer number, on legacy accounts: the request's UserName is
   * then `username-companyCode`. A string: a YAML number would lose leading zeros.
   * Leave it out for an account whose API key goes in `username` as it is.
   */
  companyCode: z
    .string({ error: 'must be a string (quote it so that leading zeros survive)' })
    .trim()
    .min(1, 'must not be empty')
    .optional()
    .describe('Mobildev company (customer) code, quoted; the UserName sent is username-companyCode. Leave it out for an API-key account.'),
  username: XmlCredentialSchema.describe('Mobildev API username, or the API key of a newer account.'),
  password: XmlCredentialSchema.describe('Mobildev API password, or the API secret (use ${ENV_VAR}).'),
  senderList: z
    .array(SenderIdSchema, { error: 'is required (a list of sender IDs)' })
    .min(1, 'must list at least one sender ID')
    .describe('Sender IDs approved for this account; the first is the default.'),
  encoding: MobildevEncodingSchema.default('UTF-8').describe('UTF-8 carries any text; GSM7 only texts without Turkish-only letters.'),
  smsIysMessageType: IysTypeSchema.describe('The IYS message type this account sends; one account per type.'),
});

export type MobildevAccount = z.output<typeof MobildevAccountSchema>;
export type MobildevAccountInput = z.input<typeof MobildevAccountSchema>;

export const MobildevConfigSchema = z
  .strictObject({
    accounts: z.array(MobildevAccountSchema, { error: 'is required (a list of Mobildev accounts)' }).min(1, 'must list at least one Mobildev account'),
    baseUrl: apiUrlSchema('must be a string (an https URL)').default(MOBILDEV_DEFAULT_BASE_URL).describe('The XML API URL; default https://xmlapi.mobildev.com.'),
    connections: z.number().int().min(1).max(1_024).default(DEFAULT_CONNECTIONS).describe('Keep-alive connections to the API, per account (each account has its own pool).'),
    simulate: SimulateSchema.optional().describe('DEVELOPMENT ONLY: a transport that accepts or fails without sending anything.'),
  })
  // Mobildev accounts are credentialed per IYS type (a CAMPAIGN account is the one whose traffic is consent-checked).
  .superRefine((config, ctx) => {
    const first = new Map<string, number>();
    config.accounts.forEach((account, index) => {
      const earlier = first.get(account.smsIysMessageType);
      if (earlier === undefined) {
        first.set(account.smsIysMessageType, index);
        return;
      }
      ctx.addIssue({
        code: 'custom',
        path: ['accounts', index, 'smsIysMessageType'],
        message: `IYS type ${account.smsIysMessageType} is already served by accounts.${earlier}; configure one account per IYS type`,
      });
    });
  });

export type MobildevConfig = z.output<typeof MobildevConfigSchema>;
export type MobildevConfigInput = z.input<typeof MobildevConfigSchema>;
