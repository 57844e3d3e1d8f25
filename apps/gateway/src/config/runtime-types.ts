import type { Provider, ValidationIssue } from '@rota/provider';
import type { Router } from '@rota/core';
import type { ConfigIssue } from './config-issues.js';
import type { RotaConfig } from './rota-config.js';

/** A configuration read and validated, or every problem with its path (syntax errors also with line and column). */
export type ConfigResult = { ok: true; config: RotaConfig } | { ok: false; issues: ConfigIssue[] };

export type ReloadResult = { ok: true; changed: string[] } | { ok: false; issues: ValidationIssue[] };

/**
 * The running system built from one configuration: providers and the router.
 * The HTTP layer reads `router` and `config()` on every request, so a reload
 * (new API keys, new ranks) takes effect for the next request.
 */
export interface GatewayRuntime {
  readonly router: Router;
  /** The configuration in force (holds secrets: never log or serialise it). */
  config(): RotaConfig;
  /**
   * The provider instances in force, keyed by provider id (= the config `type`),
   * for health checks (`/readyz`). Routing goes through `router`, never around it.
   */
  providers(): ReadonlyMap<string, Provider>;
  /** Validates `next` first; on success swaps atomically, keeping unchanged providers (and their breakers). */
  apply(next: RotaConfig): ReloadResult;
  /** Re-reads the file the runtime was started from (if any) and applies it; on error keeps the running config and logs every reason. */
  reload(): Promise<ReloadResult>;
  close(): Promise<void>;
}
