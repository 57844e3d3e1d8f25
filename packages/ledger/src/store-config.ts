import type { Logger } from '@rota/provider';
import { z } from 'zod';

/**
 * A SQLite file: the embedded default, one process, no server.
 * `synchronous`: with `normal` (the default) the write-ahead log survives the
 * process dying at any point (a crash, `kill -9`) but a power loss or OS crash
 * may lose the last transactions; `full` syncs the log on every commit and
 * survives those too, at the cost of one fsync per write transaction.
 */
export const SqliteStoreConfigSchema = z.strictObject({
  kind: z.literal('sqlite'),
  /** The database file; its folder is created if missing. */
  path: z.string().min(1, 'must name the database file'),
  synchronous: z.enum(['normal', 'full']).default('normal'),
  /** How long a write waits for another process's write to finish before failing. */
  busyTimeoutMs: z.number().int().min(0).default(5_000),
});

/** SQLite in memory, through the same code as a file: for tests and benchmarks, never for records that matter. */
export const MemoryStoreConfigSchema = z.strictObject({ kind: z.literal('memory') });

/**
 * PostgreSQL: many gateways and workers on one database (see
 * docs/deployment.md). The ledger's tables live in `schema`, created if
 * missing, so one database can hold other software's tables too.
 */
export const PostgresStoreConfigSchema = z.strictObject({
  kind: z.literal('postgres'),
  url: z
    .string({ error: 'must be a postgres:// URL' })
    .min(1, 'must name the database')
    .refine((url) => /^postgres(ql)?:\/\//.test(url), 'must be a postgres:// (or postgresql://) URL')
    // The URL itself is never quoted back: it holds the password.
    .refine(isWellFormedUrl, 'must be a well-formed URL: a host (or ?host= a socket folder), a port up to 65535, special characters of the user or password percent-encoded')
    .describe('postgres://user:password@host:port/database (use ${ENV_VAR}): it holds a password, so it is never logged or shown.'),
  schema: z
    .string({ error: 'must be a string' })
    .regex(/^[a-z_][a-z0-9_]{0,47}$/, 'must be a lower-case SQL name (letters, digits, underscores; at most 48 characters)')
    .default('rota')
    .describe('The schema the ledger\'s tables live in (created if missing), and `<schema>_queue` for the dispatch queue. Default rota.'),
  poolSize: z
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(2, 'must be at least 2')
    .max(200, 'must be at most 200')
    .default(10)
    .describe("Connections this process keeps open. Each gateway and worker has its own pool: their sum must stay under the server's max_connections. Default 10."),
  connectTimeoutMs: z
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(100, 'must be at least 100')
    .max(60_000, 'must be at most 60000')
    .default(5_000)
    .describe('How long a query waits for a connection, or a connection for the server, before it fails (a send then answers 503 store-unavailable). Default 5000.'),
  statementTimeoutMs: z
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(100, 'must be at least 100')
    .max(600_000, 'must be at most 600000')
    .default(30_000)
    .describe('The server cancels a statement running longer than this: a stuck query must not hold a connection for ever. Default 30000.'),
});

/** Parses as a URL and names a host (or, with `?host=/run/postgresql`, a socket folder). */
function isWellFormedUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.hostname !== '' || parsed.searchParams.has('host');
  } catch {
    return false;
  }
}

export const StoreConfigSchema = z.discriminatedUnion('kind', [SqliteStoreConfigSchema, MemoryStoreConfigSchema, PostgresStoreConfigSchema]);
export type StoreConfigInput = z.input<typeof StoreConfigSchema>;
export type StoreConfig = z.output<typeof StoreConfigSchema>;

/** Shortest HMAC key taken: HMAC-SHA256 is only as strong as its key, up to 256 bits. */
export const MIN_HASH_KEY_BYTES = 32;

export const LedgerStoreOptionsSchema = z.strictObject(
  {
    /**
     * Secret key for the HMAC-SHA256 of texts and message fingerprints. Kept out
     * of the database, so a copy of the file alone cannot test guesses of an
     * OTP text against its hash. Changing it makes existing fingerprints
     * unmatchable: a retry across the change is a conflict, not a duplicate;
     * and the kept keys of erased messages unmatchable, so a retry under one
     * within its retention sends it again.
     */
    hashKey: z.instanceof(Buffer, { error: `must be a Buffer of at least ${MIN_HASH_KEY_BYTES} random bytes (a string is not a key)` }).refine((key) => key.length >= MIN_HASH_KEY_BYTES, `must be at least ${MIN_HASH_KEY_BYTES} bytes`),
    /** The time a record is created or finished at; tests pass a fixed clock. */
    clock: z.custom<() => Date>((value) => typeof value === 'function', 'must be a function returning a Date').optional(),
    /** Where a PostgreSQL store reports connections that failed while idle (they are replaced, not fatal). */
    logger: z.custom<Logger>((value) => typeof value === 'object' && value !== null, 'must be a logger').optional(),
    /**
     * Open only a store that is there already (a copy's source): a SQLite file
     * that exists, a PostgreSQL schema that holds a ledger. Otherwise the open
     * throws StoreMissingError, having created nothing.
     */
    existing: z.boolean().default(false),
    /** How this process names itself to PostgreSQL (pg_stat_activity's application_name). */
    name: z.string().min(1).max(63).default('rota'),
    /** The PostgreSQL store's dispatch queue (pg-boss). */
    queue: z
      .strictObject({
        /** How long a worker may hold a unit before another takes it over (its holder is taken for dead). */
        unitTimeoutSeconds: z.number().int().min(5).max(86_400).default(300),
        /** How often expired units are looked for. */
        maintenanceSeconds: z.number().int().min(1).max(3_600).default(15),
      })
      .default({ unitTimeoutSeconds: 300, maintenanceSeconds: 15 }),
  },
  // Left out whole (openLedgerStore(config) alone), say what is needed, not only that an object is.
  { error: (issue) => (issue.code === 'invalid_type' ? `is required: an object with at least hashKey (a Buffer of ${MIN_HASH_KEY_BYTES} or more random bytes)` : undefined) },
);
export type LedgerStoreOptions = z.input<typeof LedgerStoreOptionsSchema>;
