import type { Logger, Provider, ValidationIssue } from '@rota/provider';
import { createRouter, type RouterOptions } from '@rota/core';
import { ConfigRefusedError, formatPath, toConfigIssues, type ConfigIssue } from './config-issues.js';
import { deepEqual } from './deep-equal.js';
import type { Env } from './interpolate.js';
import { loadConfigFile } from './load-config.js';
import { createProvider, PROVIDER_TYPES, type ProviderType } from './provider-registry.js';
import { composeProviders } from './provider-container.js';
import { closeProvider, ProviderRetirement, trackedRouter } from './provider-retirement.js';
import { RotaConfigSchema, type ProviderEntry, type RotaConfig } from './rota-config.js';
import type { GatewayRuntime, ReloadResult } from './runtime-types.js';

export interface CreateRuntimeOptions {
  logger: Logger;
  /** Allows the stubs' `simulate` transport. Off in production: a simulated acceptance looks like a sent message. */
  development: boolean;
  /** The file `reload()` re-reads. */
  configPath?: string;
  /** Environment for `${VAR}` interpolation on reload (default: process.env). */
  env?: Env;
  /** Called after every successful apply (e.g. to change the log level). */
  onApplied?: (config: RotaConfig, previous: RotaConfig) => void;
}

interface Running {
  entry: ProviderEntry;
  provider: Provider;
}

type Built = { ok: true; running: Map<ProviderType, Running>; created: Provider[] } | { ok: false; issues: ConfigIssue[] };

/**
 * Builds the providers and the router from a validated configuration.
 * Throws a `ConfigRefusedError` (every problem with its path) when the
 * configuration cannot run: a `simulate` block without `development`, or a
 * provider that refuses its settings.
 */
export function createRuntime(initial: RotaConfig, options: CreateRuntimeOptions): GatewayRuntime {
  const { logger, development } = options;
  const checked = revalidate(initial);
  if (!checked.ok) throw new ConfigRefusedError(checked.issues);
  const { config } = checked;
  // The first providers come from the packages' DI modules, composed in one container;
  // buildProviders runs its checks (simulate, ids) before anything is resolved.
  let composed: ReturnType<typeof composeProviders> | undefined;
  const fromContainer = (entry: ProviderEntry): Provider => {
    composed ??= composeProviders(config, logger);
    const provider = composed.providers.get(entry.type);
    if (!provider) throw new Error(`the ${entry.type} DI module bound no provider with id "${entry.type}"`);
    return provider;
  };
  const built = buildProviders(config, new Map(), development, logger, fromContainer);
  if (!built.ok) {
    void composed?.container.unbindAll();
    throw new ConfigRefusedError(built.issues);
  }

  let current = config;
  let running = built.running;
  let inner: ReturnType<typeof createRouter>;
  try {
    inner = createRouter(routerOptions(config, running, new Map()));
  } catch (error) {
    for (const provider of built.created) void closeProvider(provider, logger);
    throw error;
  }
  const retirement = new ProviderRetirement(logger);
  const router = trackedRouter(inner, retirement);
  let closed = false;
  let reloading: Promise<unknown> = Promise.resolve();

  const logRefusal = (issues: readonly ValidationIssue[], source: string): void => {
    // Issue reasons are written never to carry a value from the file, so they are safe to log.
    for (const issue of issues) logger.error({ source, path: issue.path, reason: issue.reason }, `configuration refused: ${issue.path}: ${issue.reason}`);
    logger.error({ source, issues: issues.length }, 'configuration refused: keeping the running configuration');
  };

  const runtime: GatewayRuntime = {
    router,
    config: () => current,
    providers: () => new Map([...running].map(([type, { provider }]) => [type, provider])),

    apply(proposed) {
      if (closed) return { ok: false, issues: [{ path: '(runtime)', reason: 'the runtime is closed' }] };
      const checked = revalidate(proposed);
      if (!checked.ok) return checked;
      const next = checked.config;
      const nextBuilt = buildProviders(next, running, development, logger);
      if (!nextBuilt.ok) return nextBuilt;

      // Ranks and switches the file did not change keep their run-time value (an operator's PATCH survives an unrelated edit).
      const live = new Map(inner.status().map((status) => [status.providerId, { rank: status.rank, enabled: status.enabled }]));
      const options = routerOptions(next, nextBuilt.running, carriedOver(running, nextBuilt.running, live));
      try {
        inner.reconfigure(options);
      } catch (error) {
        for (const provider of nextBuilt.created) void closeProvider(provider, logger);
        return { ok: false, issues: [{ path: 'routing', reason: error instanceof Error ? error.message : String(error) }] };
      }

      const changed = changedProviders(running, nextBuilt.running, live, options);
      const kept = new Set([...nextBuilt.running.values()].map((r) => r.provider));
      const replaced = [...running.values()].map((r) => r.provider).filter((provider) => !kept.has(provider));
      const previous = current;
      current = next;
      running = nextBuilt.running;
      retirement.retire(replaced);

      if (!deepEqual(previous.gateway.listen, next.gateway.listen)) {
        logger.warn({ listen: next.gateway.listen }, 'gateway.listen changed: the new address takes effect on restart');
      }
      logger.info({ changed }, changed.length > 0 ? 'configuration applied' : 'configuration applied (no provider changes)');
      notifyApplied(next, previous);
      return { ok: true, changed };
    },

    reload() {
      const run = reloading.then(async (): Promise<ReloadResult> => {
        const path = options.configPath;
        if (!path) return { ok: false, issues: [{ path: '(runtime)', reason: 'the runtime was not started from a configuration file' }] };
        const loaded = await loadConfigFile(path, options.env ?? process.env);
        if (!loaded.ok) {
          logRefusal(loaded.issues, path);
          return loaded;
        }
        const result = runtime.apply(loaded.config);
        if (!result.ok) logRefusal(result.issues, path);
        return result;
      });
      reloading = run.catch(() => undefined);
      return run;
    },

    async close() {
      if (closed) return;
      closed = true;
      await inner.close();
      // Providers close idempotently, so those the container built may be closed by both paths.
      await Promise.all([...[...running.values()].map((r) => closeProvider(r.provider, logger)), retirement.closeAll(), composed?.container.unbindAll()]);
    },
  };

  function notifyApplied(next: RotaConfig, previous: RotaConfig): void {
    try {
      options.onApplied?.(next, previous);
    } catch (error) {
      logger.error({ error: error instanceof Error ? error.message : String(error) }, 'configuration applied, but the onApplied hook failed');
    }
  }

  return runtime;
}

/**
 * Runs the schema again: a configuration built or adjusted in code (not read
 * from a file) gets the same checks, and the result is normalised. Parsing a
 * parsed configuration is a no-op for a valid one.
 */
function revalidate(config: RotaConfig): { ok: true; config: RotaConfig } | { ok: false; issues: ConfigIssue[] } {
  const parsed = RotaConfigSchema.safeParse(config);
  return parsed.success ? { ok: true, config: parsed.data } : { ok: false, issues: toConfigIssues(parsed.error) };
}

/**
 * The provider instances for `config`: an entry whose settings equal the running
 * one's keeps its instance (so the router keeps its breakers when the breaker and
 * retry settings are unchanged too); any other gets a fresh instance. Nothing is
 * swapped here: on any problem the instances created so far are closed.
 */
function buildProviders(
  config: RotaConfig,
  previous: ReadonlyMap<ProviderType, Running>,
  development: boolean,
  logger: Logger,
  create: (entry: ProviderEntry) => Provider = (entry) => createProvider(entry.type, entry.settings as never, { logger }),
): Built {
  const issues: ConfigIssue[] = [];
  config.providers.forEach((entry, index) => {
    const simulate = (entry.settings as { simulate?: unknown }).simulate;
    if (simulate !== undefined && !development) {
      issues.push({
        path: formatPath(['providers', index, 'settings', 'simulate']),
        reason: `${entry.type}: the simulate transport is for development only (it accepts messages without sending them); start the gateway in development mode to use it, or remove the block`,
      });
    }
  });
  if (issues.length > 0) return { ok: false, issues };

  const running = new Map<ProviderType, Running>();
  const created: Provider[] = [];
  config.providers.forEach((entry, index) => {
    const before = previous.get(entry.type);
    if (before && deepEqual(before.entry.settings, entry.settings)) {
      running.set(entry.type, { entry, provider: before.provider });
      return;
    }
    try {
      const provider = create(entry);
      if (provider.id !== entry.type) {
        created.push(provider);
        issues.push({ path: formatPath(['providers', index, 'type']), reason: `the ${entry.type} package built a provider with id "${provider.id}"` });
        return;
      }
      created.push(provider);
      running.set(entry.type, { entry, provider });
    } catch (error) {
      issues.push(...factoryIssues(error, ['providers', index, 'settings']));
    }
  });
  if (issues.length > 0) {
    for (const provider of created) void closeProvider(provider, logger);
    return { ok: false, issues };
  }
  return { ok: true, running, created };
}

/** A factory's refusal as issues under the entry's `settings` (packages' config errors carry `issues`). */
function factoryIssues(error: unknown, prefix: PropertyKey[]): ConfigIssue[] {
  const inner = (error as { issues?: unknown } | null)?.issues;
  if (Array.isArray(inner) && inner.every((i) => typeof i?.path === 'string' && typeof i?.reason === 'string')) {
    return (inner as ValidationIssue[]).map((issue) => ({
      path: issue.path === '(root)' ? formatPath(prefix) : `${formatPath(prefix)}.${issue.path}`,
      reason: issue.reason,
    }));
  }
  return [{ path: formatPath(prefix), reason: `the provider refused its settings: ${error instanceof Error ? error.message : String(error)}` }];
}

type RankAndSwitch = { rank: number; enabled: boolean };

/**
 * Run-time ranks and switches to keep: where the file's rank (or `enabled`) is
 * the same as in the configuration it replaces, the router's current value
 * stays — so an operator's `PATCH /v1/providers/:id` survives a reload that
 * edited something else. Where the file changed it, the file wins.
 */
function carriedOver(
  before: ReadonlyMap<ProviderType, Running>,
  after: ReadonlyMap<ProviderType, Running>,
  live: ReadonlyMap<string, RankAndSwitch>,
): Map<ProviderType, RankAndSwitch> {
  const kept = new Map<ProviderType, RankAndSwitch>();
  for (const [type, { entry }] of after) {
    const was = before.get(type)?.entry;
    const now = live.get(type);
    if (!was || !now) continue;
    kept.set(type, { rank: was.rank === entry.rank ? now.rank : entry.rank, enabled: was.enabled === entry.enabled ? now.enabled : entry.enabled });
  }
  return kept;
}

function routerOptions(
  config: RotaConfig,
  running: ReadonlyMap<ProviderType, Running>,
  liveOverrides: ReadonlyMap<ProviderType, RankAndSwitch>,
): RouterOptions {
  const { routing } = config;
  return {
    providers: config.providers.map((entry) => {
      const live = liveOverrides.get(entry.type);
      return {
        provider: running.get(entry.type)!.provider,
        rank: live?.rank ?? entry.rank,
        enabled: live?.enabled ?? entry.enabled,
        ...(entry.breaker ? { breaker: entry.breaker } : {}),
        ...(entry.retry ? { retry: entry.retry } : {}),
      };
    }),
    ...(routing.breaker ? { breaker: routing.breaker } : {}),
    ...(routing.retry ? { retry: routing.retry } : {}),
    unknownOutcome: routing.unknownOutcome,
    ...(routing.attemptTimeoutMs !== undefined ? { attemptTimeoutMs: routing.attemptTimeoutMs } : {}),
    ...(routing.batchConcurrency !== undefined ? { batchConcurrency: routing.batchConcurrency } : {}),
    ...(routing.idempotencyCacheSize !== undefined ? { idempotencyCacheSize: routing.idempotencyCacheSize } : {}),
  };
}

/** Provider types whose instance, rank, switch or breaker/retry settings changed, or that came or went. */
function changedProviders(
  before: ReadonlyMap<ProviderType, Running>,
  after: ReadonlyMap<ProviderType, Running>,
  live: ReadonlyMap<string, RankAndSwitch>,
  options: RouterOptions,
): string[] {
  const next = new Map(options.providers.map((routed) => [routed.provider.id, routed]));
  return PROVIDER_TYPES.filter((type) => {
    const was = before.get(type);
    const now = after.get(type);
    if (!was || !now) return Boolean(was ?? now);
    const routed = next.get(type)!;
    const liveBefore = live.get(type);
    return (
      was.provider !== now.provider ||
      liveBefore?.rank !== routed.rank ||
      liveBefore?.enabled !== (routed.enabled ?? true) ||
      !deepEqual(was.entry.breaker, now.entry.breaker) ||
      !deepEqual(was.entry.retry, now.entry.retry)
    );
  });
}
