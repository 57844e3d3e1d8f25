// What a webhook claim that passes over a receiver host costs, with and without a
// large backlog of that host's due events, side by side, on a SQLite file and on
// PostgreSQL. The webhook sender makes such claims while a receiver is at its cap (a
// hanging receiver): they must find the other clients' events without reading the
// hanging one's backlog. Not one of issue 13's targets: the check that a hanging
// receiver's backlog costs the other clients nothing.
//
//   node bench/reports/pass-over-claim.js        (after a build)
//   PASS_OVER_BACKLOG 1000000   the passed-over host's due events
//   PASS_OVER_CLAIMS  20        timed claims of each case (64 events each)
//   PASS_OVER_ONLY=sqlite,postgres
//   ROTA_BENCH_POSTGRES_URL     a server to use instead of a throwaway cluster
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { openLedgerStore } from '@rota/ledger';
import { envNumber } from '../lib/knobs.js';
import { openBenchPostgres } from '../scale/postgres.js';

const backlog = envNumber('PASS_OVER_BACKLOG', 1_000_000);
const claims = envNumber('PASS_OVER_CLAIMS', 20);
const only = (process.env.PASS_OVER_ONLY ?? 'sqlite,postgres').split(',');
const SLOW = 'https://slow.example';
const OTHERS = 20;
const CLAIM = 64;
// Enough of the other hosts' events that every timed claim finds a full claim's worth.
const othersEach = Math.ceil(((claims + 2) * CLAIM) / OTHERS);

const folder = mkdtempSync(join(tmpdir(), 'rota-bench-pass-over-'));
process.on('exit', () => rmSync(folder, { recursive: true, force: true }));

/** The outbox columns the fill writes (the others keep their defaults). */
const EVENT_COLUMNS = 'id, owner, url, receiver_host, type, payload, message_id, bulk_id, state, due_at, attempts, created_at, updated_at';

/** Median and max of the timed claims, ms; every claim must bring a full claim's worth of the other hosts' events. */
async function timeClaims(store, now) {
  const times = [];
  for (let i = 0; i < claims; i++) {
    const started = performance.now();
    const claimed = await store.claimWebhooks({ now: new Date(now), limit: CLAIM, leaseMs: 3_600_000, skipHosts: [SLOW] });
    times.push(performance.now() - started);
    if (claimed.length !== CLAIM || claimed.some((event) => event.host === SLOW)) throw new Error(`claim ${i}: ${claimed.length} events, slow host's among them: ${claimed.some((event) => event.host === SLOW)}`);
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)], max: times.at(-1) };
}

async function sqliteCase(withBacklog) {
  const path = join(folder, `outbox-${withBacklog ? 'backlog' : 'none'}.db`);
  const store = await openLedgerStore({ kind: 'sqlite', path }, { hashKey: randomBytes(32) });
  await store.close();
  const db = new Database(path);
  const insert = db.prepare(`insert into webhook_outbox (${EVENT_COLUMNS}) values (?, 'acme', ?, ?, 'message.accepted', '{}', null, null, 'pending', ?, 0, ?, ?)`);
  db.transaction(() => {
    // The slow host's backlog is the oldest: an index in due order meets all of it before anyone else's.
    if (withBacklog) for (let i = 0; i < backlog; i++) insert.run(`evt_s${i}`, `${SLOW}/hook`, SLOW, i, i, i);
    for (let h = 0; h < OTHERS; h++) {
      const host = `https://client${h}.example`;
      for (let i = 0; i < othersEach; i++) insert.run(`evt_${h}_${i}`, `${host}/hook`, host, backlog + i, backlog + i, backlog + i);
    }
  })();
  db.close();
  const reopened = await openLedgerStore({ kind: 'sqlite', path }, { hashKey: randomBytes(32) });
  try {
    return await timeClaims(reopened, 2 * backlog + othersEach);
  } finally {
    await reopened.close();
  }
}

async function postgresCase(server, withBacklog) {
  const database = await server.createDatabase('pass_over');
  try {
    const store = await openLedgerStore({ kind: 'postgres', url: database.url }, { hashKey: randomBytes(32) });
    try {
      const values = (prefix, url, host, count, dueFrom) =>
        `select '${prefix}' || n, 'acme', '${url}', '${host}', 'message.accepted', '{}', null, null, 'pending', ${dueFrom} + n, 0, ${dueFrom} + n, ${dueFrom} + n from generate_series(0, ${count - 1}) as n`;
      const inDatabase = (text) => queryIn(database.url, text);
      if (withBacklog) await inDatabase(`insert into rota.webhook_outbox (${EVENT_COLUMNS}) ${values('evt_s', `${SLOW}/hook`, SLOW, backlog, 0)}`);
      for (let h = 0; h < OTHERS; h++) await inDatabase(`insert into rota.webhook_outbox (${EVENT_COLUMNS}) ${values(`evt_${h}_`, `https://client${h}.example/hook`, `https://client${h}.example`, othersEach, backlog)}`);
      await inDatabase("analyze rota.webhook_outbox");
      return await timeClaims(store, 2 * backlog + othersEach);
    } finally {
      await store.close();
    }
  } finally {
    await server.dropDatabase(database.name);
  }
}

async function queryIn(url, text) {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows;
  } finally {
    await client.end();
  }
}

const rows = [];
console.log(`a claim of ${CLAIM} passing over one host; ${OTHERS} other hosts with ${othersEach} due events each; ${claims} claims a case; load average ${loadavg()[0].toFixed(1)}`);
if (only.includes('sqlite')) {
  const none = await sqliteCase(false);
  const full = await sqliteCase(true);
  rows.push(['SQLite file', none, full]);
}
if (only.includes('postgres')) {
  const server = await openBenchPostgres();
  try {
    const none = await postgresCase(server, false);
    const full = await postgresCase(server, true);
    rows.push(['PostgreSQL', none, full]);
  } finally {
    server.stop();
  }
}
const ms = (value) => value.toFixed(2);
console.log(`\nstore         no backlog: median / max ms   ${backlog.toLocaleString('en')} passed over: median / max ms   ratio (medians)`);
for (const [name, none, full] of rows) console.log(`${name.padEnd(13)} ${`${ms(none.median)} / ${ms(none.max)}`.padEnd(31)} ${`${ms(full.median)} / ${ms(full.max)}`.padEnd(40)} ${(full.median / none.median).toFixed(2)}`);
