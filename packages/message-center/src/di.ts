import { providerModule, type ProviderPlacement } from '@rota/provider/di';
import type { ContainerModule } from 'inversify';
import type { MessageCenterConfigInput } from './message-center-config.js';
import { createMessageCenterProvider, DEFAULT_RANK } from './message-center-provider.js';

/** Message Center's default rank is 1; lower is tried first. */
export type MessageCenterModuleOptions = ProviderPlacement;

/** Adds Message Center to the container's provider multi-binding (see `providerModule`). */
export function messageCenterModule(config: MessageCenterConfigInput, placement: MessageCenterModuleOptions = {}): ContainerModule {
  return providerModule((options) => createMessageCenterProvider(config, options), DEFAULT_RANK, placement);
}
