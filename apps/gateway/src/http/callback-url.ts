/**
 * The rule a message's own `callbackUrl` must meet against its client's `allowedUrls`: one home
 * for the check a send makes and for the check the configuration makes of each allowed URL, so an
 * operator cannot write an allowed URL that no callback could ever match, or one that allows more
 * than it reads as allowing.
 */

/**
 * What a receiver's server or a proxy may decode into a path separator or a dot segment after the
 * prefix check, which reads the path as the parser leaves it: `/allowed/..%2Fother`, Tomcat's
 * `/allowed/..;/other` (and `..%3B/`), a double encoding (`%252F`, decoded once on the way), a NUL
 * (`..%00/`, where a server cuts the path), or bytes no UTF-8 decoder takes (`%C0%AE`, an overlong
 * dot some decoders still read).
 */
const HIDDEN_SEPARATOR = /%2f|%5c|%2e|%3b|%25|%00|;/i;

export const HIDDEN_SEPARATOR_REASON =
  'must not carry an encoded slash, backslash, dot, ";" or "%" (%2F, %5C, %2E, %3B, %25), a ";", or an invalid percent-encoding in its path: a receiver or proxy that decodes them would read a path outside the allowed one';

export function hidesSeparator(path: string): boolean {
  if (HIDDEN_SEPARATOR.test(path)) return true;
  try {
    decodeURIComponent(path);
    return false;
  } catch {
    return true;
  }
}

/** Same origin, and the path at or below the prefix's (not merely a string prefix: https://a.example.evil must not pass for https://a.example). */
export function isUnderPrefix(url: URL, prefix: string): boolean {
  const allowed = new URL(prefix);
  if (url.origin !== allowed.origin) return false;
  const base = allowed.pathname.endsWith('/') ? allowed.pathname : `${allowed.pathname}/`;
  return url.pathname === allowed.pathname || url.pathname.startsWith(base);
}

/**
 * Why a URL (one that parses) cannot be an entry of `allowedUrls`, or undefined. The match reads
 * origin and path only, so a query or fragment in an entry would be ignored: `…/hook?tenant=1`
 * would allow `…/hook?tenant=2`. A path that hides a separator could never be matched, since every
 * such callback is refused.
 */
export function allowedPrefixProblem(url: URL): string | undefined {
  if (url.search !== '' || url.hash !== '' || url.href.endsWith('?') || url.href.endsWith('#')) {
    return 'must not carry a query or fragment: an allowed URL is matched by origin and path only (a callback under it may add its own query)';
  }
  if (hidesSeparator(url.pathname)) return `${HIDDEN_SEPARATOR_REASON}; no callback could match it`;
  return undefined;
}
