// Starts the FigenSoft sandbox in a child process, so that the client under test
// and the far end do not share one event loop (on a 2-core machine, one core each).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SANDBOX_MAIN = fileURLToPath(new URL('../../apps/figensoft-sandbox/dist/main.js', import.meta.url));

export const BENCH_ACCOUNTS = [
  { username: 'bench-notify', password: 'bench-notify-secret', iysType: 'NOTIFICATION', senders: ['ROTA'], credit: 1e12 },
  { username: 'bench-campaign', password: 'bench-campaign-secret', iysType: 'CAMPAIGN', senders: ['ROTA'], credit: 1e12 },
];

/**
 * `port` 0 picks a free one; a fixed port lets a restarted sandbox come back where
 * clients expect it. `consent` goes into the accounts file (`{ approved, optedOut }`);
 * `wires` too (`{ messageCenter, infobip, twilio, mobildev }`: the other providers' wires).
 */
export async function startSandboxProcess({ accounts = BENCH_ACCOUNTS, consent, wires = {}, port = 0, extraArgs = [] } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'rota-bench-'));
  const file = join(dir, 'accounts.json');
  writeFileSync(file, JSON.stringify({ accounts, ...(consent === undefined ? {} : { consent }), ...wires }));
  const args = [SANDBOX_MAIN, '--port', String(port), '--accounts', file, ...extraArgs];
  // BENCH_SANDBOX_CPU=1 pins the far end to that core (Linux taskset), so it stops trading cores with the client.
  const pin = process.env.BENCH_SANDBOX_CPU;
  // The IPC channel is the sandbox's tie to this process: when the benchmark ends in any way
  // (a throw, a kill, no stop()), the sandbox sees it close and stops, as the load bench's
  // gateway does. An orphan would keep the port and a core busy, and hold the pipe of
  // whoever reads our output. Unref'd: the channel alone never keeps the benchmark running.
  const stdio = ['ignore', 'pipe', 'inherit', 'ipc'];
  const child = pin ? spawn('taskset', ['-c', pin, process.execPath, ...args], { stdio }) : spawn(process.execPath, args, { stdio });
  child.channel?.unref();
  // The accounts file is read at start; its folder goes with the process (a run starts several).
  child.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const url = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const match = /listening on (\S+)/.exec(out);
      if (match) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`sandbox exited with ${code} before listening`)));
  });
  return {
    url,
    /** The admin API (faults, records, credit): the same origin as the API, under /_admin. */
    adminUrl: `${new URL(url).origin}/_admin`,
    pid: child.pid,
    port: Number(new URL(url).port),
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', resolve);
        child.kill('SIGTERM');
      }),
    /** Kills the process without letting it close anything (SIGKILL): its sockets die with it. */
    kill: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve(undefined);
        child.once('exit', resolve);
        child.kill('SIGKILL');
      }),
  };
}
