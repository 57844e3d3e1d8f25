import type { Message, ValidationIssue } from '@rota/provider';
import type { RotaConfig } from '../config/rota-config.js';

/** The fields of a message or a bulk that a client's sending rights speak of. */
export type RightsFields = Pick<Message, 'sender' | 'iysType' | 'otp'>;

/**
 * What `client` may not send of these fields under its `gateway.apiKeys[].allowed`
 * in the configuration in force (a reload applies to the next request): each field
 * named with why; none when it may. A client restricted to some senders names one:
 * a provider account's own sender may be another brand's, and a default chosen here
 * would be changed by a reload under a request's idempotency key.
 */
export function sendingRightsIssues(config: RotaConfig, client: string, fields: RightsFields): ValidationIssue[] {
  const allowed = config.gateway.apiKeys.find((key) => key.name === client)?.allowed;
  if (!allowed) return [];
  const issues: ValidationIssue[] = [];
  const { senders, iysTypes } = allowed;
  if (senders && fields.sender === undefined) {
    issues.push({ path: 'sender', reason: `is required: this API key sends only as ${senders.join(', ')} (gateway.apiKeys[].allowed.senders)` });
  } else if (senders && !senders.includes(fields.sender!)) {
    issues.push({ path: 'sender', reason: `is not one of this API key's senders (${senders.join(', ')}; gateway.apiKeys[].allowed.senders)` });
  }
  if (iysTypes && !iysTypes.includes(fields.iysType)) {
    issues.push({ path: 'iysType', reason: `this API key may send only ${iysTypes.join(' or ')} (gateway.apiKeys[].allowed.iysTypes)` });
  }
  if (fields.otp && !allowed.otp) issues.push({ path: 'otp', reason: 'this API key may not mark messages otp (gateway.apiKeys[].allowed.otp)' });
  return issues;
}

/**
 * What a client may not send now (its sending rights, its allowed webhook URLs)
 * refuses a new request, never a repeat of one taken before under its
 * idempotency key: the ledger answers that with its record (or a conflict)
 * whatever the configuration has become since. Refused, it would say "nothing
 * was sent" of a message that was, and invite sending it again under a new key.
 * `takenUnder` tells whether the client's key names a record already.
 */
export async function unlessTakenBefore(issues: ValidationIssue[], idempotencyKey: string | undefined, takenUnder: (key: string) => Promise<boolean>): Promise<ValidationIssue[]> {
  if (issues.length === 0 || idempotencyKey === undefined) return issues;
  return (await takenUnder(idempotencyKey)) ? [] : issues;
}
