import { providerModule, type ProviderPlacement } from '@rota/provider/di';
import type { ContainerModule } from 'inversify';
import type { TwilioConfigInput } from './twilio-config.js';
import { createTwilioProvider, DEFAULT_RANK } from './twilio-provider.js';

/** Twilio's default rank is 5; lower is tried first. */
export type TwilioModuleOptions = ProviderPlacement;

/** Adds Twilio to the container's provider multi-binding (see `providerModule`). */
export function twilioModule(config: TwilioConfigInput, placement: TwilioModuleOptions = {}): ContainerModule {
  return providerModule((options) => createTwilioProvider(config, options), DEFAULT_RANK, placement);
}
