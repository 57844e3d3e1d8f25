import { SenderIdSchema, SimulateSchema } from '@rota/provider';
import { z } from 'zod';

/**
 * Twilio's configuration, as an operator writes it: the connector's fields
 * (accountSid, authToken, fromAddresses) for one Twilio account. While
 * fromAddresses is empty the connector is inactive: configured, but it
 * offers to send nothing.
 *
 * There is no IYS setting: Twilio sends NOTIFICATION traffic only (see
 * `TWILIO_IYS_TYPES`).
 */

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

export const TwilioConfigSchema = z.strictObject({
  accountSid: z
    .string({ error: 'is required (a string starting with AC)' })
    .regex(ACCOUNT_SID, 'must be "AC" followed by 32 hexadecimal characters')
    .describe('Twilio Account SID (AC followed by 32 hex characters).'),
  authToken: z.string({ error: 'is required (a string)' }).min(1, 'must not be empty').describe('Twilio auth token (use ${ENV_VAR}).'),
  fromAddresses: z
    .array(FromAddressSchema, { error: 'is required (a list of sender IDs; empty leaves the connector inactive)' })
    .describe('Registered alphanumeric sender IDs; the first is the default. Empty: the connector is inactive.'),
  simulate: SimulateSchema.optional().describe('DEVELOPMENT ONLY: a transport that accepts or fails without sending anything.'),
});

export type TwilioConfig = z.output<typeof TwilioConfigSchema>;
export type TwilioConfigInput = z.input<typeof TwilioConfigSchema>;
