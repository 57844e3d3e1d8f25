#!/usr/bin/env node
// A throwaway PostgreSQL cluster for the test command and the benchmarks: made with
// initdb in a temporary folder, started with pg_ctl on a free loopback port, and
// deleted when stopped. PostgreSQL refuses to run as root, so as root both run as
// the `postgres` user that Debian's package creates. Nothing is written outside the
// temporary folder (its socket lives there too).
//
//   node scripts/postgres-cluster.mjs run -- <command …>   runs the command with
//     ROTA_TEST_POSTGRES_URL set, then stops the cluster whatever happened.
//
// Imported: startThrowawayCluster() → { url, stop() }.
import { spawn, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** The binaries of the newest PostgreSQL Debian installed (e.g. /usr/lib/postgresql/15/bin), or undefined. */
export function postgresBinaries() {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base)
    .filter((name) => /^\d+$/.test(name) && existsSync(join(base, name, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length === 0 ? undefined : join(base, versions[0], 'bin');
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
      server.close(() => resolve(port));
    });
  });
}

/** Runs a binary, as `postgres` when this process is root; throws with its output on failure. */
function run(binary, args) {
  const asRoot = userInfo().uid === 0;
  const [command, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', binary, ...args]] : [binary, args];
  const result = spawnSync(command, argv, { encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(`${binary} ${args[0] ?? ''} failed (${result.error?.message ?? `exit ${result.status}`}):\n${result.stdout}${result.stderr}`);
  }
}

/**
 * Makes and starts a cluster; resolves with its URL (trust authentication, loopback
 * only, user `postgres`, database `rota_test`) and a stop() that stops it and deletes
 * its folder. Throws, saying what to install, when PostgreSQL is missing.
 * `settings` are server settings given at start over this function's own
 * (`{ fsync: 'on', shared_preload_libraries: 'pg_stat_statements' }`: the benchmarks').
 */
export async function startThrowawayCluster({ settings = {} } = {}) {
  const bin = postgresBinaries();
  if (!bin) {
    throw new Error('PostgreSQL is not installed: the PostgreSQL suites need it (Debian: apt-get install -y postgresql), or set ROTA_TEST_POSTGRES_URL to a database of your own');
  }
  const folder = mkdtempSync(join(tmpdir(), 'rota-pg-'));
  const data = join(folder, 'data');
  if (userInfo().uid === 0) {
    const owner = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    const group = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
    if (owner.status !== 0) throw new Error('running as root, but there is no `postgres` user to run PostgreSQL as');
    chownSync(folder, Number(owner.stdout), Number(group.stdout));
  }
  const port = await freePort();
  const stop = () => {
    try {
      run(join(bin, 'pg_ctl'), ['stop', '-D', data, '-m', 'immediate', '-s']);
    } catch {
      // Never started, or already gone: the folder goes either way.
    }
    rmSync(folder, { recursive: true, force: true });
  };
  try {
    run(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
    // fsync off: a throwaway cluster need not survive a power cut, and tests run faster.
    const all = { fsync: 'off', max_connections: '300', ...settings, listen_addresses: '127.0.0.1', port: String(port), unix_socket_directories: folder };
    const options = Object.entries(all)
      .map(([name, value]) => `-c ${name}=${value}`)
      .join(' ');
    run(join(bin, 'pg_ctl'), ['start', '-D', data, '-w', '-s', '-l', join(folder, 'postgres.log'), '-o', options]);
    run(join(bin, 'createdb'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', 'rota_test']);
  } catch (error) {
    stop();
    throw error;
  }
  return { url: `postgres://postgres@127.0.0.1:${port}/rota_test`, bin, folder, stop };
}

async function main() {
  const separator = process.argv.indexOf('--');
  const [mode] = process.argv.slice(2);
  const command = separator === -1 ? [] : process.argv.slice(separator + 1);
  if (mode !== 'run' || command.length === 0) {
    process.stderr.write('usage: node scripts/postgres-cluster.mjs run -- <command …>\n');
    process.exit(2);
  }
  const cluster = await startThrowawayCluster();
  process.stderr.write(`throwaway PostgreSQL cluster at ${cluster.url}\n`);
  let stopped = false;
  const stop = () => {
    if (!stopped) cluster.stop();
    stopped = true;
  };
  const child = spawn(command[0], command.slice(1), { stdio: 'inherit', env: { ...process.env, ROTA_TEST_POSTGRES_URL: cluster.url } });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('error', (error) => {
    process.stderr.write(`cannot run ${command[0]}: ${error.message}\n`);
    stop();
    process.exit(1);
  });
  child.on('close', (code, signal) => {
    stop();
    process.exit(code ?? (signal ? 1 : 0));
  });
}

if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) await main();
