import type { Provider, SendRequest, SendResponse } from '@rota/provider';
import type { DeadlineSignals } from './deadline-signals.js';

/**
 * One call to `provider.send`, bounded in time. On timeout the provider's
 * signal is aborted: the provider frees its socket and answers with its own
 * verdict (see DeadlineSignals); one that ignores the abort counts as
 * `outcome-unknown` — the request may have reached it, and the message must
 * not wait forever.
 */
export function callProvider(provider: Provider, request: SendRequest, deadlines: DeadlineSignals, callerSignal?: AbortSignal): Promise<SendResponse> {
  const bucket = deadlines.bucket();
  // Only a caller with its own signal pays for combining signals.
  const signal = callerSignal ? AbortSignal.any([bucket.signal, callerSignal]) : bucket.signal;
  let call: Promise<SendResponse>;
  try {
    call = provider.send(request, { signal });
  } catch (error) {
    call = Promise.reject(error); // a provider that throws synchronously is still just a failed call
  }
  return bucket.race(call);
}
