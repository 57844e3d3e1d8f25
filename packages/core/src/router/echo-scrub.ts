import type { Message } from '@rota/provider';

/*
 * A provider's error text can quote the request back (a real one did in a
 * probe: its 401 and 452 answers carried the text and the number). Rota
 * keeps that text as the attempt's reason — in the ledger, the API's view,
 * the logs, the webhooks — where an SMS text, above all an OTP's, must never
 * be. So each reason loses the message's text as it was sent, in the ways a
 * wire encodes it, and an OTP's reason every run of its digits too (a
 * provider that quotes a cut text still quotes the code; a number holding
 * those digits is masked with it, which hides more, never less).
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

/**
 * The text as wires carry it, each once, the longest first (one may hold another): as it is; as a
 * JSON string, with non-ASCII as it is or escaped (`\\u015f`, as PHP, Python and .NET write it);
 * percent-encoded as a URL component and as a form body, in either case of hex; in XML, with
 * quotes escaped or not.
 */
function wireForms(text: string): string[] {
  const json = JSON.stringify(text).slice(1, -1);
  const jsonAscii = json.replace(/[\u0080-\uffff]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
  const component = encodeURIComponent(text);
  const form = new URLSearchParams([['', text]]).toString().slice(1);
  const xmlText = text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
  const forms = new Set([
    text,
    json,
    jsonAscii,
    jsonAscii.replace(/\\u[0-9a-f]{4}/g, (escape) => escape.toUpperCase().replace('\\U', '\\u')),
    component,
    component.replaceAll('%20', '+'),
    form,
    xmlText,
    xmlText.replaceAll('"', '&quot;').replaceAll("'", '&apos;'),
  ]);
  for (const encoded of [component, form]) forms.add(encoded.replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase()));
  return [...forms].sort((a, b) => b.length - a.length);
}
