/*
 * A provider's error text may quote the request in whatever escaping its wire
 * or its error builder used — XML character references (`&#351;`), JSON
 * `\u` escapes, percent-encoding of any byte (`%0D%0A`). Decoded, each is the
 * text as the client wrote it, so one comparison finds them all, including
 * escapings no list of encodings foresaw.
 */

const NAMED_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const JSON_ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '/': '/', '"': '"', '\\': '\\', b: '\b', f: '\f' };

/** `text` with XML references, JSON escapes and percent-encoded UTF-8 decoded (what cannot be decoded stays). */
export function decodedEscapes(text: string): string {
  return percentDecoded(
    text
      .replace(/&#(?:x([0-9a-fA-F]{1,6})|([0-9]{1,7}));/g, (whole, hex: string | undefined, decimal: string | undefined) => fromCodePoint(hex === undefined ? Number(decimal) : Number.parseInt(hex, 16)) ?? whole)
      .replace(/&(amp|lt|gt|quot|apos);/g, (_whole, name: string) => NAMED_ENTITIES[name]!)
      .replace(/\\u([0-9a-fA-F]{4})/g, (_whole, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)))
      .replace(/\\([nrt/"\\bf])/g, (_whole, char: string) => JSON_ESCAPES[char]!),
  );
}

/** Each run of %XX decoded as UTF-8, and `+` beside them as a space (a form body); a run that is not UTF-8 stays. */
function percentDecoded(text: string): string {
  if (!text.includes('%')) return text;
  // A run of what a percent-encoder writes (its unreserved characters, `+` for a space in a form body, escapes).
  return text.replace(/(?:%[0-9a-fA-F]{2}|[A-Za-z0-9._~!*'()+-])+/g, (run) => {
    if (!/%[0-9a-fA-F]{2}/.test(run)) return run;
    try {
      return decodeURIComponent(run.replaceAll('+', ' '));
    } catch {
      return run;
    }
  });
}

function fromCodePoint(code: number): string | undefined {
  return code <= 0x10ffff ? String.fromCodePoint(code) : undefined;
}
