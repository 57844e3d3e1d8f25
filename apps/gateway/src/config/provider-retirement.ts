import type { Logger, Provider } from '@rota/provider';
import type { Router } from '@rota/core';

/**
 * Closes provider instances a reload replaced — but only once no message can
 * still reach them. A message routed before the swap may walk down to a
 * replaced provider (the router lets in-flight messages finish on the providers
 * they started with), so each router operation is stamped with the
 * configuration generation it started in, and an instance retired at the swap
 * from generation g is closed when the last operation started in generation
 * g or earlier has finished. No timer and no guess: when nothing is in flight
 * the old instance closes at once. Every router call is bounded by the
 * router's attempt timeout and retry deadline, so "finished" always comes.
 */
export class ProviderRetirement {
  private generation = 0;
  /** generation → router operations started in it and not finished. */
  private readonly inFlight = new Map<number, number>();
  /** Instances no operation started after `generation` can reach. */
  private readonly retiring: Array<{ generation: number; providers: Provider[] }> = [];

  constructor(private readonly logger: Logger) {}

  /** Runs a router operation, stamped with the current generation. */
  async track<T>(operation: () => Promise<T>): Promise<T> {
    const generation = this.generation;
    this.inFlight.set(generation, (this.inFlight.get(generation) ?? 0) + 1);
    try {
      return await operation();
    } finally {
      const left = (this.inFlight.get(generation) ?? 1) - 1;
      if (left === 0) this.inFlight.delete(generation);
      else this.inFlight.set(generation, left);
      this.closeUnreachable();
    }
  }

  /** Called right after the router switched to a new provider list: `replaced` are closed when safe. */
  retire(replaced: readonly Provider[]): void {
    if (replaced.length > 0) this.retiring.push({ generation: this.generation, providers: [...replaced] });
    this.generation += 1;
    this.closeUnreachable();
  }

  /** Closes everything still waiting, at once (the runtime is shutting down). */
  async closeAll(): Promise<void> {
    const all = this.retiring.splice(0).flatMap((entry) => entry.providers);
    await Promise.all(all.map((provider) => closeProvider(provider, this.logger)));
  }

  /** Instances waiting to be closed (for tests and diagnostics). */
  pending(): number {
    return this.retiring.reduce((sum, entry) => sum + entry.providers.length, 0);
  }

  private closeUnreachable(): void {
    const oldestInFlight = this.inFlight.size === 0 ? Infinity : Math.min(...this.inFlight.keys());
    for (let i = this.retiring.length - 1; i >= 0; i -= 1) {
      const entry = this.retiring[i]!;
      if (entry.generation >= oldestInFlight) continue;
      this.retiring.splice(i, 1);
      for (const provider of entry.providers) void closeProvider(provider, this.logger);
    }
  }
}

/** Closes one provider; a failure to close is logged (by name and message only), never thrown. */
export async function closeProvider(provider: Provider, logger: Logger): Promise<void> {
  try {
    await provider.close?.();
  } catch (error) {
    logger.warn({ provider: provider.id, error: error instanceof Error ? error.message : String(error) }, `${provider.id}: closing the provider failed`);
  }
}

/**
 * The router as the runtime hands it out: the same router, with sends and
 * status reads stamped for `ProviderRetirement`. `reconfigure` is refused —
 * configuration changes go through `GatewayRuntime.apply`, which keeps the
 * provider instances and the configuration in step.
 */
export function trackedRouter(inner: Router, retirement: ProviderRetirement): Router {
  return {
    send: (message, options) => retirement.track(() => inner.send(message, options)),
    sendBatch: (messages, options) => retirement.track(() => inner.sendBatch(messages, options)),
    sendBulk: (bulk, options) => retirement.track(() => inner.sendBulk(bulk, options)),
    deliveryStatus: (request) => retirement.track(() => inner.deliveryStatus(request)),
    status: () => inner.status(),
    setEnabled: (providerId, enabled) => inner.setEnabled(providerId, enabled),
    setRank: (providerId, rank) => inner.setRank(providerId, rank),
    forceBreaker: (providerId, accountId, state) => inner.forceBreaker(providerId, accountId, state),
    reconfigure: () => {
      throw new Error('change the configuration through GatewayRuntime.apply() or reload(), not router.reconfigure()');
    },
    on: (event, listener) => inner.on(event, listener),
    close: () => inner.close(),
  };
}
