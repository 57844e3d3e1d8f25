import { TOKENS, type ProviderBinding } from '@rota/core/di';
import { ContainerModule } from 'inversify';
import type { MessageCenterConfigInput } from './message-center-config.js';
import { createMessageCenterProvider, DEFAULT_RANK } from './message-center-provider.js';

export interface MessageCenterModuleOptions {
  /** Lower is tried first; Message Center's default rank is 1. */
  rank?: number;
  enabled?: boolean;
}

/**
 * Adds Message Center to the container's provider multi-binding. The provider
 * is built once, on first resolution, with the container's logger if it has
 * one, and closed when the container unbinds it.
 */
export function messageCenterModule(
  config: MessageCenterConfigInput,
  { rank = DEFAULT_RANK, enabled = true }: MessageCenterModuleOptions = {},
): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind(TOKENS.Provider)
      .toDynamicValue((context): ProviderBinding => {
        const logger = context.get(TOKENS.Logger, { optional: true });
        return { provider: createMessageCenterProvider(config, logger ? { logger } : {}), rank, enabled };
      })
      .inSingletonScope()
      .onDeactivation(async (binding) => {
        await binding.provider.close?.();
      });
  });
}
