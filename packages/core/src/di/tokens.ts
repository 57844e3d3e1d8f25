import type { ServiceIdentifier } from 'inversify';
import type { Logger } from '../logging/logger.js';
import type { Provider } from '../provider/provider.js';
import type { Router, RouterOptions } from '../router/router-types.js';

/**
 * Typed DI tokens, in a leaf module so that provider packages can bind to them
 * without importing the router. `Provider` is a multi-binding: every provider
 * package's ContainerModule adds one entry (with its rank and enabled flag).
 */
export const TOKENS = {
  Provider: Symbol.for('rota.Provider') as ServiceIdentifier<ProviderBinding>,
  RouterOptions: Symbol.for('rota.RouterOptions') as ServiceIdentifier<Omit<RouterOptions, 'providers'>>,
  Router: Symbol.for('rota.Router') as ServiceIdentifier<Router>,
  Logger: Symbol.for('rota.Logger') as ServiceIdentifier<Logger>,
} as const;

/** What a provider package contributes to the container. */
export interface ProviderBinding {
  provider: Provider;
  rank: number;
  enabled: boolean;
}
