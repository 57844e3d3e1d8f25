import { jest } from '@jest/globals';
import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger, type Logger } from '@rota/provider';
import { loadConfigFile } from './load-config.js';
import { createRuntime } from './runtime.js';
import type { GatewayRuntime, ReloadResult } from './runtime-types.js';
import { recordingLogger, SECRETS } from './test-fixtures.js';
import { watchConfig } from './watch-config.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rota-watch-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const yamlWithRank = (rank: number): string =>
  [
    'providers:',
    '  - type: figensoft',
    `    rank: ${rank}`,
    '    settings:',
    '      accounts:',
    '        - { username: rota-notify, password: pw, smsIysMessageType: NOTIFICATION, senderList: [ROTA] }',
    'gateway:',
    `  apiKeys: [{ name: svc, key: ${SECRETS.apiKey} }]`,
    `  adminToken: ${SECRETS.adminToken}`,
    '',
  ].join('\n');

/** Waits for a condition the watcher brings about; the test fails on jest's timeout if it never comes. */
async function eventually(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 20));
}

/**
 * Puts `text` in the file in one step (written beside it, renamed over it), for tests that count reloads:
 * an in-place write empties the file first, and a watcher with a short debounce may read it empty on a
 * loaded machine — one more reload, or one more refusal, than the test counts.
 */
async function replaceFile(path: string, text: string): Promise<void> {
  await writeFile(`${path}.next`, text);
  await rename(`${path}.next`, path);
}

/** A runtime that only counts reloads: enough for the SIGHUP and stop() behaviour. */
function countingRuntime(): GatewayRuntime & { reload: jest.Mock<() => Promise<ReloadResult>> } {
  return { reload: jest.fn(async (): Promise<ReloadResult> => ({ ok: true, changed: [] })) } as unknown as GatewayRuntime & {
    reload: jest.Mock<() => Promise<ReloadResult>>;
  };
}

async function runtimeFrom(path: string, logger: Logger = silentLogger): Promise<GatewayRuntime> {
  const loaded = await loadConfigFile(path, {});
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
  return createRuntime(loaded.config, { logger, development: false, configPath: path, env: {} });
}

const rankOf = (runtime: GatewayRuntime): number => runtime.router.status()[0]!.rank;

describe('watchConfig', () => {
  it('reloads when the file is rewritten in place', async () => {
    const path = join(dir, 'in-place.yaml');
    await writeFile(path, yamlWithRank(3));
    const runtime = await runtimeFrom(path);
    const stop = watchConfig(runtime, path, silentLogger);
    try {
      await writeFile(path, yamlWithRank(6));
      await eventually(() => rankOf(runtime) === 6);
      expect(runtime.config().providers[0]!.rank).toBe(6);
    } finally {
      stop();
      await runtime.close();
    }
  });

  it('reloads when an editor replaces the file (write elsewhere, rename over it)', async () => {
    const path = join(dir, 'replaced.yaml');
    await writeFile(path, yamlWithRank(3));
    const runtime = await runtimeFrom(path);
    const stop = watchConfig(runtime, path, silentLogger);
    try {
      const temporary = join(dir, '.replaced.yaml.swp');
      await writeFile(temporary, yamlWithRank(8));
      await rename(temporary, path);
      await eventually(() => rankOf(runtime) === 8);
      // The watch survives the replacement: a second edit is seen too.
      await writeFile(path, yamlWithRank(2));
      await eventually(() => rankOf(runtime) === 2);
    } finally {
      stop();
      await runtime.close();
    }
  });

  it('reloads on a Kubernetes ConfigMap update: the mount\'s ..data symlink re-pointed to a new folder', async () => {
    // The mount as kubelet lays it out: config.yaml -> ..data/config.yaml, ..data -> ..<timestamp>.
    const mount = join(dir, 'configmap');
    await mkdir(join(mount, '..2026_12_05_a'), { recursive: true });
    await writeFile(join(mount, '..2026_12_05_a', 'config.yaml'), yamlWithRank(3));
    await symlink('..2026_12_05_a', join(mount, '..data'));
    await symlink(join('..data', 'config.yaml'), join(mount, 'config.yaml'));
    const path = join(mount, 'config.yaml');
    const runtime = await runtimeFrom(path);
    const stop = watchConfig(runtime, path, silentLogger);
    try {
      // An update as kubelet makes it: a new folder, a new symlink renamed over ..data, the old folder removed.
      // No event names config.yaml: watching for its name missed every update.
      await mkdir(join(mount, '..2026_12_05_b'));
      await writeFile(join(mount, '..2026_12_05_b', 'config.yaml'), yamlWithRank(7));
      await symlink('..2026_12_05_b', join(mount, '..data_tmp'));
      await rename(join(mount, '..data_tmp'), join(mount, '..data'));
      await rm(join(mount, '..2026_12_05_a'), { recursive: true });
      await eventually(() => rankOf(runtime) === 7);
    } finally {
      stop();
      await runtime.close();
    }
  });

  it('reloads when a symlink target in another directory is edited in place: the poll sees what no event reports', async () => {
    // /etc/rota/rota.yaml -> /srv/conf/rota.yaml: the watched directory holds only the link, so an edit of the target makes no event there.
    await mkdir(join(dir, 'link-elsewhere', 'etc'), { recursive: true });
    await mkdir(join(dir, 'link-elsewhere', 'srv'), { recursive: true });
    const target = join(dir, 'link-elsewhere', 'srv', 'rota.yaml');
    const path = join(dir, 'link-elsewhere', 'etc', 'rota.yaml');
    await writeFile(target, yamlWithRank(3));
    await symlink(target, path);
    const runtime = await runtimeFrom(path);
    const stop = watchConfig(runtime, path, silentLogger, { debounceMs: 10, pollMs: 20 });
    try {
      await writeFile(target, yamlWithRank(5));
      await eventually(() => rankOf(runtime) === 5);
    } finally {
      stop();
      await runtime.close();
    }
  });

  it('polls without reloading while nothing changed, and reloads nothing after stop()', async () => {
    const path = join(dir, 'polled.yaml');
    await writeFile(path, yamlWithRank(3));
    const runtime = countingRuntime();
    const stop = watchConfig(runtime, path, silentLogger, { debounceMs: 10, pollMs: 10 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(runtime.reload).not.toHaveBeenCalled();
    stop();
    // A poll still reloading after stop() would see this within 10 ms (+10 ms debounce).
    await writeFile(path, yamlWithRank(4));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(runtime.reload).not.toHaveBeenCalled();
  });

  it('reloads nothing when the file is written with the content it has', async () => {
    const path = join(dir, 'same.yaml');
    await writeFile(path, yamlWithRank(3));
    const runtime = countingRuntime();
    const stop = watchConfig(runtime, path, silentLogger, { debounceMs: 10 });
    try {
      await replaceFile(path, yamlWithRank(3));
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(runtime.reload).not.toHaveBeenCalled();
      await replaceFile(path, yamlWithRank(4));
      await eventually(() => runtime.reload.mock.calls.length === 1);
    } finally {
      stop();
    }
  });

  it('takes an empty file for a write in place under way: rewritten in place with its own content, nothing reloads', async () => {
    const path = join(dir, 'in-place-same.yaml');
    await writeFile(path, yamlWithRank(3));
    const runtime = countingRuntime();
    // A debounce and a poll short enough to read the file between a write's truncation and its bytes.
    const stop = watchConfig(runtime, path, silentLogger, { debounceMs: 1, pollMs: 1 });
    try {
      for (let i = 0; i < 50; i += 1) await writeFile(path, yamlWithRank(3));
      await writeFile(path, '');
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(runtime.reload).not.toHaveBeenCalled();
      await writeFile(path, yamlWithRank(4));
      await eventually(() => runtime.reload.mock.calls.length === 1);
    } finally {
      stop();
    }
  });

  it('applies the file again when it is put back as it was after a SIGHUP found none', async () => {
    const path = join(dir, 'put-back.yaml');
    await writeFile(path, yamlWithRank(3));
    const runtime = await runtimeFrom(path);
    const stop = watchConfig(runtime, path, silentLogger, { debounceMs: 10, signal: 'SIGUSR2' });
    try {
      await rm(path);
      process.emit('SIGUSR2', 'SIGUSR2');
      await eventually(() => runtime.configState().lastRefused !== undefined);
      const refused = runtime.configState();
      await writeFile(path, yamlWithRank(3));
      // Applied again: the refusal is older than the configuration in force, so it no longer shows as current.
      await eventually(() => runtime.configState().appliedAt > refused.lastRefused!.at);
    } finally {
      stop();
      await runtime.close();
    }
  });

  it('tries an invalid file once, not at every poll', async () => {
    const path = join(dir, 'invalid-once.yaml');
    await writeFile(path, yamlWithRank(3));
    const logger = recordingLogger();
    const runtime = await runtimeFrom(path, logger);
    const stop = watchConfig(runtime, path, logger, { debounceMs: 5, pollMs: 20 });
    const refusals = () => logger.calls.filter((call) => call.message === 'configuration refused: keeping the running configuration').length;
    try {
      await replaceFile(path, yamlWithRank(-4));
      await eventually(() => refusals() === 1);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(refusals()).toBe(1);
    } finally {
      stop();
      await runtime.close();
    }
  });

  it('keeps the running configuration when the edited file is invalid, and logs why', async () => {
    const path = join(dir, 'broken.yaml');
    await writeFile(path, yamlWithRank(3));
    const logger = recordingLogger();
    const runtime = await runtimeFrom(path, logger);
    const stop = watchConfig(runtime, path, logger);
    try {
      await writeFile(path, yamlWithRank(-4));
      await eventually(() => logger.calls.some((call) => call.level === 'error' && call.fields.path === 'providers.0.rank'));
      expect(rankOf(runtime)).toBe(3);
    } finally {
      stop();
      await runtime.close();
    }
  });

  it('ignores other files in the same directory', async () => {
    const path = join(dir, 'watched.yaml');
    const neighbour = join(dir, 'neighbour.yaml');
    await writeFile(path, yamlWithRank(3));
    await writeFile(neighbour, 'x: 0\n');
    const runtime = countingRuntime();
    const stop = watchConfig(runtime, path, silentLogger, { debounceMs: 10 });
    // A second watcher on the neighbour, registered after ours, proves the event came (and ours had its chance first).
    const control = countingRuntime();
    const stopControl = watchConfig(control, neighbour, silentLogger, { debounceMs: 10 });
    try {
      await writeFile(neighbour, 'x: 1\n');
      await eventually(() => control.reload.mock.calls.length >= 1);
      expect(runtime.reload).not.toHaveBeenCalled();
      await replaceFile(path, yamlWithRank(4));
      await eventually(() => runtime.reload.mock.calls.length === 1);
    } finally {
      stop();
      stopControl();
    }
  });

  it('reloads on an edit while a neighbour file is written many times a second (a log beside the configuration), not once those writes stop', async () => {
    const path = join(dir, 'busy.yaml');
    const neighbour = join(dir, 'busy.log');
    await writeFile(path, yamlWithRank(3));
    const runtime = countingRuntime();
    const stop = watchConfig(runtime, path, silentLogger, { pollMs: 0 });
    let writing = true;
    const noise = (async () => {
      for (let line = 0; writing; line += 1) {
        await writeFile(neighbour, `line ${line}\n`, { flag: 'a' });
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    try {
      await new Promise((resolve) => setTimeout(resolve, 200));
      await replaceFile(path, yamlWithRank(4));
      // The neighbour's writes go on until `finally`: without the bound the debounce moved with each of them,
      // and this wait ran into jest's timeout.
      await eventually(() => runtime.reload.mock.calls.length === 1);
    } finally {
      writing = false;
      await noise;
      stop();
    }
  });

  it('collapses a burst of writes into fewer reloads', async () => {
    const path = join(dir, 'burst.yaml');
    await writeFile(path, yamlWithRank(3));
    const runtime = countingRuntime();
    const stop = watchConfig(runtime, path, silentLogger);
    try {
      for (let rank = 1; rank <= 5; rank += 1) await writeFile(path, yamlWithRank(rank));
      await eventually(() => runtime.reload.mock.calls.length >= 1);
      expect(runtime.reload.mock.calls.length).toBeLessThan(5);
    } finally {
      stop();
    }
  });

  it('reloads on SIGHUP', async () => {
    const path = join(dir, 'signal.yaml');
    await writeFile(path, yamlWithRank(3));
    const runtime = countingRuntime();
    const stop = watchConfig(runtime, path, silentLogger);
    try {
      process.emit('SIGHUP', 'SIGHUP');
      expect(runtime.reload).toHaveBeenCalledTimes(1);
    } finally {
      stop();
    }
  });

  it('stop() removes the signal handler and the watcher', async () => {
    const path = join(dir, 'stopped.yaml');
    await writeFile(path, yamlWithRank(3));
    const listenersBefore = process.listenerCount('SIGHUP');
    const runtime = countingRuntime();
    const stop = watchConfig(runtime, path, silentLogger, { debounceMs: 10 });
    expect(process.listenerCount('SIGHUP')).toBe(listenersBefore + 1);

    stop();
    stop(); // idempotent

    expect(process.listenerCount('SIGHUP')).toBe(listenersBefore);
    process.emit('SIGHUP', 'SIGHUP');
    await writeFile(path, yamlWithRank(4));
    // Give a (removed) watcher every chance to fire: a control watcher on the same file proves the event happened.
    const control = countingRuntime();
    const stopControl = watchConfig(control, path, silentLogger, { debounceMs: 10 });
    await writeFile(path, yamlWithRank(5));
    await eventually(() => control.reload.mock.calls.length >= 1);
    stopControl();
    expect(runtime.reload).not.toHaveBeenCalled();
  });

  it('logs a reload that throws instead of crashing', async () => {
    const path = join(dir, 'throwing.yaml');
    await writeFile(path, yamlWithRank(3));
    const logger = recordingLogger();
    const runtime = { reload: jest.fn(async () => Promise.reject(new Error('boom'))) } as unknown as GatewayRuntime;
    const stop = watchConfig(runtime, path, logger);
    try {
      process.emit('SIGHUP', 'SIGHUP');
      await eventually(() => logger.calls.some((call) => call.level === 'error' && call.fields.error === 'boom'));
    } finally {
      stop();
    }
  });
});
