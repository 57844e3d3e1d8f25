import { ProviderError } from '@rota/provider';
import { checkedSends } from './checked-sends.js';
import { directCalls } from './direct-calls.js';
import { operatorControls } from './operator-controls.js';
import { RouterState } from './router-state.js';
import type { Router, RouterOptions } from './router-types.js';
import { validatingSends } from './validating-sends.js';

/**
 * Builds the priority router: each message goes to the enabled provider with the
 * lowest rank that can take it, skipping providers whose breaker is open.
 * Plain construction, no DI and no decorators needed. Throws a
 * `RouterOptionsError` naming every invalid option.
 *
 * The router is its parts over one shared state: the sends of validated
 * messages (the walk), the entry points that validate first, the calls to one
 * provider outside the walk, and the operator's controls.
 */
export function createRouter(options: RouterOptions): Router {
  const state = new RouterState(options);
  const checked = checkedSends(state);
  return {
    ...checked,
    ...validatingSends(state, checked),
    ...directCalls(state),
    ...operatorControls(state),
    on: (event, listener) => state.events.on(event, listener),
    get batchConcurrency() {
      return state.settings.batchConcurrency;
    },
    async close() {
      if (state.closed) return;
      state.closed = true;
      state.lifetime.abort(new ProviderError('outcome-unknown', 'the router closed', { code: 'router-closed' }));
      state.table.shutdown();
      state.deadlines.close();
      state.events.clear();
    },
  };
}
