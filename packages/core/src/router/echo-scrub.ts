import { escapedForms, type Message } from '@rota/provider';
import { decodedEscapes } from './decoded-escapes.js';

/*
 * A provider's error text can quote the request back (a real one did in a
 * probe: its 401 and 452 answers carried the text and the number). Rota
 * keeps that text as the attempt's reason — in the ledger, the API's view,
 * the logs, the webhooks — where an SMS text, above all an OTP's, must never
 * be. So each reason loses the message's text as it was sent, in the ways a
 * wire encodes it, and an OTP's reason every run of its digits too (a
 * provider that quotes a cut text still quotes the code; a number holding
 * those digits is masked with it, which hides more, never less). Every phone
 * number goes too: a request may carry other recipients than the one whose
 * reason this is — other clients' when the ledger sends like messages of
 * several in one request — and a number erased later must not stay behind in
 * another message's reason.
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
const NUMBER = '[number]';
/**
 * Nine digits or more, a + before them or not, standing alone (not inside an id of letters and
 * digits, such as a UUID or a hex SID): every MSISDN form a wire writes.
 */
const NUMBER_LIKE = /(?<![0-9A-Za-z])\+?\d{9,}(?![0-9A-Za-z])/g;

/** `reason` without `message`'s text (or an OTP's code) or any phone number in it. */
export function withoutEchoes(reason: string, message: Pick<Message, 'text' | 'otp'>): string {
  return withoutMessageText(reason, message).replace(NUMBER_LIKE, NUMBER);
}

/** `reason` without `message`'s text (or an OTP's code) in it. */
function withoutMessageText(reason: string, message: Pick<Message, 'text' | 'otp'>): string {
  const { text } = message;
  let scrubbed = reason;
  if (text.length >= MIN_TEXT) {
    const forms = escapedForms(text);
    for (const form of forms) if (scrubbed.includes(form)) scrubbed = scrubbed.replaceAll(form, TEXT);
    for (const form of forms) if (form.length > MIN_CUT) scrubbed = withoutCutQuotes(scrubbed, form);
    if (text.length >= MIN_CUT) scrubbed = withoutSharedRuns(scrubbed, text);
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
 * What escapedForms misses — an escaping it does not list (`&#351;`, `%0D%0A`), a quote cut
 * anywhere but at the start — is found in the reason decoded (decodedEscapes): any run of
 * MIN_CUT or more characters it shares with the text is the text. The reason is then given
 * decoded, with those runs blanked; one that shares none is left as it was.
 */
function withoutSharedRuns(reason: string, text: string): string {
  const decoded = decodedEscapes(reason);
  if (decoded.length < MIN_CUT || !mayShareRun(decoded, text)) return reason;
  const grams = new Set<string>();
  for (let at = 0; at + MIN_CUT <= text.length; at += 1) grams.add(text.slice(at, at + MIN_CUT));
  // Marks each character of the decoded reason that lies in a shared run.
  const shared = new Uint8Array(decoded.length);
  let found = false;
  for (let at = 0; at + MIN_CUT <= decoded.length; at += 1) {
    if (!grams.has(decoded.slice(at, at + MIN_CUT))) continue;
    shared.fill(1, at, at + MIN_CUT);
    found = true;
  }
  if (!found) return reason;
  let out = '';
  for (let at = 0; at < decoded.length; at += 1) {
    if (!shared[at]) out += decoded[at];
    else if (at === 0 || !shared[at - 1]) out += TEXT;
  }
  // Decoding may have made control characters of escapes (`%00`, `\u0000`, `\n` in a path): a NUL
  // is no text a PostgreSQL column takes, and the result's write would fail. A space each.
  return out.replace(/[\u0000-\u001f\u007f]/g, ' ');
}

/**
 * A quick no for nearly every reason, which quotes nothing: a run of MIN_CUT characters shared
 * with the text holds a half-length piece of the text that starts at a multiple of half its
 * length, and that piece is somewhere in the reason. The reason's pieces are few; the text's
 * are looked up at that stride only.
 */
function mayShareRun(decoded: string, text: string): boolean {
  const half = MIN_CUT / 2;
  const pieces = new Set<string>();
  for (let at = 0; at + half <= decoded.length; at += 1) pieces.add(decoded.slice(at, at + half));
  for (let at = 0; at + half <= text.length; at += half) if (pieces.has(text.slice(at, at + half))) return true;
  return false;
}
