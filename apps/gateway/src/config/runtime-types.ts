import type { Provider, ValidationIssue } from '@rota/provider';
import type { Router } from '@rota/core';
import type { ConfigIssue } from './config-issues.js';
import type { RotaConfig } from './rota-config.js';

/** A configuration read and validated, or every problem with its path (syntax errors also with line and column). */
export type ConfigResult = { ok: true; config: RotaConfig } | { ok: false; issues: ConfigIssue[] };

export type ReloadResult = { ok: true; changed: string[] } | { ok: false; issues: ValidationIssue[] };

/**
 * What an operator needs to know about the configuration in force: the file it
 * came from, when it was last applied, and the last reload that was refused
 * (and why; issue reasons never carry a value from the file). No setting.
 */
export interface ConfigState {
  /** The file `reload()` re-reads; absent for a runtime built in code. */
  file?: string;
  /** When the configuration in force was applied (at start, or by the last successful reload). */
  appliedAt: Date;
  /** The providers that last successful apply changed. */
  changed: string[];
  /** Settings read at start (e.g. `gateway.webhooks`) where the file applied last differs from what runs: they wait for a restart. */
  waitingForRestart: string[];
  lastRefused?: { at: Date; source: string; issues: ValidationIssue[] };
}

/**
 * The running system built from one configuration: providers and the router.
 * The HTTP layer reads `router` and `config()` on every request, so a reload
 * (new API keys, new ranks) takes effect for the next request.
 */
export interface GatewayRuntime {
  /**
   * The router in force. It is reconfigured only through `apply` (which keeps
   * the providers and the configuration in step) and closed only by `close`.
   */
  readonly router: Omit<Router, 'reconfigure' | 'close'>;
  /** The configuration in force (holds secrets: never log or serialise it). */
  config(): RotaConfig;
  /**
   * The provider instances in force, keyed by provider id, for diagnostics and
   * tests. Every call to a provider — sends, status reads, health checks — goes
   * through `router`, whose slots keep a reload from closing a provider mid-call.
   */
  providers(): ReadonlyMap<string, Provider>;
  /** Validates `next` first; on success swaps atomically, keeping unchanged providers (and their breakers). */
  apply(next: RotaConfig): ReloadResult;
  /** Re-reads the file the runtime was started from (if any) and applies it; on error keeps the running config and logs every reason. */
  reload(): Promise<ReloadResult>;
  /** Which file is loaded, when it was applied, and the last refused reload. */
  configState(): ConfigState;
  close(): Promise<void>;
}
