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

export const StoreConfigSchema = z.discriminatedUnion('kind', [SqliteStoreConfigSchema, MemoryStoreConfigSchema]);
export type StoreConfigInput = z.input<typeof StoreConfigSchema>;
export type StoreConfig = z.output<typeof StoreConfigSchema>;

/** Shortest HMAC key taken: HMAC-SHA256 is only as strong as its key, up to 256 bits. */
export const MIN_HASH_KEY_BYTES = 32;

export const LedgerStoreOptionsSchema = z.strictObject({
  /**
   * Secret key for the HMAC-SHA256 of texts and message fingerprints. Kept out
   * of the database, so a copy of the file alone cannot test guesses of an
   * OTP text against its hash. Changing it makes existing fingerprints
   * unmatchable: a retry across the change is a conflict, not a duplicate.
   */
  hashKey: z.instanceof(Buffer).refine((key) => key.length >= MIN_HASH_KEY_BYTES, `must be at least ${MIN_HASH_KEY_BYTES} bytes`),
  /** The time a record is created or finished at; tests pass a fixed clock. */
  clock: z.custom<() => Date>((value) => typeof value === 'function', 'must be a function returning a Date').optional(),
});
export type LedgerStoreOptions = z.input<typeof LedgerStoreOptionsSchema>;
