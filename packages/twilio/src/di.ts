import { TOKENS, type ProviderBinding } from '@rota/core/di';
import { ContainerModule } from 'inversify';
import type { TwilioConfigInput } from './twilio-config.js';
import { createTwilioProvider, DEFAULT_RANK } from './twilio-provider.js';

export interface TwilioModuleOptions {
  /** Lower is tried first; Twilio's default rank is 5. */
  rank?: number;
  enabled?: boolean;
}

/**
 * Adds Twilio to the container's provider multi-binding. The provider
 * is built once, on first resolution, with the container's logger if it has
 * one, and closed when the container unbinds it.
 */
export function twilioModule(
  config: TwilioConfigInput,
  { rank = DEFAULT_RANK, enabled = true }: TwilioModuleOptions = {},
): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind(TOKENS.Provider)
      .toDynamicValue((context): ProviderBinding => {
        const logger = context.get(TOKENS.Logger, { optional: true });
        return { provider: createTwilioProvider(config, logger ? { logger } : {}), rank, enabled };
      })
      .inSingletonScope()
      .onDeactivation(async (binding) => {
        await binding.provider.close?.();
      });
  });
}
