import { TOKENS, type ProviderBinding } from '@rota/core/di';
import { ContainerModule } from 'inversify';
import type { MobildevConfigInput } from './mobildev-config.js';
import { createMobildevProvider, DEFAULT_RANK } from './mobildev-provider.js';

export interface MobildevModuleOptions {
  /** Lower is tried first; Mobildev's default rank is 2. */
  rank?: number;
  enabled?: boolean;
}

/**
 * Adds Mobildev to the container's provider multi-binding. The provider
 * is built once, on first resolution, with the container's logger if it has
 * one, and closed when the container unbinds it.
 */
export function mobildevModule(
  config: MobildevConfigInput,
  { rank = DEFAULT_RANK, enabled = true }: MobildevModuleOptions = {},
): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind(TOKENS.Provider)
      .toDynamicValue((context): ProviderBinding => {
        const logger = context.get(TOKENS.Logger, { optional: true });
        return { provider: createMobildevProvider(config, logger ? { logger } : {}), rank, enabled };
      })
      .inSingletonScope()
      .onDeactivation(async (binding) => {
        await binding.provider.close?.();
      });
  });
}
