import { Migrator, type Kysely, type Migration } from 'kysely';
import * as initial from './0001-initial.js';
import * as bulkIdempotencyKey from './0002-bulk-idempotency-key.js';
import * as deliveryReportsAndWebhooks from './0003-delivery-reports-and-webhooks.js';
import * as scaleOut from './0004-scale-out.js';
import * as finalReportsIndex from './0005-final-reports-index.js';
import * as bulkRecording from './0006-bulk-recording.js';
import * as webhookRedelivery from './0007-webhook-redelivery.js';
import * as erasedKeys from './0008-erased-keys.js';
import * as webhookReceiverHost from './0009-webhook-receiver-host.js';
import * as webhookPendingHostIndex from './0010-webhook-pending-host-index.js';
import * as webhookOutboxMessageIndex from './0011-webhook-outbox-message-index.js';
import * as heldReports from './0012-held-reports.js';
import * as heldSince from './0013-held-since.js';

/**
 * Every migration, oldest first. Kysely runs them in the order of their names,
 * so a name starts with its number; a new one goes at the end, and a released
 * one never changes.
 */
export const LEDGER_MIGRATIONS: ReadonlyArray<readonly [name: string, migration: Migration]> = [
  ['0001-initial', initial],
  ['0002-bulk-idempotency-key', bulkIdempotencyKey],
  ['0003-delivery-reports-and-webhooks', deliveryReportsAndWebhooks],
  ['0004-scale-out', scaleOut],
  ['0005-final-reports-index', finalReportsIndex],
  ['0006-bulk-recording', bulkRecording],
  ['0007-webhook-redelivery', webhookRedelivery],
  ['0008-erased-keys', erasedKeys],
  ['0009-webhook-receiver-host', webhookReceiverHost],
  ['0010-webhook-pending-host-index', webhookPendingHostIndex],
  ['0011-webhook-outbox-message-index', webhookOutboxMessageIndex],
  ['0012-held-reports', heldReports],
  ['0013-held-since', heldSince],
];

/** The latest migration's name: the version a database is at after `migrateLedger`. */
export const LATEST_LEDGER_MIGRATION = LEDGER_MIGRATIONS[LEDGER_MIGRATIONS.length - 1]![0];

/**
 * Brings the database up to the last of `migrations` (all of them by default).
 * Tables named for the ledger, so a database shared with other software shows
 * whose migrations these are. On PostgreSQL, `schema` names the ledger's
 * schema (the connection's search_path): Kysely looks for its own tables in
 * every schema unless told which, and would take another ledger's for ours.
 */
export async function migrateLedger(db: Kysely<any>, migrations = LEDGER_MIGRATIONS, schema?: string): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => Object.fromEntries(migrations) },
    migrationTableName: 'ledger_migration',
    migrationLockTableName: 'ledger_migration_lock',
    ...(schema === undefined ? {} : { migrationTableSchema: schema }),
  });
  for (let attempt = 1; ; attempt++) {
    const { error } = await migrator.migrateToLatest();
    if (!error) return;
    if (attempt < MIGRATE_TRIES && droppedElsewhere(error, schema)) {
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
      continue;
    }
    throw new Error('could not migrate the ledger database', { cause: error });
  }
}

/** Tries of a migration that met another schema being dropped meanwhile. */
const MIGRATE_TRIES = 10;

/**
 * Kysely looks for its migration table by reading every schema's tables
 * (with has_schema_privilege on each): a schema another client drops while
 * that read runs fails it with "schema … does not exist" (invalid_schema_name,
 * 3F000), though nothing of ours is wrong — a database shared with other
 * software, or with other ledgers coming and going (the test suites drop
 * theirs as they end). Nothing was migrated then: the read comes first.
 */
function droppedElsewhere(error: unknown, ours: string | undefined): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (code !== '3F000' || typeof message !== 'string') return false;
  const named = /^schema "([^"]+)" does not exist$/.exec(message)?.[1];
  return named !== undefined && named !== ours;
}
