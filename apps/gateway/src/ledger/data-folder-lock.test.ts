import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readdir } from 'node:fs/promises';
import { holderLine, lockDataFolder, takeOverStaleLock } from './data-folder-lock.js';

// Regression (a probe): a lock naming a pid that is alive again, but as
// another process (a container's gateway is pid 1 at every start), kept a
// killed gateway's data folder locked for good.

let folder: string;
beforeEach(async () => {
  folder = await mkdtemp(join(tmpdir(), 'rota-lock-'));
});
afterEach(() => rm(folder, { recursive: true, force: true }));

const lockFile = () => join(folder, 'rota.lock');

it('locks a free folder with its pid and start time, refuses a second locker while held, and lets go', async () => {
  const unlock = await lockDataFolder(folder);
  expect((await readFile(lockFile(), 'utf8')).trim()).toBe(holderLine(process.pid));
  expect(holderLine(process.pid)).toMatch(/^\d+ \d+$/); // Linux: the start time is there
  await unlock();
  await expect(readFile(lockFile())).rejects.toMatchObject({ code: 'ENOENT' });
});

it('refuses a folder a live process holds, naming it and what to do; this very process too (a second gateway started in it)', async () => {
  await writeFile(lockFile(), `${holderLine(1)}\n`); // pid 1, as it started: alive and the holder
  await expect(lockDataFolder(folder, 'stop it first')).rejects.toThrow(`the data folder ${folder} is in use by a running Rota (pid 1); stop it first`);
  await rm(lockFile());
  const unlock = await lockDataFolder(folder);
  await expect(lockDataFolder(folder)).rejects.toThrow(`(pid ${process.pid})`);
  await unlock();
});

it.each([
  ['a pid that is gone', '999999999'],
  ['this very pid without a start time (an earlier life: this process writes one)', String(process.pid)],
  ['a live pid that started at another time (the pid came round again)', 'pid 1, a tick after it started'],
])('takes over a lock naming %s', async (_, written) => {
  const line = written.startsWith('pid 1') ? `1 ${Number(holderLine(1).split(' ')[1]) + 1}` : written;
  await writeFile(lockFile(), `${line}\n`);
  const unlock = await lockDataFolder(folder);
  expect((await readFile(lockFile(), 'utf8')).trim()).toBe(holderLine(process.pid));
  await unlock();
});

// A review: two processes judging one lock stale at once both took the folder (8 runs in 40): the second removed the
// lock the first had just written.
it("leaves a fresh lock alone when a second process takes over the stale one it read before", async () => {
  const stale = '999999999';
  await writeFile(lockFile(), `${stale}\n`);
  const unlock = await lockDataFolder(folder); // the first process: takes the stale lock over, writes its own
  const fresh = await readFile(lockFile(), 'utf8');
  await takeOverStaleLock(lockFile(), stale); // the second, acting on what it read before
  expect(await readFile(lockFile(), 'utf8')).toBe(fresh);
  expect(await readdir(folder)).toEqual(['rota.lock']);
  await unlock();
});
