import { maskPhoneNumber, type ValidationIssue } from '@rota/provider';
import type { Router } from '@rota/core';
import type { Logger } from 'pino';
import { maskedProviderId, sanitizeText } from './redaction.js';

/**
 * Log lines for what the router does. Every number is masked
 * (`+90532*****67`), free text from providers goes through `sanitizeText`,
 * and no message text is ever logged. `secrets` returns the credentials of
 * the configuration in force, so a reload's new secrets are covered too.
 */
export function logRouterEvents(router: Pick<Router, 'on'>, logger: Logger, secrets: () => readonly string[] = () => []): () => void {
  const clean = (text: string | undefined): string | undefined => (text === undefined ? undefined : sanitizeText(text, secrets()));
  const cleanIssues = (issues: ValidationIssue[]): ValidationIssue[] =>
    issues.slice(0, 20).map((issue) => ({ path: issue.path, reason: sanitizeText(issue.reason, secrets()) }));
  const mask = (to: string | undefined): string | undefined => (to === undefined ? undefined : maskPhoneNumber(to));

  const detach = [
    router.on('attempt', ({ recipients, attempt }) => {
      const fields = {
        provider: attempt.providerId,
        account: attempt.accountId,
        outcome: attempt.outcome,
        errorKind: attempt.errorKind,
        code: attempt.code,
        reason: clean(attempt.reason),
        tries: attempt.tries,
        durationMs: attempt.durationMs,
        recipients,
      };
      const quiet = attempt.outcome === 'accepted' || attempt.outcome === 'skipped';
      if (quiet) logger.debug(fields, 'provider attempt');
      else logger.warn(fields, 'provider attempt did not succeed');
    }),
    router.on('accepted', ({ result }) => {
      const fields = {
        to: mask(result.to),
        provider: result.providerId,
        account: result.accountId,
        providerMessageId: maskedProviderId(result.providerMessageId),
        segments: result.segments,
        encoding: result.encoding,
        simulated: result.simulated === true,
        tries: result.attempts.length,
      };
      logger.info(fields, result.simulated ? 'message accepted by a SIMULATED transport (not delivered)' : 'message accepted');
    }),
    router.on('rejected', ({ result }) => {
      logger.info(
        { to: mask(result.to), provider: result.providerId, reason: clean(result.reason), issues: cleanIssues(result.issues) },
        'message rejected',
      );
    }),
    router.on('failed', ({ result }) => {
      // Held back before any provider was asked (the dispatcher queues it again): not a failed message.
      if (result.heldBack) {
        logger.debug({ to: mask(result.to), reason: clean(result.reason) }, 'message held back before any provider was asked');
        return;
      }
      const trail = result.attempts.map((a) => ({ provider: a.providerId, outcome: a.outcome, errorKind: a.errorKind, code: a.code }));
      logger.warn({ to: mask(result.to), reason: clean(result.reason), attempts: trail }, 'message failed: no provider took it');
    }),
    router.on('unknown', ({ result }) => {
      logger.warn(
        { to: mask(result.to), provider: result.providerId, account: result.accountId, reason: clean(result.reason) },
        'message outcome unknown: the provider may have it; not retried elsewhere',
      );
    }),
    router.on('breaker', ({ providerId, accountId, state }) => {
      logger.warn({ provider: providerId, account: accountId, state }, `circuit breaker ${state}`);
    }),
    router.on('provider-bug', ({ providerId, accountId, error }) => {
      const described = error instanceof Error ? `${error.name}: ${error.message}` : typeof error;
      logger.error({ provider: providerId, account: accountId, error: clean(described) }, 'provider threw something that is not a ProviderError');
    }),
  ];
  return () => {
    for (const off of detach) off();
  };
}
