import { apiUrlSchema, checkSenderIysOverlap, IysTypeListSchema, SenderIdSchema, SimulateSchema } from '@rota/provider';
import { DEFAULT_CONNECTIONS } from '@rota/provider/http';
import { z } from 'zod';

/**
 * Infobip's configuration, as an operator writes it: the connector's fields
 * (apiKey, from, baseUrl) per account, Rota's `iysTypes` and the İYS brand
 * code, and where Infobip pushes delivery reports.
 *
 * `iysTypes` defaults to NOTIFICATION only: a CAMPAIGN message goes only
 * through an account declared to have its commercial traffic checked against
 * İYS consent, which for Infobip is promotional traffic to Turkey sent with
 * `options.regional.turkeyIys` (the client sets it). List CAMPAIGN for an
 * account whose Infobip contract covers that check.
 */

const BaseUrlSchema = apiUrlSchema("is required (your account's API base URL, e.g. https://xxxxx.api.infobip.com)");

export const InfobipAccountSchema = z.strictObject({
  apiKey: z.string({ error: 'is required (a string)' }).min(1, 'must not be empty').describe('Infobip API key (use ${ENV_VAR}).'),
  from: SenderIdSchema.describe('The sender ID messages go out with.'),
  baseUrl: BaseUrlSchema.describe("Your account's API base URL, e.g. https://xxxxx.api.infobip.com."),
  iysTypes: IysTypeListSchema.default(['NOTIFICATION']).describe(
    'IYS message types this account sends; add CAMPAIGN only for an account whose promotional traffic to Turkey Infobip checks against İYS.',
  ),
  brandCode: z
    .number({ error: 'must be a whole number (the İYS brand code)' })
    .int('must be a whole number (the İYS brand code)')
    .positive('must be positive')
    .optional()
    .describe('The İYS brand code CAMPAIGN messages carry in options.regional.turkeyIys.brandCode.'),
});

export type InfobipAccount = z.output<typeof InfobipAccountSchema>;
export type InfobipAccountInput = z.input<typeof InfobipAccountSchema>;

export const InfobipConfigSchema = z
  .strictObject({
    accounts: z
      .array(InfobipAccountSchema, { error: 'is required (a list of Infobip accounts)' })
      .min(1, 'must list at least one Infobip account')
      .superRefine((accounts, ctx) => checkSenderIysOverlap(accounts.map(({ from, iysTypes }) => ({ sender: from, iysTypes })), ctx)),
    connections: z.number().int().min(1).max(1_024).default(DEFAULT_CONNECTIONS).describe('Keep-alive connections to the API, per account (each account has its own pool).'),
    /**
     * Where Infobip pushes delivery reports: every send names it in
     * `webhooks.delivery.url`, with `?token=<pushToken>` appended (Infobip
     * signs nothing it pushes to a per-message URL).
     */
    deliveryReportUrl: apiUrlSchema('must be a string (an https URL)')
      .optional()
      .describe("Rota's URL for Infobip's pushed delivery reports, e.g. https://rota.example/v1/providers/infobip/reports; ?token=<pushToken> is appended."),
    pushToken: z
      .string({ error: 'must be a string' })
      .min(24, 'must be at least 24 characters')
      .optional()
      .describe('Secret a pushed delivery report must carry in its URL (?token=); use ${ENV_VAR}. Without it, pushes are refused.'),
    simulate: SimulateSchema.optional().describe('DEVELOPMENT ONLY: a transport that accepts or fails without sending anything.'),
  })
  .superRefine((config, ctx) => {
    if (config.deliveryReportUrl !== undefined && config.pushToken === undefined) {
      ctx.addIssue({ code: 'custom', path: ['pushToken'], message: 'is required with deliveryReportUrl (Infobip signs nothing: the URL carries this secret)' });
    }
  });

export type InfobipConfig = z.output<typeof InfobipConfigSchema>;
export type InfobipConfigInput = z.input<typeof InfobipConfigSchema>;
