import { SqliteAdapter, SqliteDialect, type DialectAdapter } from 'kysely';

/**
 * Kysely's SQLite adapter says SQLite has no transactional DDL, so its
 * Migrator runs each migration outside a transaction and a crash halfway
 * through one leaves half a schema. SQLite does roll back DDL, so this adapter
 * says so and every migration is all or nothing, as it is on PostgreSQL.
 */
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

export class LedgerSqliteDialect extends SqliteDialect {
  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}
