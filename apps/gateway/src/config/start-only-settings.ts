import { deepEqual } from './deep-equal.js';
import type { RotaConfig } from './rota-config.js';

/**
 * Settings the process reads once, at start: the server's address and time
 * limits, the webhook client, the store and the ledger's work. A reload that
 * changes one is applied everywhere else, and says that this part waits for
 * a restart — rather than seeming to take it (a receiver allowed plain http
 * by a reload was accepted, and its deliveries died as "must use https").
 */
const READ_AT_START = ['gateway.listen', 'gateway.webhooks', 'gateway.timeouts', 'store', 'retention', 'dispatch', 'reports'] as const;

/** The settings of READ_AT_START that differ between the two configurations, by path. */
export function startOnlyChanges(previous: RotaConfig, next: RotaConfig): string[] {
  return READ_AT_START.filter((path) => !deepEqual(valueAt(previous, path), valueAt(next, path)));
}

function valueAt(config: RotaConfig, path: string): unknown {
  return path.split('.').reduce<unknown>((value, key) => (value as Record<string, unknown> | undefined)?.[key], config);
}
