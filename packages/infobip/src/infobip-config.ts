import { apiUrlSchema, IysTypeListSchema, SenderIdSchema, SimulateSchema, checkSenderIysOverlap } from '@rota/provider';
import { z } from 'zod';

/**
 * Infobip's configuration, as an operator writes it: the connector's fields
 * (apiKey, from, baseUrl) per account.
 *
 * `iysTypes` is Rota's, not the connector's, and defaults to NOTIFICATION
 * only: a CAMPAIGN message must go through an account whose traffic is
 * checked against IYS consent, and whether an Infobip account is depends on
 * its contract. List CAMPAIGN only for an account known to do that check.
 */

const BaseUrlSchema = apiUrlSchema("is required (your account's API base URL, e.g. https://xxxxx.api.infobip.com)");

export const InfobipAccountSchema = z.strictObject({
  apiKey: z.string({ error: 'is required (a string)' }).min(1, 'must not be empty').describe('Infobip API key (use ${ENV_VAR}).'),
  from: SenderIdSchema.describe('The sender ID messages go out with.'),
  baseUrl: BaseUrlSchema.describe("Your account's API base URL, e.g. https://xxxxx.api.infobip.com."),
  iysTypes: IysTypeListSchema.default(['NOTIFICATION']).describe(
    'IYS message types this account sends; add CAMPAIGN only for an account whose traffic is checked against IYS consent.',
  ),
});

export type InfobipAccount = z.output<typeof InfobipAccountSchema>;
export type InfobipAccountInput = z.input<typeof InfobipAccountSchema>;

export const InfobipConfigSchema = z.strictObject({
  accounts: z
    .array(InfobipAccountSchema, { error: 'is required (a list of Infobip accounts)' })
    .min(1, 'must list at least one Infobip account')
    .superRefine((accounts, ctx) => checkSenderIysOverlap(accounts.map(({ from, iysTypes }) => ({ sender: from, iysTypes })), ctx)),
  simulate: SimulateSchema.optional().describe('DEVELOPMENT ONLY: a transport that accepts or fails without sending anything.'),
});

export type InfobipConfig = z.output<typeof InfobipConfigSchema>;
export type InfobipConfigInput = z.input<typeof InfobipConfigSchema>;
