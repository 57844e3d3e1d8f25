import { ProviderError } from '../provider/provider-error.js';
import type { Provider, SendRequest, SendResponse } from '../provider/provider.js';

/**
 * One call to `provider.send`, bounded in time. On timeout the provider's
 * signal is aborted (so it can free its socket) and the call counts as
 * `outcome-unknown`, even if the provider ignores the abort: the request may
 * have reached it, and the message must not wait forever.
 */
export function callProvider(provider: Provider, request: SendRequest, timeoutMs: number, signal?: AbortSignal): Promise<SendResponse> {
  const controller = new AbortController();
  const onCallerAbort = (): void => controller.abort(signal?.reason);
  if (signal) {
    if (signal.aborted) controller.abort(signal.reason);
    else signal.addEventListener('abort', onCallerAbort, { once: true });
  }
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new ProviderError('outcome-unknown', `no answer within ${timeoutMs} ms`, { code: 'attempt-timeout' });
      controller.abort(error);
      reject(error);
    }, timeoutMs);
    timer.unref();
  });
  let call: Promise<SendResponse>;
  try {
    call = provider.send(request, { signal: controller.signal });
  } catch (error) {
    call = Promise.reject(error); // a provider that throws synchronously is still just a failed call
  }
  return Promise.race([call, timeout]).finally(() => {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onCallerAbort);
  });
}
