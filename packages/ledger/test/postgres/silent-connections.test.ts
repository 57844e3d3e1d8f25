import type { Logger } from '@rota/provider';
import { TcpProxy } from '@rota/testkit';
import pg from 'pg';
import { isStoreUnavailable, openLedgerStore, type LedgerStore } from '../../src/index.js';
import { channelName, PostgresListener } from '../../src/postgres/postgres-notifications.js';
import { PostgresStoreConfigSchema } from '../../src/store-config.js';
import { kyselyPool } from '../../src/postgres/kysely-pool.js';
import { openPostgresPool } from '../../src/postgres/open-postgres-pool.js';
import { dropSchema, freshSchemaName, HASH_KEY, message, postgresTestConfig, postgresTestUrl } from '../ledger-fixtures.js';
import { until } from '../ledger-rig.js';

// A database connection that goes silent without closing (a network path that
// drops packets and sends no reset): TCP would notice after some fifteen
// minutes. The store must fail its calls by their reply deadline, drop the
// silent connections, and work again once the path is back, with no restart.

let schema: string;
let proxy: TcpProxy;
const warnings: string[] = [];
const logger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: (_fields, text) => void warnings.push(text),
  error: (_fields, text) => void warnings.push(text),
};

beforeEach(async () => {
  schema = freshSchemaName();
  warnings.length = 0;
  const database = new URL(postgresTestUrl());
  proxy = new TcpProxy({ host: database.hostname, port: Number(database.port) });
  await proxy.start();
});

afterEach(async () => {
  await proxy.stop();
  await dropSchema(schema);
});

function viaProxy(): string {
  const url = new URL(postgresTestUrl());
  url.port = String(proxy.port);
  return url.href;
}

async function answered(call: () => Promise<unknown>): Promise<boolean> {
  try {
    await call();
    return true;
  } catch {
    return false;
  }
}

describe('a store whose database connections go silent', () => {
  let store: LedgerStore;

  afterEach(async () => {
    await store.close();
  });

  it('fails its calls as store-unavailable by the reply deadline, drops the silent connections, and records again once the path is back', async () => {
    store = await openLedgerStore(postgresTestConfig(schema, { url: viaProxy(), statementTimeoutMs: 300, connectTimeoutMs: 500, poolSize: 2 }), {
      hashKey: HASH_KEY,
      logger,
      queue: { maintenanceSeconds: 1 },
    });
    const entry = (to: string) => [{ message: message({ to }), owner: 'acme' }];
    expect(await store.recordMessages(entry('+905321234560'))).toHaveLength(1);

    proxy.silence();
    const failures = await Promise.allSettled([store.ping(), store.recordMessages(entry('+905321234561'))]);
    for (const failure of failures) {
      expect(failure.status).toBe('rejected');
      expect(isStoreUnavailable((failure as PromiseRejectedResult).reason)).toBe(true);
    }
    expect(warnings).toContain('ledger: a database connection gave no reply by its deadline; it is dropped and replaced');

    await proxy.restore();
    await until(async () => ((await answered(() => store.ping())) ? true : undefined), 'the store answers again', 20_000);
    expect(await store.recordMessages(entry('+905321234562'))).toMatchObject([{ kind: 'created' }]);
    // Each silent connection was closed by the store (by its deadline when used, by the pool's idle timeout of 30 s otherwise, which this wait does not reach).
    await until(async () => (proxy.silentConnections === 0 ? true : undefined), 'every silent connection closed', 20_000);
    const rows = (await direct(`select count(*)::int as n from "${schema}".messages`))[0] as { n: number };
    expect(rows.n).toBe(2);
  });
});

describe("the pool Kysely is given", () => {
  it('discards a connection that missed its deadline outside a transaction, rather than lending it again', async () => {
    const config = PostgresStoreConfigSchema.parse({ kind: 'postgres', url: viaProxy(), schema, statementTimeoutMs: 300, connectTimeoutMs: 500 });
    const pool = openPostgresPool(config, logger, 'test-kysely-pool');
    const lender = kyselyPool(pool, config, logger);
    try {
      const client = await lender.connect();
      await client.query('select 1', []);
      proxy.silence();
      await expect(client.query('select 1', [])).rejects.toThrow('Query read timeout');
      client.release(); // as Kysely gives back a connection after a query outside a transaction
      expect(pool.totalCount).toBe(0);
    } finally {
      await pool.end();
    }
  });
});

describe('a LISTEN connection that goes silent', () => {
  let listener: PostgresListener;

  afterEach(async () => {
    await listener.close();
  });

  it('fails its heartbeat, reconnects once the path is back, and hears notifications again', async () => {
    listener = new PostgresListener(PostgresStoreConfigSchema.parse({ kind: 'postgres', url: viaProxy(), schema, connectTimeoutMs: 500 }), { logger });
    const heard: string[] = [];
    let reconnects = 0;
    listener.on('operator', (payload) => heard.push(payload));
    listener.onReconnect(() => (reconnects += 1));
    await listener.start();
    await notify('before');
    await until(async () => (heard.includes('before') ? true : undefined), 'the first notification');

    proxy.silence();
    await until(async () => (listener.connected ? undefined : true), 'the listener notices the silence', 15_000);
    expect(warnings).toContain('ledger: a database connection gave no reply by its deadline; it is dropped and replaced');
    await until(async () => (proxy.silentConnections === 0 ? true : undefined), 'the proxy sees the silent connection closed');

    await proxy.restore();
    await until(async () => (listener.connected && reconnects === 1 ? true : undefined), 'the listener reconnects', 15_000);
    await notify('after');
    await until(async () => (heard.includes('after') ? true : undefined), 'a notification after the silence');
  });

  async function notify(payload: string): Promise<void> {
    await direct('select pg_notify($1, $2)', [channelName(schema, 'operator'), payload]);
  }
});

async function direct(text: string, values: unknown[] = []): Promise<unknown[]> {
  const client = new pg.Client({ connectionString: postgresTestUrl() });
  await client.connect();
  try {
    return (await client.query(text, values)).rows;
  } finally {
    await client.end();
  }
}
