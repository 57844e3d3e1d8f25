import { apiUrlSchema, checkSenderIysOverlap, IysTypeListSchema, SenderIdSchema, SimulateSchema } from '@rota/provider';
import { DEFAULT_CONNECTIONS } from '@rota/provider/http';
import { z } from 'zod';

/**
 * Message Center's (İleti Merkezi) configuration, as an operator writes it:
 * per account the API key and hash the panel issues (Settings → Security →
 * API Access) — or the secret the hash is derived from — and the one approved
 * sender.
 *
 * `iysTypes` is Rota's: Message Center marks each request commercial or not
 * (`iys: "1"` with `iysList`, or `iys: "0"`) and checks İYS consent itself for
 * commercial ones, so one account can carry both NOTIFICATION and CAMPAIGN
 * traffic. By default it does; list one type to keep an account to it.
 */

export const MESSAGE_CENTER_DEFAULT_BASE_URL = 'https://api.iletimerkezi.com';

const secretField = (what: string) => z.string({ error: 'must be a string' }).min(1, 'must not be empty').describe(what);

export const MessageCenterAccountSchema = z
  .strictObject({
    key: z.string({ error: 'is required (a string)' }).min(1, 'must not be empty').describe('API key from the panel (Settings → Security → API Access); use ${ENV_VAR}.'),
    hash: secretField('API hash from the panel, passed as issued; use ${ENV_VAR}. Give either hash or secret.').optional(),
    secret: secretField('API secret, from which the hash is derived (lowercase hex HMAC-SHA256 of the key); use ${ENV_VAR}. Give either hash or secret.').optional(),
    sender: SenderIdSchema.describe('The one sender ID (başlık) approved for this account in the Message Center panel.'),
    iysTypes: IysTypeListSchema.default(['NOTIFICATION', 'CAMPAIGN']).describe(
      'IYS message types this account sends; Message Center flags each request and checks consent for commercial ones, so one account may send both (default).',
    ),
  })
  .superRefine((account, ctx) => {
    const given = [account.hash, account.secret].filter((value) => value !== undefined).length;
    if (given !== 1) {
      ctx.addIssue({ code: 'custom', path: ['hash'], message: given === 0 ? 'is required (or give secret, from which it is derived)' : 'give hash or secret, not both' });
    }
  });

export type MessageCenterAccount = z.output<typeof MessageCenterAccountSchema>;
export type MessageCenterAccountInput = z.input<typeof MessageCenterAccountSchema>;

export const MessageCenterConfigSchema = z.strictObject({
  accounts: z
    .array(MessageCenterAccountSchema, { error: 'is required (a list of Message Center accounts)' })
    .min(1, 'must list at least one Message Center account')
    .superRefine(checkSenderIysOverlap),
  baseUrl: apiUrlSchema('must be a string (an https URL)')
    .default(MESSAGE_CENTER_DEFAULT_BASE_URL)
    .describe('API base URL; API paths (/v1/send-sms/json, …) are appended. Default https://api.iletimerkezi.com.'),
  connections: z.number().int().min(1).max(1_024).default(DEFAULT_CONNECTIONS).describe('Keep-alive connections to the API, per account (each account has its own pool).'),
  /**
   * Message Center signs nothing it pushes, so the notification URL set in its
   * panel carries this secret (`…/v1/providers/message-center/reports?token=…`).
   */
  pushToken: z
    .string({ error: 'must be a string' })
    .min(24, 'must be at least 24 characters')
    .optional()
    .describe('Secret a pushed delivery report must carry in its URL (?token=); use ${ENV_VAR}. Without it, pushes are refused.'),
  simulate: SimulateSchema.optional().describe('DEVELOPMENT ONLY: a transport that accepts or fails without sending anything.'),
});

export type MessageCenterConfig = z.output<typeof MessageCenterConfigSchema>;
export type MessageCenterConfigInput = z.input<typeof MessageCenterConfigSchema>;
