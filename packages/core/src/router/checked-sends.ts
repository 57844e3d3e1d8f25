import type { BulkMessage, Message } from '@rota/provider';
import { createLimiter } from './limiter.js';
import { routeGroup, type Recipients, type WalkContext } from './route-walk.js';
import { watchRoute } from './route-watch.js';
import { closedResult, type RouterState } from './router-state.js';
import type { Router, RouteOptions, SendResult } from './router-types.js';
import { planBatch } from './send-batch.js';

export type CheckedSends = Pick<Router, 'sendChecked' | 'sendBatchChecked' | 'sendBulkChecked'>;

/** Sending messages already validated: each walked down the ranks, its result told to the listeners. Options may be null (untyped callers): as none. */
export function checkedSends(state: RouterState): CheckedSends {
  // The table as it is now, asked by a walk after its waits: made once here, not for every message routed.
  const routeClosedNow: WalkContext['routeClosedNow'] = (providerId, accountId) => state.table.routeClosedNow(providerId, accountId);
  const watch: WalkContext['watchRoute'] = (providerId, accountId) => watchRoute(state.table, providerId, accountId);
  const slotNow: WalkContext['slotNow'] = (providerId) => state.table.ordered.find((slot) => slot.id === providerId);
  /** Routes messages that share one text; `finish` is called once per recipient. */
  const route = (template: Message, recipients: Recipients, finish: WalkContext['finish'], limit: WalkContext['limit'], options: RouteOptions) =>
    routeGroup(
      {
        events: state.events,
        unknownOutcome: (iysType) => state.unknownOutcomeFor(iysType),
        deadlines: state.deadlines,
        limit,
        finish,
        signal: options.signal,
        beforeAttempt: options.beforeAttempt,
        holdsWithoutRoute: options.holdsWithoutRoute,
        lifetime: state.lifetime.signal,
        routeClosedNow,
        watchRoute: watch,
        slotNow,
        switchedOff: state.table.switchedOff,
      },
      state.table.ordered,
      template,
      recipients,
    );
  const finishInto = (results: SendResult[], options: RouteOptions | undefined) => (index: number, result: SendResult): void => {
    results[index] = result;
    state.emitResult(result);
    tell(options, index, result);
  };
  /** The caller's onResult: like a listener, one that throws cannot break the walk (the other recipients' results still come). */
  const tell = (options: RouteOptions | undefined, index: number, result: SendResult): void => {
    if (!options?.onResult) return;
    try {
      options.onResult(index, result);
    } catch (error) {
      state.events.logger.error({ error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }, "a send's onResult threw; the send went on");
    }
  };

  const sendBatchChecked = async (messages: readonly Message[], options?: RouteOptions): Promise<SendResult[]> => {
    if (state.closed) return messages.map(() => closedResult());
    // Never a half-sent batch: one message not validated refuses them all.
    if (!messages.every(isValidated)) return messages.map(() => notValidated(state));
    const results = new Array<SendResult>(messages.length);
    const limit = options?.limit ?? createLimiter(state.settings.batchConcurrency);
    await Promise.all(planBatch(messages).map((group) => route(group.template, group, finishInto(results, options), limit, options ?? {})));
    return results;
  };

  return {
    async sendChecked(message: Message, options?: RouteOptions): Promise<SendResult> {
      if (state.closed) return closedResult();
      if (!isValidated(message)) return notValidated(state);
      let result: SendResult | undefined;
      await route(message, { to: [message.to], index: [0] }, (_, r) => (result = r), options?.limit, options ?? {});
      state.emitResult(result!);
      tell(options, 0, result!);
      return result!;
    },

    sendBatchChecked,

    async sendBulkChecked(bulk: BulkMessage, options?: RouteOptions): Promise<SendResult[]> {
      if (state.closed) return bulk.to.map(() => closedResult());
      const template: Message = { ...bulk, to: bulk.to[0]! };
      // A number given twice goes as a batch does, once a request (planBatch says why).
      if (new Set(bulk.to).size < bulk.to.length) return sendBatchChecked(bulk.to.map((to) => ({ ...template, to })), options);
      const results = new Array<SendResult>(bulk.to.length);
      const index = new Array<number>(bulk.to.length);
      for (let i = 0; i < index.length; i++) index[i] = i;
      await route(template, { to: bulk.to, index }, finishInto(results, options), options?.limit ?? createLimiter(state.settings.batchConcurrency), options ?? {});
      return results;
    },
  };
}

/**
 * validateMessage gives every message it accepts its text's analysis. A raw
 * object passed to the checked sends had none: each provider's select() then
 * threw on it, and the router reported provider bugs for the caller's slip.
 */
function isValidated(message: Message): boolean {
  return typeof message === 'object' && message !== null && typeof message.analysis === 'object' && message.analysis !== null;
}

function notValidated(state: RouterState): SendResult {
  const result: SendResult = {
    status: 'rejected',
    reason: 'invalid message',
    issues: [{ path: '(root)', reason: 'was not validated: pass it through validateMessage first, or call send(), which validates' }],
    attempts: [],
  };
  state.emitResult(result);
  return result;
}
