import { providerModule, type ProviderPlacement } from '@rota/provider/di';
import type { ContainerModule } from 'inversify';
import type { InfobipConfigInput } from './infobip-config.js';
import { createInfobipProvider, DEFAULT_RANK } from './infobip-provider.js';

/** Infobip's default rank is 4; lower is tried first. */
export type InfobipModuleOptions = ProviderPlacement;

/** Adds Infobip to the container's provider multi-binding (see `providerModule`). */
export function infobipModule(config: InfobipConfigInput, placement: InfobipModuleOptions = {}): ContainerModule {
  return providerModule((options) => createInfobipProvider(config, options), DEFAULT_RANK, placement);
}
