import type { IysType } from '../message/message.js';
import { ProviderError } from '../provider/provider-error.js';
import type { SendRequest } from '../provider/provider.js';

/** An account as `refuseMalformedRequest` sees it: one IYS type or several. */
export interface RequestCheckAccount {
  accountId: string;
  senders: readonly string[];
  iysType?: IysType;
  iysTypes?: readonly IysType[];
}

/**
 * What a real provider would refuse outright: an unknown account, an IYS type
 * or sender the account does not serve, no recipients or too many. Reaching
 * these means the caller skipped `select` or the capabilities. Shared by the
 * stub transport and the testkit's fake provider.
 */
export function refuseMalformedRequest(
  providerId: string,
  request: SendRequest,
  accounts: readonly RequestCheckAccount[],
  maxRecipientsPerRequest: number,
): void {
  const account = accounts.find((candidate) => candidate.accountId === request.accountId);
  if (!account) {
    throw new ProviderError('provider-unavailable', `${providerId}: no account "${request.accountId}"`, { code: 'unknown-account' });
  }
  const served = account.iysTypes ?? (account.iysType ? [account.iysType] : []);
  if (!served.includes(request.iysType)) {
    throw new ProviderError('message-rejected', `${providerId}: account "${account.accountId}" does not send ${request.iysType} messages`, {
      code: 'iys-type-not-served',
    });
  }
  if (!account.senders.includes(request.sender)) {
    throw new ProviderError('message-rejected', `${providerId}: sender "${request.sender}" is not allowed on account "${account.accountId}"`, {
      code: 'sender-not-allowed',
    });
  }
  if (request.recipients.length === 0) {
    throw new ProviderError('message-rejected', `${providerId}: the request has no recipients`, { code: 'no-recipients' });
  }
  if (request.recipients.length > maxRecipientsPerRequest) {
    throw new ProviderError('message-rejected', `${providerId}: ${request.recipients.length} recipients exceed the limit of ${maxRecipientsPerRequest} a request`, {
      code: 'too-many-recipients',
    });
  }
}
