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
/**
 * A quote this long of the start of a wire form is the text, cut: providers' error builders cut
 * what the provider said (at 80–117 characters), so a long text reaches a reason only in part.
 */
const MIN_CUT = 16;
const OTP_DIGITS = /\d{4,}/g;

/** `reason` without `message`'s text (or an OTP's code) in it. */
export function withoutMessageText(reason: string, message: Pick<Message, 'text' | 'otp'>): string {
  const { text } = message;
  let scrubbed = reason;
  if (text.length >= MIN_TEXT) {
    const forms = wireForms(text);
    for (const form of forms) if (scrubbed.includes(form)) scrubbed = scrubbed.replaceAll(form, TEXT);
    for (const form of forms) if (form.length > MIN_CUT) scrubbed = withoutCutQuotes(scrubbed, form);
  }
  if (message.otp) {
    for (const code of text.match(OTP_DIGITS) ?? []) scrubbed = scrubbed.replaceAll(code, CODE);
  }
  return scrubbed;
}

/**
 * `reason` without a quote of `form`'s first MIN_CUT or more characters that ends where a cut
 * ends (`...`, `…`, or the reason's end). A run that goes on otherwise is another text.
 */
function withoutCutQuotes(reason: string, form: string): string {
  const head = form.slice(0, MIN_CUT);
  let from = reason.indexOf(head);
  while (from !== -1) {
    let length = MIN_CUT;
    while (from + length < reason.length && length < form.length && reason[from + length] === form[length]) length += 1;
    const rest = reason.slice(from + length);
    if (rest === '' || rest.startsWith('...') || rest.startsWith('…')) {
      reason = `${reason.slice(0, from)}${TEXT}${rest}`;
      from = reason.indexOf(head, from + TEXT.length);
    } else {
      from = reason.indexOf(head, from + 1);
    }
  }
  return reason;
}

/**
 * The text as wires carry it, each once, the longest first (one may hold another): as it is; as a
 * JSON string, with non-ASCII as it is or escaped (`\\u015f`, as PHP, Python and .NET write it,
 * .NET and Gson also `'` and the like, PHP also `/`); percent-encoded as a URL component, a form
 * body or by rawurlencode, in either case of hex; in XML, with quotes escaped or not.
 */
function wireForms(text: string): string[] {
  const json = JSON.stringify(text).slice(1, -1);
  const jsonAscii = json.replace(/[\u0080-\uffff]/g, unicodeEscape);
  // .NET and Gson escape these too, as \u0027 and the like; PHP writes / as \/.
  const jsonStrict = jsonAscii.replace(/['<>&+]/g, unicodeEscape);
  const component = encodeURIComponent(text);
  const form = new URLSearchParams([['', text]]).toString().slice(1);
  // PHP's rawurlencode and Python's quote(safe='') also escape ! ' ( ) *.
  const raw = component.replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
  const xmlText = text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
  const forms = new Set([
    text,
    json,
    jsonAscii,
    upperCaseEscapes(jsonAscii),
    jsonStrict,
    upperCaseEscapes(jsonStrict),
    jsonAscii.replaceAll('/', '\\/'),
    component.replaceAll('%20', '+'),
    xmlText,
    xmlText.replaceAll('"', '&quot;').replaceAll("'", '&apos;'),
  ]);
  for (const encoded of [component, form, raw]) forms.add(encoded).add(encoded.replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase()));
  return [...forms].sort((a, b) => b.length - a.length);
}

/** A character as a JSON `\\u` escape, lower-case hex (`\\u015f`). */
function unicodeEscape(char: string): string {
  return `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/** The same escapes with upper-case hex (`\\u015F`), as .NET writes them. */
function upperCaseEscapes(json: string): string {
  return json.replace(/\\u[0-9a-f]{4}/g, (escape) => `\\u${escape.slice(2).toUpperCase()}`);
}
