import pg from 'pg';
import { openLedgerStore, type MessageRecord } from '../../src/index.js';
import { dropSchema, freshSchemaName, HASH_KEY, message, postgresTestConfig, postgresTestUrl } from '../ledger-fixtures.js';
import { rig } from '../ledger-rig.js';

// Two writers of one message's delivery report on PostgreSQL: a poll and a
// push, or two workers' collectors. Each reads the message as not final;
// the one that writes second must not turn the other's final report back.

it('keeps a final report that another writer made while this one was on its way', async () => {
  const schema = freshSchemaName();
  const store = await openLedgerStore(postgresTestConfig(schema), { hashKey: HASH_KEY });
  const r = await rig({ store });
  const other = new pg.Client({ connectionString: postgresTestUrl() });
  await other.connect();
  try {
    const [outcome] = await r.ledger.submit([{ message: message({ to: '+905321234567' }), owner: 'acme' }], 'wait');
    const { id } = (outcome as { record: MessageRecord }).record;

    // The other writer has made the report final and not yet committed: this one still reads it as not final.
    await other.query(`set search_path to "${schema}"`);
    await other.query('begin');
    await other.query(`update messages set delivery_state = 'delivered', delivery_final = 1, report_due_at = null where id = $1`, [id]);
    const poll = store.applyReports([{ id, report: { state: 'sent', final: false, providerCode: '300' }, source: 'poll', nextDueAt: Date.now() + 60_000 }]);
    await new Promise((resolve) => setTimeout(resolve, 300)); // its UPDATE now waits for the other's row lock
    await other.query('commit');

    expect(await poll).toEqual({ steps: 0, finals: [] });
    expect((await store.get(id))?.delivery).toMatchObject({ state: 'delivered', final: true });
    expect((await store.timeline(id))!.filter((step) => step.kind === 'delivery')).toEqual([]);
  } finally {
    await other.end();
    await r.close();
    await dropSchema(schema);
  }
});

// Found by a probe: the same non-final report pushed to two gateways at once; each read the message as not having it
// yet, and the timeline got the step twice (the second dated before the first).
it('writes a timeline step once for the same report written by two stores at once, every time', async () => {
  const schema = freshSchemaName();
  const store = await openLedgerStore(postgresTestConfig(schema), { hashKey: HASH_KEY });
  const second = await openLedgerStore(postgresTestConfig(schema), { hashKey: HASH_KEY });
  const r = await rig({ store });
  try {
    for (let i = 0; i < 30; i++) {
      const [outcome] = await r.ledger.submit([{ message: message({ to: '+905321234567' }), owner: 'acme' }], 'wait');
      const { id } = (outcome as { record: MessageRecord }).record;
      const entry = { id, report: { state: 'sent' as const, final: false, providerCode: '110' }, source: 'push', nextDueAt: Date.now() + 60_000 };
      const written = await Promise.all([store.applyReports([entry]), second.applyReports([entry]), store.applyReports([entry])]);
      expect(written.map((applied) => applied.steps).sort()).toEqual([0, 0, 1]);
      expect((await store.timeline(id))!.filter((step) => step.kind === 'delivery')).toHaveLength(1);
    }
  } finally {
    await second.close();
    await r.close();
    await dropSchema(schema);
  }
}, 60_000);
