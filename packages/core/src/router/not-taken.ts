import type { SendRequest, SendResponse } from '@rota/provider';
import type { Recipients } from './route-walk.js';

/*
 * The recipients a provider answered `not-taken` (its account's credit or
 * sender, a route): refused on its side, so the walk sends them through the
 * next rank. What route-walk.ts needs to tell them from the others.
 */

/** The recipients an answer took (accepted or rejected) and those it did not, grouped by reason; undefined when it took all. */
export function splitNotTaken(recipients: Recipients, response: SendResponse): { taken: Recipients; notTaken: { recipients: Recipients; code: string | undefined; reason: string }[] } | undefined {
  const { receipts } = response;
  if (!receipts.some((receipt) => receipt.status === 'not-taken')) return undefined;
  type Growing = { to: string[]; index: number[] };
  const taken: Growing = { to: [], index: [] };
  const byReason = new Map<string, { recipients: Growing; code: string | undefined; reason: string }>();
  receipts.forEach((receipt, i) => {
    let into = taken;
    if (receipt.status === 'not-taken') {
      const key = `${receipt.code} ${receipt.reason}`;
      let group = byReason.get(key);
      if (!group) byReason.set(key, (group = { recipients: { to: [], index: [] }, code: receipt.code, reason: receipt.reason }));
      into = group.recipients;
    }
    into.to.push(recipients.to[i]!);
    into.index.push(recipients.index[i]!);
  });
  return { taken, notTaken: [...byReason.values()] };
}

/**
 * A provider's answer that took no recipient and left some for the next rank (an account out of
 * credit answering per recipient): thrown inside the breaker's call so that the account's breaker
 * counts a failure, as for a request refused whole; the walk then uses its receipts all the same.
 * Not when every recipient it left was left for the request's sake (`cause: 'request'`): that
 * says nothing of the account, and the breaker takes it as it takes a `message-rejected` refusal
 * (opossum counts a call that resolves, or whose error it filters, as a success).
 */
export class NoneTaken extends Error {
  constructor(readonly response: SendResponse) {
    super('the provider took none of the recipients');
  }
}

/** Throws NoneTaken for such an answer (one of the right length; checkReceipts refuses any other). */
export function failIfNoneTaken(request: SendRequest, response: SendResponse): SendResponse {
  const receipts = response?.receipts;
  if (!Array.isArray(receipts) || receipts.length !== request.recipients.length) return response;
  if (receipts.some((r) => r?.status === 'not-taken' && r.cause !== 'request') && !receipts.some((r) => r?.status === 'accepted')) throw new NoneTaken(response);
  return response;
}
