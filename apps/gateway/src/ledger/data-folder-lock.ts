import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { link, readFile, rename, rm, writeFile } from 'node:fs/promises';
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
  const busy = (pid: number) => new Error(`the data folder ${folder} is in use by a running Rota (pid ${pid}); ${use}`);
  // This process's own: a second gateway started in it, told apart even where /proc cannot tell its start time.
  if (heldHere.has(file)) throw busy(process.pid);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await writeFile(file, `${holderLine(process.pid)}\n`, { flag: 'wx', mode: 0o600 });
      heldHere.add(file);
      return async () => {
        heldHere.delete(file);
        await rm(file, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const line = (await readFile(file, 'utf8').catch(() => '')).trim();
    const [pid, started] = line.split(' ');
    const holder = Number(pid);
    if (Number.isInteger(holder) && holder > 0 && holdsIt(holder, started)) throw busy(holder);
    // Left by a process that is gone (or by this pid in an earlier life): take it over.
    await takeOverStaleLock(file, line);
  }
  throw new Error(`could not lock the data folder ${folder}`);
}

/** The lock files this process holds. */
const heldHere = new Set<string>();

/**
 * Removes the lock judged stale — and only it. Two processes starting at once
 * may both judge one lock stale: the first takes it over and writes its own,
 * and a plain remove by the second deleted that fresh lock, so both ran on
 * one file. The lock is moved aside first (a rename: one of them moves it);
 * if what was moved is not the stale lock but a fresh one, it is put back
 * (unless a newer one is already there) and the loop reads it again.
 */
export async function takeOverStaleLock(file: string, stale: string): Promise<void> {
  const aside = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  try {
    await rename(file, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return; // another process moved it first
    throw error;
  }
  const moved = (await readFile(aside, 'utf8').catch(() => '')).trim();
  if (moved !== stale) await link(aside, file).catch(() => undefined);
  await rm(aside, { force: true });
}

/**
 * Whether the process a lock names still holds it: alive, and — where the lock
 * says when it started — the same process, not a later one given its pid.
 * This very process may hold it (a second gateway started in it); a lock
 * without a start time naming this pid is an earlier life's (this process
 * writes one).
 */
function holdsIt(pid: number, started: string | undefined): boolean {
  if (!isAlive(pid)) return false;
  if (started === undefined) return pid !== process.pid;
  // A start time that cannot be read (/proc mounted hidepid): alive, so taken for the holder.
  const now = startTimeOf(pid);
  return now === undefined || now === started;
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
