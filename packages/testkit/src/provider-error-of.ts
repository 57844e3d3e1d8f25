import { ProviderError } from '@rota/provider';

/**
 * The ProviderError a provider call rejected with, for tests that assert on its
 * kind and code. A call that resolves, or rejects with anything else, fails loudly.
 */
export async function providerErrorOf(call: Promise<unknown>): Promise<ProviderError> {
  const outcome = await call.then(
    () => ({ resolved: true as const }),
    (error: unknown) => ({ resolved: false as const, error }),
  );
  if (outcome.resolved) throw new Error('expected the call to fail with a ProviderError, but it resolved');
  if (!ProviderError.is(outcome.error)) throw new Error(`expected a ProviderError, got ${String(outcome.error)}`);
  return outcome.error;
}
