// The PostgreSQL server of bench/scale: a throwaway cluster of its own
// (scripts/postgres-cluster.mjs: initdb in a temporary folder, a free loopback
// port, deleted when stopped — also on Ctrl+C), or the server named by
// ROTA_BENCH_POSTGRES_URL, which is used as it is (settings not touched; its user
// must be allowed to create databases: each installation gets one of its own,
// dropped after).
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { startThrowawayCluster } from '../../scripts/postgres-cluster.mjs';

/**
 * How the throwaway cluster commits. `off` (the default): synchronous_commit=off
 * with fsync on — a commit does not wait for its WAL to reach the disk, so a
 * crash of the server machine may lose the last fraction of a second, never
 * corrupt anything: the promise of the embedded store's SQLite `synchronous=normal`.
 * `on`: PostgreSQL's default, a WAL flush per commit. `nofsync`: the test
 * cluster's own setting (fsync off), for comparison only.
 */
export const COMMIT_MODES = ['off', 'on', 'nofsync'];

/**
 * Starts (or connects to) the server; resolves with { url, owned, describe, cpuMicros(),
 * createDatabase(), dropDatabase(), query(), statements, resetStatements(), topStatements(), stop() }. `statements`: load
 * pg_stat_statements in the throwaway cluster, for `topStatements` (a diagnosis: it
 * costs the server a little on every statement).
 */
export async function openBenchPostgres({ commit = 'off', statements = false, url = process.env.ROTA_BENCH_POSTGRES_URL } = {}) {
  if (!COMMIT_MODES.includes(commit)) throw new Error(`SCALE_PG_COMMIT must be one of ${COMMIT_MODES.join(', ')}, got "${commit}"`);
  const settings = {
    fsync: commit === 'nofsync' ? 'off' : 'on',
    synchronous_commit: commit === 'off' ? 'off' : 'on',
    ...(statements ? { shared_preload_libraries: 'pg_stat_statements', 'pg_stat_statements.track': 'all', 'pg_stat_statements.track_planning': 'on' } : {}),
  };
  const cluster = url ? undefined : await startThrowawayCluster({ settings });
  const stopCluster = once(() => cluster?.stop());
  // Ctrl+C or a kill: the cluster and its folder go with the run. The children (gateways,
  // workers, the sandbox) see their IPC channel close and stop by themselves.
  const onSignal = (signal) => {
    stopCluster();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.once('exit', stopCluster);
  try {
    const serverUrl = url ?? cluster.url;
    const query = async (text, values = []) => {
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      try {
        return (await client.query(text, values)).rows;
      } finally {
        await client.end();
      }
    };
    const withStatements = Boolean(cluster) && statements;
    if (withStatements) await query('create extension if not exists pg_stat_statements');
    const [{ version }] = await query('select version()');
    const shown = Object.fromEntries(
      (await query(`select name, setting from pg_settings where name in ('fsync', 'synchronous_commit', 'shared_buffers', 'max_connections')`)).map((r) => [r.name, r.setting]),
    );
    const postmasterPid = cluster ? Number(readFileSync(join(cluster.folder, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]) : undefined;
    return {
      url: serverUrl,
      owned: Boolean(cluster),
      describe: () =>
        `${version.split(',')[0]} (${cluster ? 'a throwaway cluster of this run' : 'ROTA_BENCH_POSTGRES_URL'}; fsync=${shown.fsync}, synchronous_commit=${shown.synchronous_commit}, ` +
        `shared_buffers=${Math.round((Number(shown.shared_buffers) * 8) / 1024)} MiB)`,
      /** The server's CPU time so far (µs): the postmaster and every backend, live or reaped. Undefined for a server not of this run. */
      cpuMicros: () => (postmasterPid === undefined ? undefined : serverCpuMicros(postmasterPid)),
      /**
       * A database of its own for one installation, so that installations idle between
       * their rounds neither see nor hear the one under test (NOTIFY reaches every
       * listening connection of a database, whatever its channel). Resolves with its name and URL.
       */
      createDatabase: async (prefix) => {
        const name = `${prefix}_${randomBytes(4).toString('hex')}`;
        await query(`create database "${name}"`);
        const databaseUrl = new URL(serverUrl);
        databaseUrl.pathname = `/${name}`;
        return { name, url: databaseUrl.toString() };
      },
      dropDatabase: (name) => query(`drop database if exists "${name}" with (force)`),
      query,
      statements: withStatements,
      /** Forgets the statements counted so far (pg_stat_statements). */
      resetStatements: async () => {
        if (withStatements) await query('select pg_stat_statements_reset()');
      },
      /** The `n` statements of `database` that took the most server time executing since the last reset: calls, total and mean ms, planning ms, rows; the text shortened. */
      topStatements: async (n, database) =>
        withStatements
          ? (
              await query(
                `select calls, total_exec_time as total_ms, total_plan_time as plan_ms, rows, query from pg_stat_statements
                 where dbid = (select oid from pg_database where datname = $2) order by total_exec_time desc limit $1`,
                [n, database],
              )
            ).map((r) => ({ calls: Number(r.calls), totalMs: r.total_ms, meanMs: r.total_ms / Math.max(1, Number(r.calls)), planMs: r.plan_ms, rows: Number(r.rows), query: r.query.replace(/\s+/g, ' ').slice(0, 160) }))
          : [],
      stop: stopCluster,
    };
  } catch (error) {
    stopCluster();
    throw error;
  }
}

function once(fn) {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    fn();
  };
}

const TICKS = 100; // USER_HZ on Linux

/** utime+stime (and, for the postmaster, its reaped children's) of the postmaster and its live children, in µs. */
function serverCpuMicros(postmasterPid) {
  let ticks = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(entry);
    if (!stat) continue;
    if (Number(entry) === postmasterPid) ticks += stat.utime + stat.stime + stat.cutime + stat.cstime;
    else if (stat.ppid === postmasterPid) ticks += stat.utime + stat.stime;
  }
  return (ticks * 1e6) / TICKS;
}

function readStat(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command may hold spaces and parentheses: the fields start after the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(fields[1]), utime: Number(fields[11]), stime: Number(fields[12]), cutime: Number(fields[13]), cstime: Number(fields[14]) };
  } catch {
    return undefined;
  }
}
