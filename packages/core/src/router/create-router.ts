import { ProviderError, validateBulkMessage, validateMessage, type Message } from '@rota/provider';
import { DeadlineSignals } from './deadline-signals.js';
import { IdempotencyCache } from './idempotency-cache.js';
import { createLimiter } from './limiter.js';
import { ProviderSlot } from './provider-slot.js';
import { routeGroup, type Recipients, type WalkContext } from './route-walk.js';
import { RouterEventBus } from './router-events.js';
import {
  BreakerSettingsSchema,
  RetrySettingsSchema,
  UnknownOutcomeSettingsSchema,
  type BreakerOverride,
  type BreakerState,
  type Router,
  type RouterOptions,
  type SendResult,
  type UnknownOutcomePolicy,
} from './router-types.js';

const DEFAULT_ATTEMPT_TIMEOUT_MS = 30_000;

/**
 * Builds the priority router: each message goes to the enabled provider with the
 * lowest rank that can take it, skipping providers whose breaker is open.
 * Plain construction, no DI and no decorators needed.
 */
export function createRouter(options: RouterOptions): Router {
  const events = new RouterEventBus();
  const idempotency = new IdempotencyCache(options.idempotencyCacheSize ?? 100_000);
  const slots = new Map<string, ProviderSlot>();
  let settings = resolveSettings(options);
  // Rank order is computed when ranks change, not on every message.
  let ordered: ProviderSlot[] = [];
  const reorder = (): void => {
    ordered = [...slots.values()].filter((s) => s.enabled).sort((a, b) => a.rank - b.rank);
  };

  /**
   * Takes a new provider list. A provider whose instance and breaker/retry
   * settings are unchanged keeps its slot, so its breakers keep their state; a
   * replaced slot is retired once the messages already walking through it finish.
   */
  const applyProviders = (next: RouterOptions): void => {
    const ids = new Set<string>();
    for (const routed of next.providers) {
      if (ids.has(routed.provider.id)) throw new Error(`providers: "${routed.provider.id}" is listed twice`);
      ids.add(routed.provider.id);
    }
    const replaced: ProviderSlot[] = [];
    const fresh = new Map<string, ProviderSlot>();
    for (const routed of next.providers) {
      const breakerSettings = BreakerSettingsSchema.parse({ ...settings.breaker, ...routed.breaker });
      const retrySettings = RetrySettingsSchema.parse({ ...settings.retry, ...routed.retry });
      const current = slots.get(routed.provider.id);
      if (current && current.provider === routed.provider && current.sameSettings(breakerSettings, retrySettings)) {
        current.rank = routed.rank;
        current.enabled = routed.enabled ?? true;
        fresh.set(current.id, current);
        continue;
      }
      if (current) replaced.push(current);
      const onState = (providerId: string, accountId: string, state: BreakerState) => events.emit('breaker', { providerId, accountId, state });
      fresh.set(routed.provider.id, new ProviderSlot(routed.provider, routed.rank, routed.enabled ?? true, breakerSettings, retrySettings, onState));
    }
    for (const [id, slot] of slots) if (!fresh.has(id)) replaced.push(slot);
    slots.clear();
    for (const [id, slot] of fresh) slots.set(id, slot);
    reorder();
    for (const slot of replaced) slot.retire();
  };
  applyProviders(options);

  let closed = false;
  const slotOf = (providerId: string): ProviderSlot => {
    const slot = slots.get(providerId);
    if (!slot) throw new Error(`unknown provider "${providerId}"; known: ${[...slots.keys()].join(', ')}`);
    return slot;
  };

  const emitResult = (result: SendResult): void => {
    if (events.has(result.status)) events.emit(result.status, { result } as never);
  };

  /** Routes already-validated messages that share one text; `finish` is called once per recipient. */
  const policyFor = (iysType: Message['iysType']): UnknownOutcomePolicy =>
    typeof settings.unknownOutcome === 'string' ? settings.unknownOutcome : (settings.unknownOutcome[iysType] ?? 'stop');
  const route = (template: Message, recipients: Recipients, finish: WalkContext['finish'], limit: WalkContext['limit'], signal?: AbortSignal) =>
    routeGroup({ events, unknownOutcome: policyFor, deadlines: settings.deadlines, limit, finish, signal }, ordered, template, recipients);

  const sendValid = async (message: Message, signal?: AbortSignal): Promise<SendResult> => {
    let result: SendResult | undefined;
    await route(message, { to: [message.to], index: [0] }, (_, r) => (result = r), undefined, signal);
    emitResult(result!);
    return result!;
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
        const message = validation.message;
        const signal = sendOptions?.signal;
        const key = message.idempotencyKey;
        if (key === undefined) return sendValid(message, signal);
        const earlier = idempotency.get(key);
        if (earlier) return earlier;
        const pending = sendValid(message, signal);
        idempotency.remember(key, pending);
        return pending;
      } catch (error) {
        // e.g. a getter on the input that throws: still a rejection, as from an async function
        return Promise.reject(error);
      }
    },

    async sendBatch(inputs, batchOptions = {}) {
      if (closed) return inputs.map(() => closedResult());
      const validations = inputs.map((input) => validateMessage(input));
      const invalid = validations.flatMap((v, index) => (v.ok ? [] : [index]));
      if (invalid.length > 0) {
        // Never a half-sent batch: one bad message and nothing is sent.
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

      const results = new Array<SendResult>(inputs.length);
      const limit = createLimiter(settings.batchConcurrency);
      const groups = new Map<string, { template: Message; to: string[]; index: number[] }>();
      const repeats: Array<{ index: number; of: Promise<SendResult> }> = [];
      const keyed = new Map<number, (result: SendResult) => void>();

      validations.forEach((v, index) => {
        const message = (v as { ok: true; message: Message }).message;
        const key = message.idempotencyKey;
        if (key !== undefined) {
          const earlier = idempotency.get(key);
          if (earlier) return void repeats.push({ index, of: earlier });
          let resolve!: (r: SendResult) => void;
          idempotency.remember(key, new Promise<SendResult>((r) => (resolve = r)));
          keyed.set(index, resolve);
        }
        const groupKey = `${message.iysType}\u0000${message.sender ?? ''}\u0000${message.recipientType}\u0000${message.otp}\u0000${message.sendAt?.getTime() ?? ''}\u0000${message.validUntil?.getTime() ?? ''}\u0000${message.text}`;
        let group = groups.get(groupKey);
        if (!group) groups.set(groupKey, (group = { template: message, to: [], index: [] }));
        group.to.push(message.to);
        group.index.push(index);
      });

      const finish = (index: number, result: SendResult): void => {
        results[index] = result;
        keyed.get(index)?.(result);
        emitResult(result);
      };
      await Promise.all([...groups.values()].map((g) => route(g.template, g, finish, limit, batchOptions.signal)));
      for (const repeat of repeats) results[repeat.index] = await repeat.of;
      return results;
    },

    async sendBulk(input, bulkOptions = {}) {
      const to: unknown = (input as { to?: unknown } | null)?.to;
      const count = Array.isArray(to) ? to.length : 1;
      if (closed) return Array.from({ length: count }, () => closedResult());
      const validation = validateBulkMessage(input);
      if (!validation.ok) {
        // Never half-sent: one bad number or field refuses the whole bulk.
        const result: SendResult = { status: 'rejected', reason: 'invalid bulk message: nothing was sent', issues: validation.issues, attempts: [] };
        return Array.from({ length: count }, () => result);
      }
      const { bulk } = validation;
      const results = new Array<SendResult>(bulk.to.length);
      const index = new Array<number>(bulk.to.length);
      for (let i = 0; i < index.length; i++) index[i] = i;
      const template: Message = { ...bulk, to: bulk.to[0]! };
      const finish = (index: number, result: SendResult): void => {
        results[index] = result;
        emitResult(result);
      };
      await route(template, { to: bulk.to, index }, finish, createLimiter(settings.batchConcurrency), bulkOptions.signal);
      return results;
    },

    async deliveryStatus({ providerId, accountId, providerMessageIds }) {
      const provider = slotOf(providerId).provider;
      if (!provider.status) throw new ProviderError('provider-unavailable', `${providerId} cannot read delivery status`, { code: 'unsupported' });
      return provider.status({ accountId, providerMessageIds });
    },

    status: () => [...slots.values()].sort((a, b) => a.rank - b.rank).map((slot) => slot.status()),

    setEnabled(providerId, enabled) {
      slotOf(providerId).enabled = enabled;
      reorder();
    },

    setRank(providerId, rank) {
      if (!Number.isFinite(rank)) throw new Error(`rank must be a finite number, got ${rank}`);
      slotOf(providerId).rank = rank;
      reorder();
    },

    forceBreaker(providerId, accountId, state: BreakerOverride) {
      const slot = slotOf(providerId);
      if (!slot.provider.accountIds.includes(accountId)) {
        throw new Error(`provider "${providerId}" has no account "${accountId}"; known: ${slot.provider.accountIds.join(', ')}`);
      }
      const breaker = slot.breakerFor(accountId);
      breaker.override = state;
      events.emit('breaker', { providerId, accountId, state: breaker.state });
    },

    reconfigure(next) {
      if (closed) throw new Error('the router is closed');
      const nextSettings = resolveSettings(next); // validate everything before changing anything
      const previous = settings;
      settings = nextSettings;
      try {
        applyProviders(next);
      } catch (error) {
        settings = previous;
        nextSettings.deadlines.close();
        throw error;
      }
      // Calls already running keep their deadlines; the old buckets' timers are unref'd and expire on their own.
    },

    on: (event, listener) => events.on(event, listener),

    async close() {
      if (closed) return;
      closed = true;
      for (const slot of slots.values()) slot.shutdown();
      settings.deadlines.close();
      events.clear();
    },
  };
  return router;
}

function resolveSettings(options: RouterOptions) {
  return {
    breaker: BreakerSettingsSchema.parse(options.breaker ?? {}),
    retry: RetrySettingsSchema.parse(options.retry ?? {}),
    unknownOutcome: UnknownOutcomeSettingsSchema.parse(options.unknownOutcome ?? 'stop'),
    deadlines: new DeadlineSignals(options.attemptTimeoutMs ?? DEFAULT_ATTEMPT_TIMEOUT_MS),
    batchConcurrency: options.batchConcurrency ?? 4,
  };
}

function closedResult(): SendResult {
  return { status: 'failed', reason: 'the router is closed', attempts: [] };
}
