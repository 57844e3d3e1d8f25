import { describe, UnknownProviderError } from './provider-table.js';
import { resolveRouterSettings } from './router-options.js';
import type { RouterState } from './router-state.js';
import type { BreakerOverride, Router } from './router-types.js';

/** What an operator may force a breaker to. */
const BREAKER_OVERRIDES: readonly BreakerOverride[] = ['open', 'closed', 'auto'];

/** What an operator changes at run time: providers on and off, their ranks, a breaker forced, the whole configuration. */
export function operatorControls(state: RouterState): Pick<Router, 'status' | 'setEnabled' | 'setRank' | 'forceBreaker' | 'reconfigure'> {
  return {
    status: () => state.table.status(),
    setEnabled(providerId, enabled) {
      state.table.setEnabled(providerId, enabled);
      if (enabled) state.events.emit('routes-changed', { cause: 'enabled', providerId });
      else state.table.routesMayHaveClosed();
    },
    setRank: (providerId, rank) => state.table.setRank(providerId, rank),

    forceBreaker(providerId, accountId, override: BreakerOverride) {
      if (!BREAKER_OVERRIDES.includes(override)) throw new TypeError(`override must be one of ${BREAKER_OVERRIDES.join(', ')}, got ${describe(override)}`);
      const slot = state.table.slotOf(providerId);
      if (!slot.provider.accountIds.includes(accountId)) {
        throw new UnknownProviderError(`provider "${providerId}" has no account "${accountId}"; known: ${slot.provider.accountIds.join(', ')}`);
      }
      const breaker = slot.breakerFor(accountId);
      breaker.override = override;
      if (override === 'open') state.table.routesMayHaveClosed();
      state.events.emit('breaker', { providerId, accountId, state: breaker.state });
    },

    reconfigure(next) {
      if (state.closed) throw new Error('the router is closed');
      // All or nothing: everything is validated before anything changes.
      const settings = resolveRouterSettings(next);
      state.settings = settings;
      state.events.logger = settings.logger;
      state.deadlines.setTimeout(settings.attemptTimeoutMs);
      state.table.apply(settings.providers, settings.onProviderRetired);
      state.table.routesMayHaveClosed();
      state.events.emit('routes-changed', { cause: 'reconfigured' });
    },
  };
}
