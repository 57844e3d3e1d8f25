/**
 * `text` cut to at most `max` UTF-16 code units, `mark` included, where it is
 * longer. Never through the middle of a surrogate pair: half an emoji is a lone
 * surrogate, which a JSON answer carries but no store or provider takes back
 * as it was given (a gateway refuses one in a request).
 */
export function shortened(text: string, max: number, mark = '...'): string {
  if (text.length <= max) return text;
  let end = max - mark.length;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${text.slice(0, end)}${mark}`;
}
