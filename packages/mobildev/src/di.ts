import { providerModule, type ProviderPlacement } from '@rota/provider/di';
import type { ContainerModule } from 'inversify';
import type { MobildevConfigInput } from './mobildev-config.js';
import { createMobildevProvider, DEFAULT_RANK } from './mobildev-provider.js';

/** Mobildev's default rank is 2; lower is tried first. */
export type MobildevModuleOptions = ProviderPlacement;

/** Adds Mobildev to the container's provider multi-binding (see `providerModule`). */
export function mobildevModule(config: MobildevConfigInput, placement: MobildevModuleOptions = {}): ContainerModule {
  return providerModule((options) => createMobildevProvider(config, options), DEFAULT_RANK, placement);
}
