import { ContainerModule } from 'inversify';
import type { Logger } from '../logging/logger.js';
import type { Provider } from '../provider/provider.js';
import { createRouter } from '../router/create-router.js';
import { TOKENS, type ProviderBinding } from './tokens.js';

export { TOKENS, type ProviderBinding } from './tokens.js';

/**
 * Binds the router as a singleton built from every `TOKENS.Provider` binding
 * (one per provider package module) and the optional `TOKENS.RouterOptions`.
 * Unbinding or `container.unbindAll()` closes it, shutting its breakers down.
 *
 * Needs `reflect-metadata` imported once at the entry point.
 */
export function rotaCoreModule(): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind(TOKENS.Router)
      .toDynamicValue((context) => {
        const bindings = context.getAll(TOKENS.Provider, { optional: true });
        const options = context.get(TOKENS.RouterOptions, { optional: true });
        return createRouter({ ...options, providers: bindings.map(({ provider, rank, enabled }) => ({ provider, rank, enabled })) });
      })
      .inSingletonScope()
      .onDeactivation((router) => router.close());
  });
}

/** Where a provider module puts its provider in the walk. */
export interface ProviderPlacement {
  /** Lower is tried first. */
  rank?: number;
  enabled?: boolean;
}

/**
 * What every provider package's DI module does: add one entry to the
 * `TOKENS.Provider` multi-binding. The provider is built once, on first
 * resolution, with the container's logger if it has one, and closed when the
 * container unbinds it.
 */
export function providerModule(
  build: (options: { logger?: Logger }) => Provider,
  defaultRank: number,
  { rank = defaultRank, enabled = true }: ProviderPlacement = {},
): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind(TOKENS.Provider)
      .toDynamicValue((context): ProviderBinding => {
        const logger = context.get(TOKENS.Logger, { optional: true });
        return { provider: build(logger ? { logger } : {}), rank, enabled };
      })
      .inSingletonScope()
      .onDeactivation(async (binding) => {
        await binding.provider.close?.();
      });
  });
}
