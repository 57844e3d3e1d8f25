import { createHash } from 'node:crypto';
import { readFileSync, realpathSync, watch, type FSWatcher } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Logger } from '@rota/provider';
import type { GatewayRuntime } from './runtime-types.js';

/** Editors write a file in several steps (truncate, write, rename): wait for them to settle. */
const DEBOUNCE_MS = 100;
/**
 * The longest a pending check waits for events to settle. Any file of the folder wakes the watch
 * (a log or a SQLite file beside the configuration, written many times a second): without a
 * bound, their writes put the check off for as long as they go on, and a revoked key kept working.
 */
const MAX_WAIT_MS = 1_000;
/** A backstop for changes no event reports; reading and hashing a small file this often costs nothing. */
const POLL_MS = 5_000;

export interface WatchConfigOptions {
  debounceMs?: number;
  /**
   * How often the file is also checked without any event (default 5 s; 0 turns it off). The
   * directory watch cannot see a symlink target in another directory, a file system that reports
   * no events (NFS, some container mounts), or anything after the watch failed.
   */
  pollMs?: number;
  /** The signal that asks for a reload (default SIGHUP). */
  signal?: NodeJS.Signals;
}

/**
 * What the configuration is now: the file the path leads to through its
 * symlinks, and a hash of its content; undefined while it cannot be read
 * or is empty (between an editor's steps; a write in place truncates the
 * file first, and no configuration is empty — SIGHUP still reads it).
 */
function fingerprintOf(file: string): string | undefined {
  try {
    const target = realpathSync(file);
    const content = readFileSync(target);
    if (content.length === 0) return undefined;
    return `${target}\0${createHash('sha256').update(content).digest('hex')}`;
  } catch {
    return undefined;
  }
}

/**
 * Reloads the runtime when the configuration file changes or the process gets
 * SIGHUP. The directory is watched rather than the file, and any change in it
 * is checked against the file the path leads to and its content: editors that
 * save by renaming a new file over the old one (vim, most IDEs) and a
 * Kubernetes ConfigMap update — which re-points the mount's `..data` symlink
 * to a new folder and never touches the name of the file — are both seen,
 * and a neighbour's change, or a write of the same content, reloads nothing.
 * The same check also runs every `pollMs`, for the changes no event reports.
 * `runtime.reload()` validates first and logs every problem itself; this only
 * decides when.
 * Returns a stop function that removes the watcher, the poll, the signal
 * handler and any pending timer.
 */
export function watchConfig(runtime: GatewayRuntime, path: string, logger: Logger, options: WatchConfigOptions = {}): () => void {
  const file = resolve(path);
  // The file's content at the last reload this watcher made or saw (undefined: there was no file to read).
  let loaded = fingerprintOf(file);
  const debounceMs = options.debounceMs ?? DEBOUNCE_MS;
  const pollMs = options.pollMs ?? POLL_MS;
  const signal = options.signal ?? 'SIGHUP';
  let timer: NodeJS.Timeout | undefined;
  // When the pending check was first asked for: it runs by then + MAX_WAIT_MS, however many events come.
  let pendingSince: number | undefined;
  let stopped = false;

  const reload = (reason: string): void => {
    if (stopped) return;
    logger.info({ file, reason }, 'reloading the configuration');
    runtime.reload().catch((error: unknown) => {
      logger.error({ file, error: error instanceof Error ? error.message : String(error) }, 'configuration reload failed');
    });
  };

  const schedule = (): void => {
    if (stopped) return;
    if (timer) clearTimeout(timer);
    // The monotonic clock: a wall clock stepped back (NTP, a VM resumed) would lift the bound for as long as the step.
    const now = performance.now();
    pendingSince ??= now;
    const wait = Math.max(0, Math.min(debounceMs, pendingSince + Math.max(MAX_WAIT_MS, debounceMs) - now));
    timer = setTimeout(() => {
      timer = undefined;
      pendingSince = undefined;
      const now = fingerprintOf(file);
      // Each content is tried once: an invalid file is refused once, not at every poll.
      if (now === undefined || now === loaded) return;
      loaded = now;
      reload('file changed');
    }, wait);
    timer.unref();
  };

  let watcher: FSWatcher | undefined;
  try {
    // Any name: a ConfigMap swap changes `..data` and its folders, never the file's own name.
    watcher = watch(dirname(file), { persistent: false }, () => schedule());
    watcher.on('error', (error) => logger.warn({ file, error: error.message }, 'watching the configuration directory failed; SIGHUP still reloads'));
  } catch (error) {
    logger.warn({ file, error: error instanceof Error ? error.message : String(error) }, 'cannot watch the configuration file; SIGHUP still reloads');
  }

  // Only when nothing is pending: resetting the debounce on every tick could postpone the check forever.
  const onPoll = (): void => {
    if (timer === undefined) schedule();
  };
  const poll = pollMs > 0 ? setInterval(onPoll, pollMs) : undefined;
  poll?.unref();

  const onSignal = (): void => {
    // What this reload reads, even no file at all: the file put back as it was after a SIGHUP that
    // found none is then a change, and is applied (the console showed that refusal as current).
    loaded = fingerprintOf(file);
    reload(signal);
  };
  process.on(signal, onSignal);

  return () => {
    if (stopped) return;
    stopped = true;
    if (timer) clearTimeout(timer);
    timer = undefined;
    pendingSince = undefined;
    if (poll) clearInterval(poll);
    watcher?.close();
    process.off(signal, onSignal);
  };
}
