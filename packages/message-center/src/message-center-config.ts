import { IysTypeListSchema, SenderIdSchema, SimulateSchema, checkSenderIysOverlap } from '@rota/provider';
import { z } from 'zod';

/**
 * Message Center's (İleti Merkezi) configuration, as an operator writes it:
 * the connector's fields (username, password, one approved sender) per account.
 *
 * `iysTypes` is Rota's, not the connector's: Message Center marks each request
 * commercial or not (`iys: "1"|"0"`, with `iysList` BIREYSEL/TACIR), so one
 * account can carry both NOTIFICATION and CAMPAIGN traffic. By default it
 * does; list one type to keep an account to it (e.g. a sender approved only
 * for OTP).
 */

export const MessageCenterAccountSchema = z.strictObject({
  username: z.string({ error: 'is required (a string)' }).min(1, 'must not be empty').describe('Message Center API username.'),
  password: z.string({ error: 'is required (a string)' }).min(1, 'must not be empty').describe('Message Center API password (use ${ENV_VAR}).'),
  sender: SenderIdSchema.describe('The one sender ID (başlık) approved for this account in the Message Center panel.'),
  iysTypes: IysTypeListSchema.default(['NOTIFICATION', 'CAMPAIGN']).describe(
    'IYS message types this account sends; Message Center flags each request, so one account may send both (default).',
  ),
});

export type MessageCenterAccount = z.output<typeof MessageCenterAccountSchema>;
export type MessageCenterAccountInput = z.input<typeof MessageCenterAccountSchema>;

export const MessageCenterConfigSchema = z.strictObject({
  accounts: z
    .array(MessageCenterAccountSchema, { error: 'is required (a list of Message Center accounts)' })
    .min(1, 'must list at least one Message Center account')
    .superRefine(checkSenderIysOverlap),
  simulate: SimulateSchema.optional().describe('DEVELOPMENT ONLY: a transport that accepts or fails without sending anything.'),
});

export type MessageCenterConfig = z.output<typeof MessageCenterConfigSchema>;
export type MessageCenterConfigInput = z.input<typeof MessageCenterConfigSchema>;
