import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * One process per embedded store. A second gateway on the same SQLite file
 * would, at its start, take the first one's messages in flight for
 * interrupted ones and mark them unknown; so the data folder holds a lock file
 * with the owner's pid. A lock whose process is gone (a kill -9) is taken over.
 */
export async function lockDataFolder(folder: string): Promise<() => Promise<void>> {
  const file = join(folder, 'rota.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(file, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
      return async () => {
        await rm(file, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number((await readFile(file, 'utf8').catch(() => '')).trim());
    if (Number.isInteger(holder) && holder > 0 && isAlive(holder)) {
      throw new Error(`the data folder ${folder} is in use by a running Rota (pid ${holder}); an embedded (SQLite) store serves one gateway — use the PostgreSQL store to run several`);
    }
    // Left by a process that is gone: take it over.
    await rm(file, { force: true });
  }
  throw new Error(`could not lock the data folder ${folder}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
