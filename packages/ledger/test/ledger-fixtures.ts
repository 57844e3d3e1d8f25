import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { validateBulkMessage, validateMessage, type BulkMessage, type Message } from '@rota/provider';
import { openLedgerStore } from '../src/index.js';
import type { LedgerStore } from '../src/index.js';
import type { StoreConfigInput } from '../src/store-config.js';

export const HASH_KEY = Buffer.alloc(32, 7);

/** A message as @rota/provider's validation gives it; throws on a bad fixture. */
export function message(input: Record<string, unknown>): Message {
  const result = validateMessage({ iysType: 'NOTIFICATION', text: 'Kargonuz yolda', ...input });
  if (!result.ok) throw new Error(`bad fixture: ${JSON.stringify(result.issues)}`);
  return result.message;
}

export function bulkTemplate(input: Record<string, unknown> = {}): BulkMessage {
  const result = validateBulkMessage({ iysType: 'CAMPAIGN', text: 'Indirim basladi', to: ['+905321234567'], ...input });
  if (!result.ok) throw new Error(`bad fixture: ${JSON.stringify(result.issues)}`);
  return result.bulk;
}

/** A clock the test moves by hand. */
export class TestClock {
  #ms: number;
  constructor(start = Date.parse('2025-03-01T09:00:00Z')) {
    this.#ms = start;
  }
  now = (): Date => new Date(this.#ms);
  advance(ms: number): Date {
    this.#ms += ms;
    return this.now();
  }
}

/** A TestClock that reads the real time: for a store whose records come due again by the wall clock (a dispatcher's requeue). */
export function wallClock(): TestClock {
  const clock = new TestClock();
  clock.now = () => new Date();
  return clock;
}

/**
 * A fresh store of the kind this run tests: SQLite in memory, or (the
 * PostgreSQL run, see jest.config.js) a schema of its own in the test
 * database, dropped again when the store closes.
 */
export async function openTestStore(clock = new TestClock(), config?: StoreConfigInput): Promise<LedgerStore> {
  if (config) return openLedgerStore(config, { hashKey: HASH_KEY, clock: clock.now });
  if (process.env.ROTA_TEST_STORE !== 'postgres') return openLedgerStore({ kind: 'memory' }, { hashKey: HASH_KEY, clock: clock.now });
  const schema = freshSchemaName();
  const store = await openLedgerStore(postgresTestConfig(schema), { hashKey: HASH_KEY, clock: clock.now });
  const close = store.close.bind(store);
  store.close = async () => {
    await close();
    await dropSchema(schema);
  };
  return store;
}

/** The test database's URL; the PostgreSQL run's setup has checked it is set. */
export function postgresTestUrl(): string {
  const url = process.env.ROTA_TEST_POSTGRES_URL;
  if (!url) throw new Error('ROTA_TEST_POSTGRES_URL is not set (run the tests through the README test command)');
  return url;
}

export function postgresTestConfig(schema: string, overrides: Record<string, unknown> = {}): StoreConfigInput {
  return { kind: 'postgres', url: postgresTestUrl(), schema, poolSize: 4, ...overrides } as StoreConfigInput;
}

export function freshSchemaName(): string {
  return `t_${randomBytes(6).toString('hex')}`;
}

/** Drops a test schema and the queue schema beside it. */
export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: postgresTestUrl() });
  await client.connect();
  try {
    await client.query(`drop schema if exists "${schema}" cascade`);
    await client.query(`drop schema if exists "${schema}_queue" cascade`);
  } finally {
    await client.end();
  }
}

/** `count` distinct Turkish mobile numbers in E.164. */
export function numbers(count: number, start = 0): string[] {
  return Array.from({ length: count }, (_, i) => `+90532${String(start + i).padStart(7, '0')}`);
}
