import { receiverUrlProblem } from '@rota/webhook';
import type { ValidationIssue } from '@rota/provider';
import type { RotaConfig } from '../config/rota-config.js';
import { HIDDEN_SEPARATOR_REASON, hidesSeparator, isUnderPrefix } from './callback-url.js';

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
  const problem = receiverUrlProblem(callbackUrl, config.gateway.webhooks.allowHttp, 'gateway.webhooks.allowHttp');
  if (problem) return refuse(problem);
  // Parsed once the checks above know it parses: each check below reads the same URL.
  const url = new URL(callbackUrl);
  if (hidesSeparator(url.pathname)) return refuse(HIDDEN_SEPARATOR_REASON);
  if (!webhook.allowedUrls.some((prefix) => isUnderPrefix(url, prefix))) return refuse("is not one of this client's allowed webhook URLs (gateway.apiKeys[].webhook.allowedUrls)");
  // Kept as the URL parser writes it (scheme and host in lower case, a space escaped, dot segments
  // resolved): one receiver written two ways would be two receivers to its 410 switch and its cap.
  return { ok: true, url: url.href };
}
