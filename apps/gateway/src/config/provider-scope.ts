import type { Logger, Provider } from '@rota/provider';
import { TOKENS } from '@rota/provider/di';
import { Container } from 'inversify';
import type { z } from 'zod';
import { PROVIDER_REGISTRY, type ProviderRegistration } from './provider-registry.js';
import { providerIdOf, type ProviderEntry } from './rota-config.js';

/**
 * One configured provider and the container that built it. Each provider gets
 * a container of its own, composed from its package's DI module with the
 * gateway's logger, so that a provider a reload replaces is closed on its own
 * by unbinding its container (the module's deactivation closes it), once the
 * router says no call runs through it any more.
 */
export interface ProviderScope {
  readonly entry: ProviderEntry;
  readonly provider: Provider;
  /** Closes the provider; idempotent, never throws (a failure is logged). */
  close(): Promise<void>;
}

export function buildProviderScope(entry: ProviderEntry, logger: Logger): ProviderScope {
  const registration = PROVIDER_REGISTRY[entry.type] as unknown as ProviderRegistration<z.ZodType>;
  const container = new Container();
  container.bind(TOKENS.Logger).toConstantValue(logger);
  container.loadSync(registration.module(entry.settings, { id: providerIdOf(entry) }));
  let provider: Provider;
  try {
    provider = container.get(TOKENS.Provider).provider;
  } catch (error) {
    void unbind(container, entry, logger);
    throw error;
  }
  let closing: Promise<void> | undefined;
  return { entry, provider, close: () => (closing ??= unbind(container, entry, logger)) };
}

async function unbind(container: Container, entry: ProviderEntry, logger: Logger): Promise<void> {
  try {
    await container.unbindAll();
  } catch (error) {
    logger.warn({ provider: providerIdOf(entry), error: error instanceof Error ? error.message : String(error) }, `${providerIdOf(entry)}: closing the provider failed`);
  }
}
