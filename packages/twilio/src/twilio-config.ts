import { apiUrlSchema, IysTypeListSchema, SenderIdSchema, SimulateSchema } from '@rota/provider';
import { DEFAULT_CONNECTIONS } from '@rota/provider/http';
import { z } from 'zod';

/**
 * Twilio's configuration, as an operator writes it: the connector's fields
 * (accountSid, authToken, fromAddresses) for one Twilio account, where Twilio
 * posts status callbacks, and which IYS types the account may carry. While
 * fromAddresses is empty the connector is inactive: configured, but it offers
 * to send nothing.
 *
 * Twilio cannot check İYS consent, so `iysTypes` defaults to NOTIFICATION:
 * a CAMPAIGN message never goes through Twilio unless an operator lists
 * CAMPAIGN, declaring that this account's commercial traffic is checked some
 * other way.
 */

export const TWILIO_DEFAULT_BASE_URL = 'https://api.twilio.com';

const ACCOUNT_SID = /^AC[0-9a-fA-F]{32}$/;

/**
 * A sender ID. Turkish operators take only registered alphanumeric senders
 * from abroad, and Rota's messages name senders by sender ID, so a Twilio
 * phone number has no place here.
 */
const FromAddressSchema = z.string({ error: 'must be a sender ID (a string)' }).superRefine((value, ctx) => {
  if (/^\+?\d{8,}$/.test(value)) {
    ctx.addIssue({ code: 'custom', message: 'must be an alphanumeric sender ID registered with Twilio, not a phone number' });
    return;
  }
  const sender = SenderIdSchema.safeParse(value);
  for (const issue of sender.error?.issues ?? []) ctx.addIssue({ code: 'custom', message: issue.message });
});

/** Where Twilio posts status callbacks: an absolute https URL (http on loopback), no `_` in the host (Twilio's 21609). */
const StatusCallbackUrlSchema = z
  .string({ error: 'must be a string (an https URL)' })
  .superRefine((value, ctx) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be a valid absolute URL' });
      return;
    }
    const loopback = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/.test(url.hostname);
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) ctx.addIssue({ code: 'custom', message: 'must use https (plain http is allowed only on loopback)' });
    if (url.username || url.password) ctx.addIssue({ code: 'custom', message: 'must not contain credentials (user:password@)' });
    if (url.hostname.includes('_')) ctx.addIssue({ code: 'custom', message: 'must not have "_" in the host name (Twilio refuses it: 21609)' });
    if (value.length > 4_000) ctx.addIssue({ code: 'custom', message: 'must be at most 4000 characters' });
  });

export const TwilioConfigSchema = z.strictObject({
  accountSid: z
    .string({ error: 'is required (a string starting with AC)' })
    .regex(ACCOUNT_SID, 'must be "AC" followed by 32 hexadecimal characters')
    .describe('Twilio Account SID (AC followed by 32 hex characters).'),
  authToken: z.string({ error: 'is required (a string)' }).min(1, 'must not be empty').describe('Twilio auth token (use ${ENV_VAR}); it also signs status callbacks.'),
  fromAddresses: z
    .array(FromAddressSchema, { error: 'is required (a list of sender IDs; empty leaves the connector inactive)' })
    .describe('Registered alphanumeric sender IDs; the first is the default. Empty: the connector is inactive.'),
  iysTypes: IysTypeListSchema.default(['NOTIFICATION']).describe(
    'IYS message types this account sends. Twilio cannot check İYS consent: list CAMPAIGN only if this account\'s commercial traffic is checked some other way.',
  ),
  baseUrl: apiUrlSchema('must be a string (an https URL)').default(TWILIO_DEFAULT_BASE_URL).describe('API base URL; default https://api.twilio.com.'),
  connections: z.number().int().min(1).max(1_024).default(DEFAULT_CONNECTIONS).describe('Keep-alive connections to the API.'),
  statusCallbackUrl: StatusCallbackUrlSchema.optional().describe(
    "Rota's URL for Twilio's status callbacks, e.g. https://rota.example/v1/providers/twilio/reports; sent as StatusCallback with every message. Callbacks are verified by X-Twilio-Signature.",
  ),
  simulate: SimulateSchema.optional().describe('DEVELOPMENT ONLY: a transport that accepts or fails without sending anything.'),
});

export type TwilioConfig = z.output<typeof TwilioConfigSchema>;
export type TwilioConfigInput = z.input<typeof TwilioConfigSchema>;
