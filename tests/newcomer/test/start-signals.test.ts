import { documentedCommands } from '../src/markdown.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '@rota/testkit';
import { groupMembers, killGroup, portIsFree, startGroup, userEnv, waitFor, type Started } from '../src/processes.js';

/**
 * The README's install-and-run line ends with the command that starts the main
 * job; that command, as printed, is what these tests start: the real chain
 * npx → sh → pnpm → node scripts/start.mjs (→ turbo, then the job in-process).
 */
function readmeStartCommand(): string[] {
  const line = documentedCommands(['README.md']).find(({ line }) => / start$/.test(line));
  if (!line) throw new Error('README.md has no command line ending in "start"');
  const start = line.line.split(' && ').at(-1)!;
  expect(start).toBe('npx -y pnpm@10.34.8 start');
  return start.split(' ');
}

const STOP_WITHIN_MS = 5_000;

describe('the started command (README: npx -y pnpm@10.34.8 start)', () => {
  let started: Started | undefined;
  let ports: { gateway: number; sandbox: number };

  beforeEach(async () => {
    // Free ports rather than 8080/8090, which a developer's own main job may hold.
    ports = { gateway: await freePort(), sandbox: await freePort() };
    started = startGroup(readmeStartCommand(), {
      env: userEnv({ ROTA_GATEWAY_PORT: String(ports.gateway), ROTA_SANDBOX_PORT: String(ports.sandbox) }),
    });
    const up = await waitFor(() => started!.output().includes('Ctrl+C stops both.'), 150_000, 200);
    if (!up) throw new Error(`the main job did not start:\n${started.output()}`);
    expect(started.output()).toContain(`http://127.0.0.1:${ports.gateway}`);
    expect(await portIsFree(ports.gateway)).toBe(false);
    expect(await portIsFree(ports.sandbox)).toBe(false);
    // The chain this is about: npx (the group's leader), npm's shell, pnpm, and the node process holding the job.
    const members = groupMembers(started.child.pid!);
    expect(members.map((m) => m.pid)).toContain(started.child.pid);
    expect(members.length).toBeGreaterThanOrEqual(4);
  });

  afterEach(() => {
    if (started?.child.pid) killGroup(started.child.pid);
  });

  async function expectEverythingStopped(): Promise<void> {
    const pgid = started!.child.pid!;
    const stopped = await waitFor(() => groupMembers(pgid).length === 0, STOP_WITHIN_MS);
    if (!stopped) throw new Error(`still running after ${STOP_WITHIN_MS} ms: ${JSON.stringify(groupMembers(pgid))}\n${started!.output()}`);
    expect(await portIsFree(ports.gateway)).toBe(true);
    expect(await portIsFree(ports.sandbox)).toBe(true);
    // The job's last line is written just before it exits; once no process is left, wait for the pipe to be read
    // to its end (this once failed CI: the line was in the pipe, not yet read, when the output was checked).
    const ended = await Promise.race([started!.outputEnded.then(() => true), sleep(STOP_WITHIN_MS, undefined, { ref: false }).then(() => false)]);
    if (!ended) throw new Error(`every process stopped, but the output pipe stayed open for ${STOP_WITHIN_MS} ms:\n${started!.output()}`);
    // Stopped the graceful way: in-flight requests finished, then "stopped".
    expect(started!.output()).toContain('shutting down: finishing in-flight requests');
    expect(started!.output()).toContain('Rota gateway stopped');
  }

  it('SIGTERM to the top process only (npx) stops every process of the chain and frees both ports', async () => {
    process.kill(started!.child.pid!, 'SIGTERM');
    await expectEverythingStopped();
    expect(started!.output()).toContain('the command that started the job is gone');
  });

  it('SIGTERM to pnpm only stops everything too', async () => {
    const pnpm = groupMembers(started!.child.pid!).find((m) => /\bpnpm(\.c?js)? start$/.test(m.args));
    expect(pnpm).toBeDefined();
    process.kill(pnpm!.pid, 'SIGTERM');
    await expectEverythingStopped();
  });

  it('Ctrl+C (SIGINT to the whole group) still stops it gracefully, once', async () => {
    process.kill(-started!.child.pid!, 'SIGINT');
    await expectEverythingStopped();
    // One signal, one graceful stop: never "second signal while shutting down".
    expect(started!.output()).not.toContain('second signal');
  });
});
