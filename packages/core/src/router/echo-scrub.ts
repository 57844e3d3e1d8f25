import type { Message } from '@rota/provider';

/*
 * A provider's error text can quote the request back (a real one did in a
 * probe: its 401 and 452 answers carried the text and the number). Rota
 * keeps that text as the attempt's reason — in the ledger, the API's view,
 * the logs, the webhooks — where an SMS text, above all an OTP's, must never
 * be. So each reason loses the message's text as it was sent, in the ways a
 * wire encodes it, and an OTP's reason every run of its digits too (a
 * provider that quotes a cut text still quotes the code).
 */

const TEXT = '[message text]';
const CODE = '[code]';
/** Shorter texts would blank out ordinary words of the provider's own. */
const MIN_TEXT = 4;
const OTP_DIGITS = /\d{4,}/g;

/** `reason` without `message`'s text (or an OTP's code) in it. */
export function withoutMessageText(reason: string, message: Pick<Message, 'text' | 'otp'>): string {
  const { text } = message;
  let scrubbed = reason;
  if (text.length >= MIN_TEXT) {
    for (const form of wireForms(text)) if (scrubbed.includes(form)) scrubbed = scrubbed.replaceAll(form, TEXT);
  }
  if (message.otp) {
    for (const code of text.match(OTP_DIGITS) ?? []) scrubbed = scrubbed.replaceAll(code, CODE);
  }
  return scrubbed;
}

/** The text as a JSON string, a URL query, a form body and XML carry it: each once, the longest first (one may hold another). */
function wireForms(text: string): string[] {
  const component = encodeURIComponent(text);
  const forms = new Set([
    text,
    JSON.stringify(text).slice(1, -1),
    component,
    component.replaceAll('%20', '+'),
    text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&apos;'),
  ]);
  return [...forms].sort((a, b) => b.length - a.length);
}
