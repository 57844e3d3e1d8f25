import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import { silentLogger, type Logger } from '@rota/provider';
import { describePostgresError, type PostgresStoreConfig } from './open-postgres-pool.js';
import { dropIfSilent } from './silent-connections.js';

/**
 * What the processes on one database tell each other, per ledger schema (two
 * ledgers in one database do not hear each other):
 * - `dispatch`: work was queued (payload: the queue's name): wake up, workers;
 * - `finished`: awaited messages got their result (payload: ids): stop waiting, gateways;
 * - `operator`: an operator changed a provider or a breaker: re-read the overrides, everyone.
 */
export type Channel = 'dispatch' | 'finished' | 'operator';

export function channelName(schema: string, channel: Channel): string {
  return `${schema}_${channel}`;
}

/** NOTIFY's payload limit is 8000 bytes; ids are ASCII. */
const MAX_PAYLOAD = 7_900;

/** Ids joined with commas, in as few payloads as fit under NOTIFY's limit. */
export function idPayloads(ids: readonly string[]): string[] {
  const payloads: string[] = [];
  let current = '';
  for (const id of ids) {
    if (current.length + id.length + 1 > MAX_PAYLOAD) {
      payloads.push(current);
      current = '';
    }
    current = current === '' ? id : `${current},${id}`;
  }
  if (current !== '') payloads.push(current);
  return payloads;
}

/** NOTIFY inside a transaction: heard when it commits, never if it rolls back. */
export async function notifyInTransaction(trx: Kysely<any>, channel: string, payloads: readonly string[]): Promise<void> {
  for (const payload of payloads) await sql`select pg_notify(${channel}, ${payload})`.execute(trx);
}

const RECONNECT_FIRST_MS = 250;
const RECONNECT_MAX_MS = 5_000;
/**
 * A LISTEN connection only hears, so a silent one (see silent-connections.ts)
 * would look like a quiet database for ever: it is asked something this
 * often, and must answer within the connect timeout.
 */
const HEARTBEAT_MS = 5_000;

/**
 * One connection that LISTENs for this ledger's channels, reconnecting by
 * itself when the database goes away. A notification sent while it was away
 * is lost (PostgreSQL keeps none for an absent listener), so after every
 * reconnect `onReconnect` handlers run: each re-reads what it follows. A
 * connection that goes silent fails its heartbeat and is replaced the same way.
 */
export class PostgresListener {
  readonly #config: PostgresStoreConfig;
  readonly #logger: Logger;
  readonly #name: string;
  readonly #handlers = new Map<string, Set<(payload: string) => void>>();
  readonly #reconnected = new Set<() => void>();
  #client: pg.Client | undefined;
  #closed = false;
  #retryMs = RECONNECT_FIRST_MS;
  #retry: NodeJS.Timeout | undefined;
  #connecting: Promise<void> | undefined;
  #heartbeat: NodeJS.Timeout | undefined;

  constructor(config: PostgresStoreConfig, options: { logger?: Logger; name?: string } = {}) {
    this.#config = config;
    this.#logger = options.logger ?? silentLogger;
    this.#name = options.name ?? 'rota-listener';
  }

  /** Calls `handler` with each payload sent on `channel` (of this ledger's schema); returns the unsubscribe. */
  on(channel: Channel, handler: (payload: string) => void): () => void {
    const name = channelName(this.#config.schema, channel);
    let handlers = this.#handlers.get(name);
    if (!handlers) {
      this.#handlers.set(name, (handlers = new Set()));
      // A LISTEN that fails leaves the channel unheard: the connection is given up, and the reconnect listens to every channel.
      const client = this.#client;
      void client?.query(`listen "${name}"`).catch((error: unknown) => {
        dropIfSilent(client, error, this.#logger, this.#config.connectTimeoutMs);
        void client.end().catch(() => undefined);
      });
    }
    handlers.add(handler);
    return () => handlers.delete(handler);
  }

  /** Runs `handler` after each reconnect (not the first connect). */
  onReconnect(handler: () => void): () => void {
    this.#reconnected.add(handler);
    return () => this.#reconnected.delete(handler);
  }

  /** Whether the LISTEN connection is up now. */
  get connected(): boolean {
    return this.#client !== undefined;
  }

  /** Connects and listens; rejects if the first connection fails (later losses reconnect by themselves). */
  async start(): Promise<void> {
    this.#closed = false;
    await this.#connect(false);
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#retry);
    clearInterval(this.#heartbeat);
    const client = this.#client;
    this.#client = undefined;
    await this.#connecting?.catch(() => undefined);
    await client?.end().catch(() => undefined);
  }

  #connect(again: boolean): Promise<void> {
    const run = (async () => {
      const deadlineMs = this.#config.connectTimeoutMs;
      const client = new pg.Client({
        connectionString: this.#config.url,
        connectionTimeoutMillis: deadlineMs,
        query_timeout: deadlineMs,
        keepAlive: true,
        application_name: this.#name,
      });
      client.on('notification', ({ channel, payload }) => {
        for (const handler of this.#handlers.get(channel) ?? []) {
          try {
            handler(payload ?? '');
          } catch (error) {
            this.#logger.error({ channel, error: describePostgresError(error) }, 'ledger: a notification handler failed');
          }
        }
      });
      const lost = (error?: Error): void => {
        if (this.#client !== client) return;
        this.#client = undefined;
        clearInterval(this.#heartbeat);
        client.removeAllListeners('end');
        void client.end().catch(() => undefined);
        if (this.#closed) return;
        this.#logger.warn({ error: error ? describePostgresError(error) : 'connection ended' }, 'ledger: the notification connection was lost; reconnecting');
        this.#schedule();
      };
      client.on('error', lost);
      client.on('end', () => lost());
      try {
        await client.connect();
        for (const name of this.#handlers.keys()) await client.query(`listen "${name}"`);
      } catch (error) {
        // Not yet this listener's connection: nothing else would end it.
        dropIfSilent(client, error, this.#logger, deadlineMs);
        client.removeAllListeners('end');
        void client.end().catch(() => undefined);
        throw error;
      }
      if (this.#closed) {
        await client.end();
        return;
      }
      this.#client = client;
      this.#retryMs = RECONNECT_FIRST_MS;
      this.#heartbeat = setInterval(() => {
        client.query('select 1').catch((error: unknown) => {
          dropIfSilent(client, error, this.#logger, deadlineMs);
          lost(error as Error);
        });
      }, HEARTBEAT_MS);
      this.#heartbeat.unref();
      if (again) {
        this.#logger.info({}, 'ledger: the notification connection is back');
        for (const handler of this.#reconnected) handler();
      }
    })();
    this.#connecting = run;
    return run;
  }

  #schedule(): void {
    clearTimeout(this.#retry);
    this.#retry = setTimeout(() => {
      this.#connect(true).catch((error: unknown) => {
        this.#logger.warn({ error: describePostgresError(error), retryInMs: this.#retryMs }, 'ledger: could not reconnect for notifications yet');
        this.#retryMs = Math.min(this.#retryMs * 2, RECONNECT_MAX_MS);
        if (!this.#closed) this.#schedule();
      });
    }, this.#retryMs);
    this.#retry.unref();
  }
}
