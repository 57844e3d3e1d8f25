import { IysTypeListSchema, SenderIdSchema, SimulateSchema, checkSenderIysOverlap } from '@rota/core';
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

const LOOPBACK_IPV4 = /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

/** Plain http is allowed only where nothing leaves the machine: 127.0.0.0/8, ::1, localhost. */
function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  return host === 'localhost' || host === '[::1]' || LOOPBACK_IPV4.test(host);
}

/** Why `value` is not an acceptable base URL, or undefined when it is. Never echoes the URL. */
function baseUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be a valid absolute URL, e.g. https://xxxxx.api.infobip.com';
  }
  if (url.username || url.password) return 'must not contain credentials (user:password@); the API key goes in apiKey';
  if (url.search || url.hash) return 'must not have a query or fragment (API paths are appended to it)';
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:') return isLoopbackHost(url.hostname) ? undefined : 'must use https (plain http is allowed only on loopback)';
  return 'must be an https URL';
}

const BaseUrlSchema = z
  .string({ error: 'is required (your account\'s API base URL, e.g. https://xxxxx.api.infobip.com)' })
  .superRefine((value, ctx) => {
    const problem = baseUrlProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  // API paths are appended with a leading slash.
  .transform((value) => value.replace(/\/+$/, ''));

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
