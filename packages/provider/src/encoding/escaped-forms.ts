/*
 * A string as a wire or an error builder may write it back. A provider's
 * error can quote its request — the message's text (which the router keeps
 * out of attempt reasons), or FigenSoft's body with the account's password
 * (which the FigenSoft package keeps out of errors) — escaped as that
 * provider's stack escapes it. Both look for the same list of forms.
 */

/**
 * `text` as wires carry it, each once, the longest first (one may hold another): as it is; as a
 * JSON string, with non-ASCII as it is or escaped (`\\u015f`, as PHP, Python and .NET write it,
 * .NET and Gson also `'` and the like, in either case of hex; PHP also `/` as `\\/`);
 * percent-encoded as a URL component, a form body or by rawurlencode, in either case of hex; in
 * XML, with quotes bare (text), `"` escaped or both (attributes).
 */
export function escapedForms(text: string): string[] {
  const json = JSON.stringify(text).slice(1, -1);
  const jsonAscii = json.replace(/[\u0080-\uffff]/g, unicodeEscape);
  // .NET and Gson escape these too, as \u0027 and the like.
  const jsonStrict = jsonAscii.replace(/['<>&+]/g, unicodeEscape);
  const component = encodeURIComponent(text);
  const form = new URLSearchParams([['', text]]).toString().slice(1);
  // PHP's rawurlencode and Python's quote(safe='') also escape ! ' ( ) *.
  const raw = component.replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
  const xmlText = text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
  const xmlQuoted = xmlText.replaceAll('"', '&quot;');
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
    xmlQuoted,
    xmlQuoted.replaceAll("'", '&apos;'),
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
