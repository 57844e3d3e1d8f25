// `@rota/provider/di`: the DI seam every provider package's `/di` subpath builds
// on. The only module of the workspace that loads inversify outside the gateway:
// a caller without DI never meets it (inversify and reflect-metadata are
// optional peer dependencies). Import `reflect-metadata` once at the entry point.
import { ContainerModule, type ServiceIdentifier } from 'inversify';
import type { Logger } from './logging/logger.js';
import type { Provider, ProviderFactoryOptions } from './provider/provider.js';

/**
 * Typed DI tokens. `Provider` is a multi-binding: every provider package's
 * ContainerModule adds one entry, with its rank and enabled flag.
 */
export const TOKENS = {
  Provider: Symbol.for('rota.Provider') as ServiceIdentifier<ProviderBinding>,
  Logger: Symbol.for('rota.Logger') as ServiceIdentifier<Logger>,
} as const;

/** What a provider package contributes to the container. */
export interface ProviderBinding {
  provider: Provider;
  rank: number;
  enabled: boolean;
}

/** Where a provider module puts its provider in the walk, and the id it goes by. */
export interface ProviderPlacement {
  /** The provider's id in routing, metrics and records; default: the package's own (e.g. `figensoft`). */
  id?: string;
  /** Lower is tried first. */
  rank?: number;
  enabled?: boolean;
}

/**
 * What every provider package's DI module does: add one entry to the
 * `TOKENS.Provider` multi-binding, built by the package's own factory (the
 * module composes the factory; there is no second way to build a provider).
 * The provider is built once, on first resolution, with the container's logger
 * if it has one, and closed when the container unbinds it.
 */
export function providerModule(
  build: (options: ProviderFactoryOptions) => Provider,
  defaultRank: number,
  { id, rank = defaultRank, enabled = true }: ProviderPlacement = {},
): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind(TOKENS.Provider)
      .toDynamicValue((context): ProviderBinding => {
        const logger = context.get(TOKENS.Logger, { optional: true });
        return { provider: build({ ...(logger ? { logger } : {}), ...(id === undefined ? {} : { id }) }), rank, enabled };
      })
      .inSingletonScope()
      .onDeactivation(async (binding) => {
        await binding.provider.close?.();
      });
  });
}
