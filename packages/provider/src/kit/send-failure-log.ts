import type { Logger } from '../logging/logger.js';
import { maskPhoneNumber } from '../message/phone-number.js';
import { ProviderError } from '../provider/provider-error.js';

/**
 * The warning a provider package logs when a send fails: which account, the
 * error's kind and code, how many recipients and the first of them masked —
 * never the request, whose body may carry credentials. Errors that are not a
 * ProviderError are the caller's to report (they are thrown on as bugs).
 */
export function logSendFailure(logger: Logger, providerName: string, providerId: string, accountId: string, error: unknown, recipients: readonly string[]): void {
  if (!(error instanceof ProviderError)) return;
  logger.warn(
    { provider: providerId, accountId, kind: error.kind, code: error.code, recipients: recipients.length, firstRecipient: maskPhoneNumber(recipients[0]!) },
    `${providerName} send failed`,
  );
}
