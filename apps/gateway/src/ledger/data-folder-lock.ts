import { readFileSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * One process per embedded store. A second gateway on the same SQLite file
 * would, at its start, take the first one's messages in flight for
 * interrupted ones and mark them unknown; so the data folder holds a lock file
 * naming its holder: the pid, and (Linux) when that process started. A lock
 * whose process is gone (a kill -9) is taken over — and so is one whose pid a
 * new process has since been given: a container's gateway is pid 1 at every
 * start, and a host's pids come round again after a reboot, so a pid alone
 * kept a killed gateway's folder locked for good.
 *
 * `use` says what this process wants the folder for, in the refusal.
 */
export async function lockDataFolder(folder: string, use = 'an embedded (SQLite) store serves one gateway — use the PostgreSQL store to run several'): Promise<() => Promise<void>> {
  const file = join(folder, 'rota.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(file, `${holderLine(process.pid)}\n`, { flag: 'wx', mode: 0o600 });
      return async () => {
        await rm(file, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const [pid, started] = (await readFile(file, 'utf8').catch(() => '')).trim().split(' ');
    const holder = Number(pid);
    if (Number.isInteger(holder) && holder > 0 && holdsIt(holder, started)) {
      throw new Error(`the data folder ${folder} is in use by a running Rota (pid ${holder}); ${use}`);
    }
    // Left by a process that is gone (or by this pid in an earlier life): take it over.
    await rm(file, { force: true });
  }
  throw new Error(`could not lock the data folder ${folder}`);
}

/**
 * Whether the process a lock names still holds it: alive, and — where the lock
 * says when it started — the same process, not a later one given its pid.
 * This very process may hold it (a second gateway started in it); a lock
 * without a start time naming this pid is an earlier life's (this process
 * writes one).
 */
function holdsIt(pid: number, started: string | undefined): boolean {
  if (started === undefined) return pid !== process.pid && isAlive(pid);
  return isAlive(pid) && startTimeOf(pid) === started;
}

/** What the lock file says of its holder: `pid`, or `pid start-time` where the system tells it. */
export function holderLine(pid: number): string {
  const started = startTimeOf(pid);
  return started === undefined ? String(pid) : `${pid} ${started}`;
}

/**
 * When a process started, in clock ticks since boot (Linux: field 22 of
 * /proc/PID/stat, read after the command name, which may hold spaces and
 * parentheses); undefined where there is no /proc.
 */
function startTimeOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
