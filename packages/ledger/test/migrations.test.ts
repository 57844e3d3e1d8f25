import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { Kysely, type Migration } from 'kysely';
import { LATEST_LEDGER_MIGRATION, LEDGER_MIGRATIONS, migrateLedger } from '../src/migrations/ledger-migrations.js';
import { LedgerSqliteDialect } from '../src/sqlite/ledger-sqlite-dialect.js';
import { openSqliteDatabase } from '../src/sqlite/open-sqlite-database.js';
import { contentColumns, messageRowBase, newMessageRow } from '../src/message-row.js';
import { LedgerHasher } from '../src/ledger-hashing.js';
import { bulkTemplate, HASH_KEY, message, openTestStore, TestClock } from './ledger-fixtures.js';

const folders: string[] = [];
function tempFile(): string {
  const folder = mkdtempSync(join(tmpdir(), 'rota-ledger-migrations-'));
  folders.push(folder);
  return join(folder, 'ledger.db');
}
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

/** `any`: these tests see the schema as each migration left it. */
type AnyDb = Kysely<any>;
function kyselyOn(path: string): AnyDb {
  return new Kysely({ dialect: new LedgerSqliteDialect({ database: openSqliteDatabase({ kind: 'sqlite', path, synchronous: 'normal', busyTimeoutMs: 1_000 }) }) });
}

function schemaOf(path: string) {
  const db = new Database(path, { readonly: true });
  try {
    const names = (type: string) => (db.prepare('select name from sqlite_master where type = ? order by name').all(type) as { name: string }[]).map((row) => row.name);
    const columns = (table: string) => (db.pragma(`table_info(${table})`) as { name: string }[]).map((column) => column.name);
    const applied = (db.prepare('select name from ledger_migration order by name').all() as { name: string }[]).map((row) => row.name);
    return { tables: names('table'), indexes: names('index'), messageColumns: columns('messages'), bulkColumns: columns('bulks'), applied };
  } finally {
    db.close();
  }
}

describe('ledger migrations', () => {
  it('build the whole schema on an empty database, and running them again changes nothing', async () => {
    const path = tempFile();
    const db = kyselyOn(path);
    await migrateLedger(db);
    await migrateLedger(db);
    await db.destroy();

    const schema = schemaOf(path);
    expect(schema.applied).toEqual(LEDGER_MIGRATIONS.map(([name]) => name));
    expect(schema.applied.at(-1)).toBe(LATEST_LEDGER_MIGRATION);
    expect(schema.tables).toEqual(expect.arrayContaining(['messages', 'bulks']));
    expect(schema.indexes).toEqual(
      expect.arrayContaining([
        'messages_claim',
        'messages_owner_seq',
        'messages_bulk_state',
        'messages_to_number',
        'messages_state_updated_at',
        'messages_created_at',
        'bulks_owner_idempotency_key',
        'messages_final_delivery_at',
        'webhook_outbox_pending_host',
        'webhook_outbox_message',
      ]),
    );
    // A deleted message's events are found through an index (ON DELETE CASCADE), not by reading the whole outbox.
    const reader = new Database(path, { readonly: true });
    const plan = (reader.prepare('explain query plan select id from webhook_outbox where message_id = ?').all('msg_1') as { detail: string }[]).map((row) => row.detail);
    reader.close();
    expect(plan).toEqual([expect.stringContaining('USING INDEX webhook_outbox_message (message_id=?)')]);
    expect(schema.messageColumns).toEqual(
      expect.arrayContaining(['seq', 'id', 'owner', 'bulk_id', 'idempotency_key', 'fingerprint', 'state', 'priority', 'due_at', 'to_number', 'text', 'text_hash', 'attempts', 'resend_of', 'finished_at']),
    );
    expect(schema.bulkColumns).toEqual(expect.arrayContaining(['id', 'owner', 'count', 'idempotency_key', 'fingerprint']));
  });

  it('bring a database at the previous version to the latest, its rows intact', async () => {
    const path = tempFile();
    const clock = new TestClock();
    const hasher = new LedgerHasher(HASH_KEY);
    const old = kyselyOn(path);
    await migrateLedger(old, LEDGER_MIGRATIONS.slice(0, 1));
    // Rows as the 0001 schema holds them: a bulk without the key columns, and two messages.
    const template = bulkTemplate();
    const bulkAt0001 = { id: 'blk_AAAAAAAAAAAAAAAAAAAAAA', owner: 'acme', count: 1, created_at: clock.now().getTime(), ...contentColumns(template, undefined, hasher) };
    await old.insertInto('bulks').values(bulkAt0001).execute();
    const row = (id: string, to: string, bulkId?: string) => {
      // callback_url came with 0003 and awaited with 0004: a 0001 row has neither.
      const { callback_url: _added, awaited: _addedLater, ...at0001 } = newMessageRow(messageRowBase(message({ to }), { owner: 'acme', bulkId, state: 'queued', now: clock.now().getTime() }, hasher), {
        id,
        to_number: to,
        idempotency_key: bulkId ? null : 'key-1',
        fingerprint: 'fp',
      });
      return at0001;
    };
    await old.insertInto('messages').values([row('msg_AAAAAAAAAAAAAAAAAAAAAA', '+905321111111'), row('msg_BBBBBBBBBBBBBBBBBBBBBB', '+905322222222', 'blk_AAAAAAAAAAAAAAAAAAAAAA')]).execute();
    await old.destroy();
    expect(schemaOf(path).applied).toEqual(['0001-initial']);
    expect(schemaOf(path).bulkColumns).not.toContain('idempotency_key');

    const store = await openTestStore(clock, { kind: 'sqlite', path });
    expect(await store.get('msg_AAAAAAAAAAAAAAAAAAAAAA')).toMatchObject({ to: '+905321111111', idempotencyKey: 'key-1', state: 'queued', text: 'Kargonuz yolda' });
    expect(await store.bulkProgress('blk_AAAAAAAAAAAAAAAAAAAAAA')).toMatchObject({ count: 1, byState: { queued: 1 } });
    // What 0002 added works on the migrated file.
    const bulk = { template, owner: 'acme', idempotencyKey: 'campaign-1' };
    const first = await store.recordBulk(bulk, ['+905323333333']);
    expect(await store.recordBulk(bulk, ['+905323333333'])).toEqual({ ...first, kind: 'existing' });
    // What 0003 added too: an old record finishes with its timeline step.
    expect(await store.claimDue({ now: clock.now(), limit: 5 })).toHaveLength(3);
    await store.finish('msg_AAAAAAAAAAAAAAAAAAAAAA', { status: 'failed', to: '+905321111111', reason: 'no provider', attempts: [] });
    expect(await store.timeline('msg_AAAAAAAAAAAAAAAAAAAAAA')).toEqual([expect.objectContaining({ kind: 'state', state: 'failed', reason: 'no provider' })]);
    await store.close();

    expect(schemaOf(path).applied).toEqual(LEDGER_MIGRATIONS.map(([name]) => name));
    expect(schemaOf(path).bulkColumns).toEqual(expect.arrayContaining(['idempotency_key', 'fingerprint', 'callback_url', 'completed_at']));
    expect(schemaOf(path).messageColumns).toEqual(expect.arrayContaining(['delivery_state', 'report_due_at', 'callback_url']));
    expect(schemaOf(path).tables).toEqual(expect.arrayContaining(['message_events', 'webhook_outbox', 'webhook_endpoints', 'operator_overrides', 'rate_limits']));
    expect(schemaOf(path).messageColumns).toEqual(expect.arrayContaining(['claim_token', 'awaited']));
  });

  it('leave the webhook events already in the outbox without a host (0009): their claim reads it from their URL', async () => {
    const path = tempFile();
    const old = kyselyOn(path);
    await migrateLedger(old, LEDGER_MIGRATIONS.slice(0, LEDGER_MIGRATIONS.findIndex(([name]) => name === '0009-webhook-receiver-host')));
    const event = (id: string, url: string) => ({ id, owner: 'acme', url, type: 'message.accepted', payload: '{}', message_id: null, bulk_id: null, state: 'pending', due_at: 0, last_status: null, last_error: null, created_at: 0, updated_at: 0, delivered_at: null });
    await old.insertInto('webhook_outbox').values([event('evt_1', 'https://hooks.example/t/1'), event('evt_2', 'http://127.0.0.1:8080/hook?x=1')]).execute();
    await old.destroy();
    const store = await openTestStore(new TestClock(), { kind: 'sqlite', path });
    const claimed = await store.claimWebhooks({ now: new Date(1_000), limit: 10, leaseMs: 1_000, skipReceivers: ['https://elsewhere.example acme'] });
    expect(claimed.map((e) => [e.id, e.receiver])).toEqual([
      ['evt_1', 'https://hooks.example acme'],
      ['evt_2', 'http://127.0.0.1:8080 acme'],
    ]);
    await store.close();
  });

  it('find the outbox indexes of 0010 and 0011 already built (an operator built them CONCURRENTLY beforehand) and go on', async () => {
    const path = tempFile();
    const db = kyselyOn(path);
    await migrateLedger(db, LEDGER_MIGRATIONS.slice(0, LEDGER_MIGRATIONS.findIndex(([name]) => name === '0010-webhook-pending-host-index')));
    await db.schema.createIndex('webhook_outbox_message').on('webhook_outbox').column('message_id').execute();
    await migrateLedger(db);
    await db.destroy();
    expect(schemaOf(path).applied.at(-1)).toBe(LATEST_LEDGER_MIGRATION);
  });

  it('roll a failing migration back whole: no half-built schema is left', async () => {
    const path = tempFile();
    const db = kyselyOn(path);
    await migrateLedger(db);
    const broken: Migration = {
      async up(db) {
        await db.schema.createTable('half_built').addColumn('id', 'text').execute();
        throw new Error('disk full, say');
      },
    };
    await expect(migrateLedger(db, [...LEDGER_MIGRATIONS, ['0003-broken', broken]])).rejects.toThrow('could not migrate the ledger database');
    await db.destroy();
    const schema = schemaOf(path);
    expect(schema.tables).not.toContain('half_built');
    expect(schema.applied).toEqual(LEDGER_MIGRATIONS.map(([name]) => name));
  });
});
