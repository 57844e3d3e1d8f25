import { analyzeText, type SendRequest } from '@rota/provider';

/** The text a test request carries unless it names one. */
export const TEST_TEXT = 'Kodunuz 4711';

/**
 * A `SendRequest` as the router builds one, for tests: the account, sender and
 * recipients named, the text's analysis worked out from the text, and the rest
 * defaulted (NOTIFICATION, BIREYSEL, no OTP) unless given.
 */
export function sendRequest(fields: Pick<SendRequest, 'accountId' | 'sender' | 'recipients'> & Partial<SendRequest>): SendRequest {
  const text = fields.text ?? TEST_TEXT;
  return { text, analysis: analyzeText(text), iysType: 'NOTIFICATION', recipientType: 'BIREYSEL', otp: false, ...fields };
}
