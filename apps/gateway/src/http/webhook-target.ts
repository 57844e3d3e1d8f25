import { receiverUrlProblem } from '@rota/webhook';
import type { ValidationIssue } from '@rota/provider';
import type { RotaConfig } from '../config/rota-config.js';

/**
 * Where a client's message's webhooks go: the message's own `callbackUrl`,
 * when it is one of the receivers the client allowed (a URL prefix of
 * `allowedUrls`), or else the client's default receiver; none when the client
 * has no webhooks configured. Anything else is refused, naming `callbackUrl`:
 * a message may not send its events to a receiver its client did not allow.
 * The URL given back is the parser's form (the configured default's too):
 * one receiver is one receiver to its 410 switch and its cap however each
 * was written.
 */
export function webhookTarget(config: RotaConfig, client: string, callbackUrl: string | undefined): { ok: true; url?: string } | { ok: false; issue: ValidationIssue } {
  const webhook = config.gateway.apiKeys.find((key) => key.name === client)?.webhook;
  if (callbackUrl === undefined) return webhook?.url === undefined ? { ok: true } : { ok: true, url: new URL(webhook.url).href };
  const refuse = (reason: string) => ({ ok: false as const, issue: { path: 'callbackUrl', reason } });
  if (!webhook) return refuse('is not allowed: this API client has no webhooks configured (gateway.apiKeys[].webhook)');
  const problem = receiverUrlProblem(callbackUrl, config.gateway.webhooks.allowHttp);
  if (problem) return refuse(problem);
  // Parsed once the checks above know it parses: each check below reads the same URL.
  const url = new URL(callbackUrl);
  if (hidesSeparator(url.pathname)) {
    return refuse('must not carry an encoded slash, backslash, dot, ";" or "%" (%2F, %5C, %2E, %3B, %25), a ";", or an invalid percent-encoding in its path: a receiver or proxy that decodes them would read a path outside the allowed one');
  }
  if (!webhook.allowedUrls.some((prefix) => startsWithPrefix(url, prefix))) return refuse("is not one of this client's allowed webhook URLs (gateway.apiKeys[].webhook.allowedUrls)");
  // Kept as the URL parser writes it (scheme and host in lower case, a space escaped, dot segments
  // resolved): one receiver written two ways would be two receivers to its 410 switch and its cap.
  return { ok: true, url: url.href };
}

/**
 * What a receiver's server or a proxy may decode into a path separator or a dot segment after the
 * prefix check, which reads the path as the parser leaves it: `/allowed/..%2Fother`, Tomcat's
 * `/allowed/..;/other` (and `..%3B/`), a double encoding (`%252F`, decoded once on the way), a NUL
 * (`..%00/`, where a server cuts the path), or bytes no UTF-8 decoder takes (`%C0%AE`, an overlong
 * dot some decoders still read).
 */
const HIDDEN_SEPARATOR = /%2f|%5c|%2e|%3b|%25|%00|;/i;

function hidesSeparator(path: string): boolean {
  if (HIDDEN_SEPARATOR.test(path)) return true;
  try {
    decodeURIComponent(path);
    return false;
  } catch {
    return true;
  }
}

/** Same origin, and the path at or below the prefix's (not merely a string prefix: https://a.example.evil must not pass for https://a.example). */
function startsWithPrefix(url: URL, prefix: string): boolean {
  const allowed = new URL(prefix);
  if (url.origin !== allowed.origin) return false;
  const base = allowed.pathname.endsWith('/') ? allowed.pathname : `${allowed.pathname}/`;
  return url.pathname === allowed.pathname || url.pathname.startsWith(base);
}
