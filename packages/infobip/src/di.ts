import { TOKENS, type ProviderBinding } from '@rota/core/di';
import { ContainerModule } from 'inversify';
import type { InfobipConfigInput } from './infobip-config.js';
import { createInfobipProvider, DEFAULT_RANK } from './infobip-provider.js';

export interface InfobipModuleOptions {
  /** Lower is tried first; Infobip's default rank is 4. */
  rank?: number;
  enabled?: boolean;
}

/**
 * Adds Infobip to the container's provider multi-binding. The provider
 * is built once, on first resolution, with the container's logger if it has
 * one, and closed when the container unbinds it.
 */
export function infobipModule(
  config: InfobipConfigInput,
  { rank = DEFAULT_RANK, enabled = true }: InfobipModuleOptions = {},
): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind(TOKENS.Provider)
      .toDynamicValue((context): ProviderBinding => {
        const logger = context.get(TOKENS.Logger, { optional: true });
        return { provider: createInfobipProvider(config, logger ? { logger } : {}), rank, enabled };
      })
      .inSingletonScope()
      .onDeactivation(async (binding) => {
        await binding.provider.close?.();
      });
  });
}
