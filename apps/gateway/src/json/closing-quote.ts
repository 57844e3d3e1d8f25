const BACKSLASH = 0x5c;

/**
 * The index of the quote that closes the JSON string opening at `open`: the
 * next one not escaped by an odd run of backslashes; -1 when the text ends
 * first (only text JSON.parse has not checked can end so).
 */
export function closingQuote(json: string, open: number): number {
  for (let end = json.indexOf('"', open + 1); end !== -1; end = json.indexOf('"', end + 1)) {
    let backslashes = 0;
    while (json.charCodeAt(end - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return end;
  }
  return -1;
}
