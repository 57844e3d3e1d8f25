import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is tests/newcomer/src/processes.ts). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * The environment of a new terminal: what the test runner's own pnpm and jest
 * put there (npm_* settings, NODE_OPTIONS for jest's ESM mode) is left out, so
 * a command runs as a user would run it.
 */
export function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(npm_|pnpm_|PNPM_|NODE_OPTIONS$|JEST_WORKER_ID$|INIT_CWD$)/.test(key)) continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

/** The live (not zombie) processes of a process group. */
export function groupMembers(pgid: number): { pid: number; args: string }[] {
  if (existsSync('/proc/self/stat')) {
    const members: { pid: number; args: string }[] = [];
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        if (Number(fields[2]) !== pgid || fields[0] === 'Z') continue;
        members.push({ pid: Number(entry), args: readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ').trim() });
      } catch {
        // gone while we looked
      }
    }
    return members;
  }
  const out = execFileSync('ps', ['-A', '-o', 'pid=,pgid=,stat=,args='], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(\d+)\s+(\S+)\s+(.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null && Number(m[2]) === pgid && !m[3]!.startsWith('Z'))
    .map((m) => ({ pid: Number(m[1]), args: m[4]! }));
}

/** True when nothing listens on 127.0.0.1:port (we can listen there ourselves). */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}


export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs: number, intervalMs = 100): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

export interface Started {
  child: ChildProcess;
  output(): string;
  /**
   * Resolves once the output pipes are closed: the leader has exited and so has
   * every process that inherited them (the whole chain), and all they wrote has
   * been read. Only then is output() complete; the last line a process wrote
   * just before exiting may otherwise still sit unread in the pipe.
   */
  outputEnded: Promise<void>;
}

/** Starts argv as the leader of a new process group (as a shell starts a job), collecting its output. */
export function startGroup(argv: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Started {
  const child = spawn(argv[0]!, argv.slice(1), { cwd: options.cwd ?? REPO_ROOT, env: options.env ?? userEnv(), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const outputEnded = new Promise<void>((resolve) => child.on('close', () => resolve()));
  return { child, output: () => text, outputEnded };
}

/** Kills whatever is left of a group this test started (by its id), so that a failed test leaves nothing running. */
export function killGroup(pgid: number): void {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // nothing left
  }
}

export interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs one command line with sh, as pasted into a terminal, from the repository root. */
export function runLine(line: string, options: { env?: NodeJS.ProcessEnv; timeoutMs?: number; cwd?: string } = {}): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', line], { cwd: options.cwd ?? REPO_ROOT, env: options.env ?? userEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
