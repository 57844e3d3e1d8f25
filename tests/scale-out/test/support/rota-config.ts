import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { figensoftSettingsFor } from '@rota/figensoft-sandbox';
import { stringify } from 'yaml';
import { testDatabaseUrl } from './postgres-schema.js';

export const API_KEY = 'scale-out-KEY-0123456789';
export const OTHER_KEY = 'scale-out-OTHER-0123456789';
export const ADMIN = 'scale-out-ADMIN-0123456789';
/** Every process on one database shares it: hashes and sealed OTP texts must read the same everywhere. */
export const HASH_KEY = 'scale-out-hash-key-0123456789abcdef0123';

export interface ConfigOptions {
  /** The sandbox's URL. */
  sandboxUrl: string;
  schema: string;
  /** gateway.listen.port (0: any; processes started by a test are told their own). */
  port?: number;
  /** The database URL (default: the test database; a test that cuts the connection passes its proxy's). */
  databaseUrl?: string;
  /** Provider ids: one FigenSoft entry each, all to the same sandbox, ranked in this order. */
  providers?: readonly string[];
  dispatch?: Record<string, unknown>;
  /** More store settings (connectTimeoutMs, hashKey, …) over the defaults; `kind: sqlite` with a path replaces the PostgreSQL store. */
  store?: Record<string, unknown>;
}

/** A configuration for processes on one PostgreSQL schema, FigenSoft to the sandbox; returns the file's path. */
export async function writeRotaConfig(dir: string, name: string, options: ConfigOptions): Promise<string> {
  const file = join(dir, `${name}.yaml`);
  const providers = options.providers ?? ['figensoft'];
  await writeFile(
    file,
    stringify({
      providers: providers.map((id, rank) => ({
        type: 'figensoft',
        id,
        rank,
        settings: figensoftSettingsFor(options.sandboxUrl),
      })),
      routing: { retry: { retries: 0 } },
      gateway: {
        listen: { host: '127.0.0.1', port: options.port ?? 0 },
        apiKeys: [
          { name: 'campaign-service', key: API_KEY },
          { name: 'other-service', key: OTHER_KEY },
        ],
        adminToken: ADMIN,
        maxBatchSize: 1000,
      },
      store: options.store?.kind === 'sqlite' ? options.store : { kind: 'postgres', url: options.databaseUrl ?? testDatabaseUrl(), schema: options.schema, hashKey: HASH_KEY, poolSize: 6, ...options.store },
      ...(options.dispatch ? { dispatch: options.dispatch } : {}),
      logging: { level: 'warn' },
    }),
  );
  return file;
}
