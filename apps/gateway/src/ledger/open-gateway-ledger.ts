import { Ledger, throttleKey, type LedgerOptions, type LedgerRole } from '@rota/ledger';
import { openConfiguredStore } from './open-configured-store.js';
import { signWebhook, WebhookClient } from '@rota/webhook';
import type { Logger } from 'pino';
import { providerIdOf, retentionMs, type RotaConfig } from '../config/rota-config.js';

/**
 * The gateway's ledger: the store the configuration names (a relative path is
 * read from the configuration file's folder), its hash key, and the Ledger
 * over the runtime's router, started — records a crash left `dispatching` are
 * now `unknown`, and the queue runs.
 */
export interface GatewayLedger {
  ledger: Ledger;
  /** Stops the ledger's work is the caller's (ledger.stop); this closes the store and lets the data folder go. */
  close(): Promise<void>;
}

export interface OpenGatewayLedgerOptions {
  router: LedgerOptions['router'];
  logger: Logger;
  configPath?: string;
  /** The configuration in force: webhooks are signed with the secret it holds at the moment of delivery. */
  current: () => RotaConfig;
  observer?: LedgerOptions['observer'];
  /**
   * What this process does (default `embedded`). On a PostgreSQL store the
   * gateway records and enqueues (`gateway`) and `rota worker` sends
   * (`worker`); `embedded` there does both in one process.
   */
  role?: LedgerRole;
}

export async function openGatewayLedger(config: RotaConfig, options: OpenGatewayLedgerOptions): Promise<GatewayLedger> {
  const { logger } = options;
  const role = options.role ?? 'embedded';
  const { store, close: closeStore } = await openConfiguredStore(config, { logger, role, ...(options.configPath ? { configPath: options.configPath } : {}) });
  const { webhooks } = config.gateway;
  const client = new WebhookClient({ allowHttp: webhooks.allowHttp, allowHttpName: 'gateway.webhooks.allowHttp', allowedAddresses: webhooks.allowedAddresses, timeoutMs: webhooks.timeoutMs });
  const ledger = new Ledger({
    store,
    role,
    name: `rota-${role}-${process.pid}`,
    router: options.router,
    logger,
    limits: accountLimits(config),
    retention: retentionMs(config.retention),
    dispatch: { concurrency: config.dispatch.concurrency, holdWithoutRouteMs: config.dispatch.holdWithoutRouteMinutes * 60_000 },
    reports: { scheduleMs: config.reports.scheduleSeconds.map((seconds) => seconds * 1_000), ttlMs: config.reports.ttlHours * 3_600_000, readsPerSecond: config.reports.readsPerSecond },
    webhooks: {
      deliver: (url, body, headers) => client.deliver(url, body, headers),
      // The secrets in force when the event goes out: a rotated secret signs the next delivery, beside the old one while
      // it is kept as previousSecret.
      sign: (owner, body) => {
        const webhook = options.current().gateway.apiKeys.find((key) => key.name === owner)?.webhook;
        if (webhook === undefined) return undefined;
        return signWebhook(body, [webhook.secret, ...(webhook.previousSecret === undefined ? [] : [webhook.previousSecret])]);
      },
      concurrency: webhooks.concurrency,
      perEndpoint: webhooks.perEndpoint,
      deliveryTimeoutMs: webhooks.timeoutMs,
    },
    ...(options.observer ? { observer: options.observer } : {}),
  });
  const close = async (): Promise<void> => {
    await closeStore();
    await client.close();
  };
  try {
    await ledger.start();
  } catch (error) {
    await close();
    throw error;
  }
  return { ledger, close };
}

/** Messages per second per account, as the throttle keys them, from every provider entry's `limits`. */
export function accountLimits(config: RotaConfig): Map<string, number> {
  const limits = new Map<string, number>();
  for (const entry of config.providers) {
    for (const [accountId, { maxPerSecond }] of Object.entries(entry.limits ?? {})) limits.set(throttleKey(providerIdOf(entry), accountId), maxPerSecond);
  }
  return limits;
}
