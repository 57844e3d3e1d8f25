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

/**
 * `next` as it is in force: the settings read at start keep `atStart`'s
 * values until a restart. Every reader of the configuration then sees what
 * runs — a callbackUrl is checked against the webhook client the sender has,
 * not against a plain-http switch a reload turned on that the sender never saw.
 */
export function withStartSettings(next: RotaConfig, atStart: RotaConfig): RotaConfig {
  return READ_AT_START.reduce((config, path) => withValueAt(config, path.split('.'), valueAt(atStart, path)), next);
}

function withValueAt<T>(target: T, keys: readonly string[], value: unknown): T {
  const [key, ...rest] = keys;
  const record = target as Record<string, unknown>;
  return { ...record, [key!]: rest.length === 0 ? value : withValueAt(record[key!], rest, value) } as T;
}

function valueAt(config: RotaConfig, path: string): unknown {
  return path.split('.').reduce<unknown>((value, key) => (value as Record<string, unknown> | undefined)?.[key], config);
}
