import { providerModule, type ProviderPlacement } from '@rota/provider/di';
import type { ContainerModule } from 'inversify';
import type { FigenSoftConfigInput } from './figensoft-config.js';
import { createFigenSoftProvider, DEFAULT_RANK } from './figensoft-provider.js';

export type FigenSoftModuleOptions = ProviderPlacement;

/** Adds FigenSoft to the container's provider multi-binding (see `providerModule`); its pools close when the container unbinds it. */
export function figensoftModule(config: FigenSoftConfigInput, placement: FigenSoftModuleOptions = {}): ContainerModule {
  return providerModule((options) => createFigenSoftProvider(config, options), DEFAULT_RANK, placement);
}
