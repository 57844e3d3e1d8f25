import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { Kysely } from 'kysely';
import type { LedgerDatabase } from '../../src/database.js';
import { migrateLedger } from '../../src/migrations/ledger-migrations.js';
import { LedgerSqliteDialect } from '../../src/sqlite/ledger-sqlite-dialect.js';
import { openSqliteDatabase } from '../../src/sqlite/open-sqlite-database.js';
import { claimWebhooks } from '../../src/store/webhook-outbox.js';

/*
 * A claim that passes over a receiver host must not read that host's
 * backlog: the statements it makes are looked at with SQLite's own
 * EXPLAIN QUERY PLAN. Each must find its rows through the index of pending
 * events by host (or, for the events chosen, by their key), never by
 * walking the due-time index (which orders the passed-over host's events
 * among everyone's) nor the table.
 */

const folder = mkdtempSync(join(tmpdir(), 'rota-pass-over-plan-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe('a webhook claim passing over a host (SQLite query plans)', () => {
  it('lists the hosts and reads each other host\'s due events through the pending-host index', async () => {
    const path = join(folder, 'ledger.db');
    const statements: { sql: string; parameters: readonly unknown[] }[] = [];
    const db = new Kysely<LedgerDatabase>({
      dialect: new LedgerSqliteDialect({ database: openSqliteDatabase({ kind: 'sqlite', path, synchronous: 'normal', busyTimeoutMs: 1_000 }) }),
      log: (event) => {
        if (event.level === 'query') statements.push({ sql: event.query.sql, parameters: event.query.parameters });
      },
    });
    await migrateLedger(db);
    const event = (id: string, host: string, dueAt: number) => ({
      id, owner: 'acme', url: `${host}/hook`, receiver_host: host, type: 'message.accepted', payload: '{}', message_id: null, bulk_id: null,
      state: 'pending' as const, due_at: dueAt, last_status: null, last_error: null, created_at: dueAt, updated_at: dueAt, delivered_at: null,
    });
    await db.insertInto('webhook_outbox').values([event('evt_1', 'https://slow.example', 1), event('evt_2', 'https://slow.example', 2), event('evt_3', 'https://other.example', 3)]).execute();
    statements.length = 0;

    const claimed = await claimWebhooks((work) => db.transaction().execute(work), 'sqlite', { now: 10, limit: 10, leaseMs: 1_000, skipReceivers: ['https://slow.example'] });
    expect(claimed.map((row) => row.id)).toEqual(['evt_3']);

    const reads = statements.filter((statement) => /^\s*(with|select)/i.test(statement.sql));
    expect(reads.length).toBe(3); // the hosts, the other hosts' oldest due events, then those chosen by id
    const reader = new Database(path, { readonly: true });
    try {
      for (const { sql, parameters } of reads) {
        const plan = (reader.prepare(`explain query plan ${sql}`).all(...(parameters as unknown[])) as { detail: string }[]).map((row) => row.detail);
        const outbox = plan.filter((detail) => / webhook_outbox\b/.test(detail));
        // The pending-host index, or the key for the chosen ids: never the due-time index, never the table.
        expect({ sql, outbox }).toEqual({ sql, outbox: outbox.map(() => expect.stringMatching(/USING (COVERING )?INDEX (webhook_outbox_pending_host|sqlite_autoindex_webhook_outbox_1 \(id=\?\))/)) });
      }
    } finally {
      reader.close();
      await db.destroy();
    }
  });
});
