import { TOKENS, type ProviderBinding } from '@rota/core/di';
import { ContainerModule } from 'inversify';
import type { FigenSoftConfigInput } from './figensoft-config.js';
import { createFigenSoftProvider } from './figensoft-provider.js';

export interface FigenSoftModuleOptions {
  /** Lower is tried first; FigenSoft's default rank is 3 (after Message Center and Mobildev). */
  rank?: number;
  enabled?: boolean;
}

/**
 * Adds FigenSoft to the container's provider multi-binding. The provider is
 * built on first resolution (so a bad configuration fails where the container
 * is composed), once, and closed — its connection pools with it — when the
 * container unbinds it.
 */
export function figensoftModule(config: FigenSoftConfigInput, { rank = 3, enabled = true }: FigenSoftModuleOptions = {}): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind(TOKENS.Provider)
      .toDynamicValue((context): ProviderBinding => {
        const logger = context.get(TOKENS.Logger, { optional: true });
        return { provider: createFigenSoftProvider(config, logger ? { logger } : {}), rank, enabled };
      })
      .inSingletonScope()
      .onDeactivation(async (binding) => {
        await binding.provider.close?.();
      });
  });
}
