import type { Logger, Provider } from '@rota/provider';
import { TOKENS } from '@rota/provider/di';
import { Container } from 'inversify';
import { PROVIDER_REGISTRY, type ProviderRegistration, type ProviderType } from './provider-registry.js';
import type { RotaConfig } from './rota-config.js';
import type { z } from 'zod';

/**
 * Composes the gateway's inversify container from the provider packages' own
 * DI modules (each adds one entry to the `TOKENS.Provider` multi-binding) and
 * resolves the providers the configuration asks for. Unbinding the container
 * closes them (the modules' onDeactivation). Providers that a later reload
 * replaces are built by the registry's factories and closed by the runtime.
 */
export function composeProviders(config: RotaConfig, logger: Logger): { container: Container; providers: Map<ProviderType, Provider> } {
  const container = new Container();
  container.bind(TOKENS.Logger).toConstantValue(logger);
  container.loadSync(
    ...config.providers.map((entry) => {
      const registration = PROVIDER_REGISTRY[entry.type] as unknown as ProviderRegistration<z.ZodType>;
      return registration.module(entry.settings, { rank: entry.rank, enabled: entry.enabled });
    }),
  );
  try {
    const providers = new Map<ProviderType, Provider>();
    for (const { provider } of container.getAll(TOKENS.Provider)) providers.set(provider.id as ProviderType, provider);
    return { container, providers };
  } catch (error) {
    void container.unbindAll();
    throw error;
  }
}
