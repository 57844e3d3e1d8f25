import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { lockDataFolder } from './data-folder-lock.js';
import { Ledger, openLedgerStore, throttleKey, type LedgerOptions, type LedgerRole, type StoreConfigInput } from '@rota/ledger';
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
  const { store: settings } = config;
  const { logger } = options;
  let storeConfig: StoreConfigInput;
  let hashKey: Buffer;
  let unlock = async (): Promise<void> => {};
  const role = options.role ?? 'embedded';
  // Seen in pg_stat_activity: which process holds a connection.
  const name = `rota-${role}-${process.pid}`;
  if (settings.kind === 'postgres') {
    const { hashKey: key, ...postgres } = settings;
    storeConfig = postgres;
    hashKey = Buffer.from(key, 'utf8');
  } else if (role !== 'embedded') {
    throw new Error(`a ${role} shares its work with other processes through PostgreSQL; store.kind is ${settings.kind} (set store.kind: postgres, or run one gateway, which does everything)`);
  } else if (settings.kind === 'memory') {
    logger.warn({}, 'store.kind is memory: message records, idempotency keys and the queue are lost when the process stops (tests and benchmarks only)');
    storeConfig = { kind: 'memory' };
    hashKey = randomBytes(32);
  } else {
    const path = isAbsolute(settings.path) ? settings.path : resolve(options.configPath ? dirname(options.configPath) : process.cwd(), settings.path);
    storeConfig = { kind: 'sqlite', path, synchronous: settings.synchronous };
    await mkdir(dirname(path), { recursive: true });
    unlock = await lockDataFolder(dirname(path));
    try {
      hashKey = settings.hashKey !== undefined ? Buffer.from(settings.hashKey, 'utf8') : await hashKeyBeside(path, logger);
    } catch (error) {
      await unlock();
      throw error;
    }
  }
  let store: Awaited<ReturnType<typeof openLedgerStore>>;
  try {
    const { unitTimeoutSeconds } = config.dispatch;
    // Expired units are looked for a few times per timeout, so a dead worker's unit moves on soon after it.
    const queue = { unitTimeoutSeconds, maintenanceSeconds: Math.max(1, Math.min(15, Math.floor(unitTimeoutSeconds / 4))) };
    store = await openLedgerStore(storeConfig, { hashKey, logger, name, queue });
  } catch (error) {
    await unlock();
    throw error;
  }
  const { webhooks } = config.gateway;
  const client = new WebhookClient({ allowHttp: webhooks.allowHttp, allowedAddresses: webhooks.allowedAddresses, timeoutMs: webhooks.timeoutMs });
  const ledger = new Ledger({
    store,
    role,
    name,
    router: options.router,
    logger,
    limits: accountLimits(config),
    retention: retentionMs(config.retention),
    dispatch: { concurrency: config.dispatch.concurrency },
    reports: { scheduleMs: config.reports.scheduleSeconds.map((seconds) => seconds * 1_000), ttlMs: config.reports.ttlHours * 3_600_000, readsPerSecond: config.reports.readsPerSecond },
    webhooks: {
      deliver: (url, body, headers) => client.deliver(url, body, headers),
      // The secret in force when the event goes out: a rotated secret signs the next delivery.
      sign: (owner, body) => {
        const secret = options.current().gateway.apiKeys.find((key) => key.name === owner)?.webhook?.secret;
        return secret === undefined ? undefined : signWebhook(body, secret);
      },
      concurrency: webhooks.concurrency,
    },
    ...(options.observer ? { observer: options.observer } : {}),
  });
  const close = async (): Promise<void> => {
    await store.close();
    await client.close();
    await unlock();
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

/**
 * The key of the hashes kept instead of OTP texts, when the configuration
 * names none: made once, at random, into `hash.key` beside the database
 * (owner-only), and read from there afterwards. Kept out of the database file,
 * so a copy of the file alone cannot test guesses against the hashes.
 */
async function hashKeyBeside(databasePath: string, logger: Logger): Promise<Buffer> {
  const file = join(dirname(databasePath), 'hash.key');
  try {
    const key = Buffer.from((await readFile(file, 'utf8')).trim(), 'base64url');
    if (key.length >= 32) return key;
    throw new Error(`${file} holds fewer than 32 bytes; delete it to have a new key made, or set store.hashKey`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(dirname(file), { recursive: true });
  const key = randomBytes(32);
  await writeFile(file, `${key.toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
  logger.info({ file }, 'store: made a new hash key (keep it with the database; set store.hashKey to keep it elsewhere)');
  return key;
}
