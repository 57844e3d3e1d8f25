import { ContainerModule } from 'inversify';
import { createRouter } from '../router/create-router.js';
import { TOKENS } from './tokens.js';

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
