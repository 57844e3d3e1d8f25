import { silentLogger, type Logger, type Provider, type ValidationIssue } from '@rota/provider';
import { createRouter, RouterOptionsError, type Router, type RouterOptions } from '@rota/core';
import { ConfigRefusedError, formatPath, toConfigIssues, type ConfigIssue } from './config-issues.js';
import { deepEqual } from './deep-equal.js';
import { startOnlyChanges, withStartSettings } from './start-only-settings.js';
import type { Env } from './interpolate.js';
import { loadConfigFile } from './load-config.js';
import { buildProviderScope, type ProviderScope } from './provider-scope.js';
import { plainHttpReceivers, providerIdOf, RotaConfigSchema, type RotaConfig } from './rota-config.js';
import type { ConfigState, GatewayRuntime, ReloadResult } from './runtime-types.js';

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

type Built = { ok: true; scopes: Map<string, ProviderScope>; created: ProviderScope[] } | { ok: false; issues: ConfigIssue[] };

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
  const built = buildScopes(checked.config, new Map(), development, logger);
  if (!built.ok) throw new ConfigRefusedError(built.issues);

  // The configuration in force: the file's, but for the settings read at start (see withStartSettings).
  const atStart = checked.config;
  let current = atStart;
  let scopes = built.scopes;
  // Every provider still open: those in force and those a reload replaced that
  // the router is still draining. The router says when one may close.
  const open = new Set<ProviderScope>(scopes.values());
  const retire = (provider: Provider): void => {
    for (const scope of open) {
      if (scope.provider !== provider) continue;
      open.delete(scope);
      void scope.close();
    }
  };

  let router: Router;
  try {
    router = createRouter(routerOptions(current, scopes, new Map(), retire, logger));
  } catch (error) {
    for (const scope of open) void scope.close();
    throw error instanceof RouterOptionsError ? new ConfigRefusedError(routerIssues(error)) : error;
  }
  let closed = false;
  let reloading: Promise<unknown> = Promise.resolve();
  // For the operations console: what is loaded, since when, and the last refusal.
  const state: ConfigState = { ...(options.configPath ? { file: options.configPath } : {}), appliedAt: new Date(), changed: [], waitingForRestart: [] };

  const logRefusal = (issues: readonly ValidationIssue[], source: string): void => {
    state.lastRefused = { at: new Date(), source, issues: issues.map(({ path, reason }) => ({ path, reason })) };
    // Issue reasons are written never to carry a value from the file, so they are safe to log.
    for (const issue of issues) logger.error({ source, path: issue.path, reason: issue.reason }, `configuration refused: ${issue.path}: ${issue.reason}`);
    logger.error({ source, issues: issues.length }, 'configuration refused: keeping the running configuration');
  };

  // Reconfiguring and closing are the runtime's: handed out, the router has neither. A spread
  // copies a getter's value once: batchConcurrency is read through, as a reload changes it.
  const { reconfigure: _reconfigure, close: _close, ...calls } = router;
  const routing: GatewayRuntime['router'] = {
    ...calls,
    get batchConcurrency() {
      return router.batchConcurrency;
    },
  };
  const runtime: GatewayRuntime = {
    router: routing,
    config: () => current,
    providers: () => new Map([...scopes].map(([id, scope]) => [id, scope.provider])),

    apply(proposed) {
      if (closed) return { ok: false, issues: [{ path: '(runtime)', reason: 'the runtime is closed' }] };
      const checked = revalidate(proposed);
      if (!checked.ok) return checked;
      const next = checked.config;
      // The webhook client is the start's: a reload's allowHttp waits for a restart, so its http receivers would all fail.
      if (!atStart.gateway.webhooks.allowHttp) {
        const plain = plainHttpReceivers(next.gateway.apiKeys, 'gateway.webhooks.allowHttp: true at start (it is read at start: restart)');
        if (plain.length > 0) return { ok: false, issues: plain.map(({ path, reason }) => ({ path: formatPath(['gateway', ...path]), reason })) };
      }
      const nextBuilt = buildScopes(next, scopes, development, logger);
      if (!nextBuilt.ok) return nextBuilt;

      // Ranks and switches the file did not change keep their run-time value (an operator's PATCH survives an unrelated edit).
      const live = new Map(router.status().map((status) => [status.providerId, { rank: status.rank, enabled: status.enabled }]));
      const routed = routerOptions(next, nextBuilt.scopes, carriedOver(scopes, nextBuilt.scopes, live), retire, logger);
      try {
        router.reconfigure(routed);
      } catch (error) {
        for (const scope of nextBuilt.created) void scope.close();
        if (error instanceof RouterOptionsError) return { ok: false, issues: routerIssues(error) };
        throw error;
      }
      for (const scope of nextBuilt.created) open.add(scope);

      const routingChanged = !deepEqual(current.routing.breaker, next.routing.breaker) || !deepEqual(current.routing.retry, next.routing.retry);
      const changed = changedProviders(scopes, nextBuilt.scopes, live, routed, routingChanged);
      const previous = current;
      current = withStartSettings(next, atStart);
      scopes = nextBuilt.scopes;

      // Against what runs, not the file before: a setting put back as it was at start waits for nothing.
      const waiting = startOnlyChanges(atStart, next);
      const news = waiting.join() !== state.waitingForRestart.join();
      state.waitingForRestart = waiting;
      if (news && waiting.length > 0) logger.warn({ settings: waiting }, `${waiting.join(', ')}: the file differs from what runs; read at start, so the file's takes effect on restart, not on this reload`);
      logger.info({ changed }, changed.length > 0 ? 'configuration applied' : 'configuration applied (no provider changes)');
      state.appliedAt = new Date();
      state.changed = changed;
      notifyApplied(current, previous);
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

    configState: () => ({
      ...state,
      appliedAt: new Date(state.appliedAt),
      changed: [...state.changed],
      waitingForRestart: [...state.waitingForRestart],
      ...(state.lastRefused ? { lastRefused: { ...state.lastRefused, at: new Date(state.lastRefused.at), issues: state.lastRefused.issues.map((i) => ({ ...i })) } } : {}),
    }),

    async close() {
      if (closed) return;
      closed = true;
      await router.close();
      // The router has aborted every call: every provider, in force or draining, can close now.
      await Promise.all([...open].map((scope) => scope.close()));
      open.clear();
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

/** The router's refusal in the file's terms: its options are the file's `providers` and `routing`. */
function routerIssues(error: RouterOptionsError): ConfigIssue[] {
  return error.issues.map((issue) => ({ path: issue.path.startsWith('providers.') ? issue.path : `routing.${issue.path}`, reason: issue.reason }));
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
 * The providers for `config`: an entry whose type and settings equal the
 * running one's keeps its provider (so the router keeps its breakers when the
 * breaker and retry settings are unchanged too); any other gets a fresh one,
 * built through its package's DI module. Nothing is swapped here: on any
 * problem the providers built so far are closed.
 */
function buildScopes(config: RotaConfig, previous: ReadonlyMap<string, ProviderScope>, development: boolean, logger: Logger): Built {
  const issues: ConfigIssue[] = [];
  const refusedSimulate = new Set<number>();
  config.providers.forEach((entry, index) => {
    const simulate = (entry.settings as { simulate?: unknown }).simulate;
    if (simulate !== undefined && !development) {
      refusedSimulate.add(index);
      issues.push({
        path: formatPath(['providers', index, 'settings', 'simulate']),
        reason: `${providerIdOf(entry)}: the simulate transport is for development only (it accepts messages without sending them); start the gateway in development mode to use it, or remove the block`,
      });
    }
  });
  // The providers are built all the same (building sends nothing, and all built here are closed on any
  // problem), so that the account checks below are reported with these, not only once these are mended;
  // a refused simulate one without a logger, so that no "SIMULATED transport" warning reads as if it ran.

  const scopes = new Map<string, ProviderScope>();
  const created: ProviderScope[] = [];
  config.providers.forEach((entry, index) => {
    const id = providerIdOf(entry);
    const before = previous.get(id);
    if (before && before.entry.type === entry.type && deepEqual(before.entry.settings, entry.settings)) {
      scopes.set(id, { ...before, entry });
      return;
    }
    try {
      const scope = buildProviderScope(entry, refusedSimulate.has(index) ? silentLogger : logger);
      created.push(scope);
      if (scope.provider.id !== id) {
        issues.push({ path: formatPath(['providers', index, 'type']), reason: `the ${entry.type} package built a provider with id "${scope.provider.id}" instead of "${id}"` });
        return;
      }
      scopes.set(id, scope);
    } catch (error) {
      issues.push(...factoryIssues(error, ['providers', index, 'settings']));
    }
  });
  config.providers.forEach((entry, index) => {
    const provider = scopes.get(providerIdOf(entry))?.provider;
    if (!provider) return;
    for (const accountId of Object.keys(entry.limits ?? {})) {
      if (provider.accountIds.includes(accountId)) continue;
      issues.push({ path: formatPath(['providers', index, 'limits', accountId]), reason: `${provider.id} has no account "${accountId}" (its accounts: ${provider.accountIds.join(', ')})` });
    }
  });
  if (issues.length > 0) {
    for (const scope of created) void scope.close();
    return { ok: false, issues };
  }
  return { ok: true, scopes, created };
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
  before: ReadonlyMap<string, ProviderScope>,
  after: ReadonlyMap<string, ProviderScope>,
  live: ReadonlyMap<string, RankAndSwitch>,
): Map<string, RankAndSwitch> {
  const kept = new Map<string, RankAndSwitch>();
  for (const [id, { entry }] of after) {
    const was = before.get(id)?.entry;
    const now = live.get(id);
    if (!was || !now) continue;
    kept.set(id, { rank: was.rank === entry.rank ? now.rank : entry.rank, enabled: was.enabled === entry.enabled ? now.enabled : entry.enabled });
  }
  return kept;
}

function routerOptions(
  config: RotaConfig,
  scopes: ReadonlyMap<string, ProviderScope>,
  liveOverrides: ReadonlyMap<string, RankAndSwitch>,
  onProviderRetired: (provider: Provider) => void,
  logger: Logger,
): RouterOptions {
  const { routing } = config;
  return {
    logger,
    onProviderRetired,
    providers: config.providers.map((entry) => {
      const live = liveOverrides.get(providerIdOf(entry));
      return {
        provider: scopes.get(providerIdOf(entry))!.provider,
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
  };
}

/**
 * Provider ids (sorted) whose instance, rank, switch or breaker/retry settings changed, or that came or went.
 * `routingChanged`: `routing.breaker` or `routing.retry` changed, every provider's settings with them (their
 * breakers start afresh: "no provider changes" was logged for it).
 */
function changedProviders(
  before: ReadonlyMap<string, ProviderScope>,
  after: ReadonlyMap<string, ProviderScope>,
  live: ReadonlyMap<string, RankAndSwitch>,
  options: RouterOptions,
  routingChanged: boolean,
): string[] {
  const next = new Map(options.providers.map((routed) => [routed.provider.id, routed]));
  return [...new Set([...after.keys(), ...before.keys()])].sort().filter((id) => {
    const was = before.get(id);
    const now = after.get(id);
    if (!was || !now) return true;
    const routed = next.get(id)!;
    const liveBefore = live.get(id);
    return (
      routingChanged ||
      was.provider !== now.provider ||
      liveBefore?.rank !== routed.rank ||
      liveBefore?.enabled !== (routed.enabled ?? true) ||
      !deepEqual(was.entry.breaker, now.entry.breaker) ||
      !deepEqual(was.entry.retry, now.entry.retry)
    );
  });
}
