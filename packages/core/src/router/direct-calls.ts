import { ProviderError, type Provider } from '@rota/provider';
import type { RouterState } from './router-state.js';
import type { Router } from './router-types.js';

/**
 * Calls to one named provider outside the walk — status reads, health
 * checks, pushed reports — through its slot (so a provider retired by a
 * reload stays open until they end) and bounded by the router's deadline.
 */
export function directCalls(state: RouterState): Pick<Router, 'deliveryStatus' | 'health' | 'receiveReports' | 'checkPushOrigin'> {
  const throughSlot = async <T>(providerId: string, call: (provider: Provider, signal: AbortSignal) => Promise<T>, callerSignal?: AbortSignal): Promise<T> => {
    if (state.closed) throw new Error('the router is closed');
    const slot = state.table.slotOf(providerId);
    const deadline = state.deadlines.bucket();
    const signal = callerSignal ? AbortSignal.any([deadline.signal, callerSignal]) : deadline.signal;
    return slot.use(() => deadline.race(call(slot.provider, signal)));
  };

  return {
    deliveryStatus({ providerId, accountId, providerMessageIds }, options = {}) {
      return throughSlot(
        providerId,
        async (provider, signal) => {
          if (!provider.status) throw new ProviderError('provider-unavailable', `${providerId} cannot read delivery status`, { code: 'unsupported' });
          return provider.status({ accountId, providerMessageIds }, { signal });
        },
        options.signal,
      );
    },

    health(providerId, options = {}) {
      return throughSlot(providerId, async (provider, signal) => (provider.health ? provider.health({ signal }) : undefined), options.signal);
    },

    checkPushOrigin(providerId, origin) {
      const { provider } = state.table.slotOf(providerId);
      if (!provider.receiveReports) return { ok: false, status: 401, reason: doesNotPush(providerId) };
      return provider.checkPushOrigin?.(origin) ?? { ok: true };
    },

    receiveReports(providerId, push) {
      const { provider } = state.table.slotOf(providerId);
      if (!provider.receiveReports) return { ok: false, status: 401, reason: doesNotPush(providerId) };
      return provider.receiveReports(push);
    },
  };
}

/** Why a push to a provider that takes none is refused: one wording, whether the router or a gateway's early check says it. */
export function doesNotPush(providerId: string): string {
  return `${providerId} does not push delivery reports`;
}
