import { ProviderError, validateBulkMessage, validateMessage, type BulkMessage, type Message, type Provider } from '@rota/provider';
import { DeadlineSignals } from './deadline-signals.js';
import { createLimiter } from './limiter.js';
import { ProviderTable, UnknownProviderError } from './provider-table.js';
import { resolveRouterSettings, type RouterSettings } from './router-options.js';
import { routeGroup, type Recipients, type WalkContext } from './route-walk.js';
import { RouterEventBus } from './router-events.js';
import type { BreakerOverride, Router, RouterOptions, RouteOptions, SendResult, UnknownOutcomePolicy } from './router-types.js';
import { planBatch } from './send-batch.js';

/**
 * Builds the priority router: each message goes to the enabled provider with the
 * lowest rank that can take it, skipping providers whose breaker is open.
 * Plain construction, no DI and no decorators needed. Throws a
 * `RouterOptionsError` naming every invalid option.
 */
export function createRouter(options: RouterOptions): Router {
  let settings: RouterSettings = resolveRouterSettings(options);
  const events = new RouterEventBus();
  events.logger = settings.logger;
  const table = new ProviderTable((providerId, accountId, state) => events.emit('breaker', { providerId, accountId, state }), settings.onProviderRetired);
  table.apply(settings.providers, settings.onProviderRetired);
  const deadlines = new DeadlineSignals(settings.attemptTimeoutMs);
  // Aborted by close(): retry waits end, and walks stop instead of moving down the ranks.
  const lifetime = new AbortController();
  let closed = false;

  const emitResult = (result: SendResult): void => {
    if (events.has(result.status)) events.emit(result.status, { result } as never);
  };
  const policyFor = (iysType: Message['iysType']): UnknownOutcomePolicy =>
    typeof settings.unknownOutcome === 'string' ? settings.unknownOutcome : (settings.unknownOutcome[iysType] ?? 'stop');

  /** Routes already-validated messages that share one text; `finish` is called once per recipient. */
  const route = (template: Message, recipients: Recipients, finish: WalkContext['finish'], limit: WalkContext['limit'], options: RouteOptions) =>
    routeGroup(
      { events, unknownOutcome: policyFor, deadlines, limit, finish, signal: options.signal, beforeAttempt: options.beforeAttempt, lifetime: lifetime.signal },
      table.ordered,
      template,
      recipients,
    );

  const sendValid = async (message: Message, options: RouteOptions): Promise<SendResult> => {
    let result: SendResult | undefined;
    await route(message, { to: [message.to], index: [0] }, (_, r) => (result = r), undefined, options);
    emitResult(result!);
    return result!;
  };

  /** One call through a provider's slot, outside the walk (a status read, a health check): bounded by the router's deadline. */
  const throughSlot = async <T>(providerId: string, call: (provider: Provider, signal: AbortSignal) => Promise<T>, callerSignal?: AbortSignal): Promise<T> => {
    if (closed) throw new Error('the router is closed');
    const slot = table.slotOf(providerId);
    const deadline = deadlines.bucket();
    const signal = callerSignal ? AbortSignal.any([deadline.signal, callerSignal]) : deadline.signal;
    return slot.use(() => deadline.race(call(slot.provider, signal)));
  };

  const sendChecked = (message: Message, options: RouteOptions = {}): Promise<SendResult> =>
    closed ? Promise.resolve(closedResult()) : sendValid(message, options);

  const sendBatchChecked = async (messages: readonly Message[], options: RouteOptions = {}): Promise<SendResult[]> => {
    if (closed) return messages.map(() => closedResult());
    const results = new Array<SendResult>(messages.length);
    const limit = createLimiter(settings.batchConcurrency);
    const finish = (index: number, result: SendResult): void => {
      results[index] = result;
      emitResult(result);
    };
    await Promise.all(planBatch(messages).map((group) => route(group.template, group, finish, limit, options)));
    return results;
  };

  const sendBulkChecked = async (bulk: BulkMessage, options: RouteOptions = {}): Promise<SendResult[]> => {
    if (closed) return bulk.to.map(() => closedResult());
    const results = new Array<SendResult>(bulk.to.length);
    const index = new Array<number>(bulk.to.length);
    for (let i = 0; i < index.length; i++) index[i] = i;
    const template: Message = { ...bulk, to: bulk.to[0]! };
    const finish = (position: number, result: SendResult): void => {
      results[position] = result;
      emitResult(result);
    };
    await route(template, { to: bulk.to, index }, finish, createLimiter(settings.batchConcurrency), options);
    return results;
  };

  const router: Router = {
    // Not async: a single send is the hot path, and an async wrapper around the
    // promise sendValid already returns costs one more promise and its ticks.
    send(input, sendOptions) {
      try {
        if (closed) return Promise.resolve(closedResult());
        const validation = validateMessage(input);
        if (!validation.ok) {
          const result: SendResult = { status: 'rejected', reason: 'invalid message', issues: validation.issues, attempts: [] };
          emitResult(result);
          return Promise.resolve(result);
        }
        return sendChecked(validation.message, sendOptions ?? {});
      } catch (error) {
        // e.g. a getter on the input that throws: still a rejection, as from an async function
        return Promise.reject(error);
      }
    },
    sendChecked: (message, sendOptions) => sendChecked(message, sendOptions ?? {}),

    async sendBatch(inputs, batchOptions) {
      if (closed) return inputs.map(() => closedResult());
      const validations = inputs.map((input) => validateMessage(input));
      const invalid = validations.flatMap((v, index) => (v.ok ? [] : [index]));
      // Never a half-sent batch: one invalid message refuses all of them, and nothing is sent.
      if (invalid.length > 0) return refusedBatch(validations, invalid);
      return sendBatchChecked(validations.map((v) => (v as Extract<typeof v, { ok: true }>).message), batchOptions ?? {});
    },
    sendBatchChecked: (messages, batchOptions) => sendBatchChecked(messages, batchOptions ?? {}),

    async sendBulk(input, bulkOptions) {
      const to: unknown = (input as { to?: unknown } | null)?.to;
      const count = Array.isArray(to) ? to.length : 1;
      if (closed) return Array.from({ length: count }, () => closedResult());
      const validation = validateBulkMessage(input);
      if (!validation.ok) {
        // Never half-sent: one bad number or field refuses the whole bulk.
        const result: SendResult = { status: 'rejected', reason: 'invalid bulk message: nothing was sent', issues: validation.issues, attempts: [] };
        return Array.from({ length: count }, () => result);
      }
      return sendBulkChecked(validation.bulk, bulkOptions ?? {});
    },
    sendBulkChecked: (bulk, bulkOptions) => sendBulkChecked(bulk, bulkOptions ?? {}),

    deliveryStatus({ providerId, accountId, providerMessageIds }, statusOptions = {}) {
      return throughSlot(
        providerId,
        async (provider, signal) => {
          if (!provider.status) throw new ProviderError('provider-unavailable', `${providerId} cannot read delivery status`, { code: 'unsupported' });
          return provider.status({ accountId, providerMessageIds }, { signal });
        },
        statusOptions.signal,
      );
    },

    async health(providerId, healthOptions = {}) {
      return throughSlot(providerId, async (provider, signal) => (provider.health ? provider.health({ signal }) : undefined), healthOptions.signal);
    },

    receiveReports(providerId, push) {
      const { provider } = table.slotOf(providerId);
      if (!provider.receiveReports) return { ok: false, status: 401, reason: `${providerId} does not push delivery reports` };
      return provider.receiveReports(push);
    },

    status: () => table.status(),
    setEnabled: (providerId, enabled) => table.setEnabled(providerId, enabled),
    setRank: (providerId, rank) => table.setRank(providerId, rank),

    forceBreaker(providerId, accountId, state: BreakerOverride) {
      const slot = table.slotOf(providerId);
      if (!slot.provider.accountIds.includes(accountId)) {
        throw new UnknownProviderError(`provider "${providerId}" has no account "${accountId}"; known: ${slot.provider.accountIds.join(', ')}`);
      }
      const breaker = slot.breakerFor(accountId);
      breaker.override = state;
      events.emit('breaker', { providerId, accountId, state: breaker.state });
    },

    reconfigure(next) {
      if (closed) throw new Error('the router is closed');
      // All or nothing: everything is validated before anything changes.
      const nextSettings = resolveRouterSettings(next);
      settings = nextSettings;
      events.logger = nextSettings.logger;
      deadlines.setTimeout(nextSettings.attemptTimeoutMs);
      table.apply(nextSettings.providers, nextSettings.onProviderRetired);
    },

    on: (event, listener) => events.on(event, listener),

    async close() {
      if (closed) return;
      closed = true;
      lifetime.abort(new ProviderError('outcome-unknown', 'the router closed', { code: 'router-closed' }));
      table.shutdown();
      deadlines.close();
      events.clear();
    },
  };
  return router;
}

/** Each message of a refused batch: the invalid ones with their issues, the others saying the batch was refused. */
function refusedBatch(validations: ReturnType<typeof validateMessage>[], invalid: number[]): SendResult[] {
  return validations.map((v, index): SendResult =>
    v.ok
      ? {
          status: 'rejected',
          to: v.message.to,
          reason: `batch refused: ${invalid.length} invalid message(s), nothing was sent`,
          issues: invalid.slice(0, 20).map((i) => ({ path: `[${i}]`, reason: 'is invalid' })),
          attempts: [],
        }
      : { status: 'rejected', reason: 'invalid message', issues: v.issues.map((issue) => ({ ...issue, path: `[${index}].${issue.path}` })), attempts: [] },
  );
}

function closedResult(): SendResult {
  return { status: 'failed', reason: 'the router is closed', attempts: [] };
}
