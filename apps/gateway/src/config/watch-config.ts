import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { Logger } from '@rota/provider';
import type { GatewayRuntime } from './runtime-types.js';

/** Editors write a file in several steps (truncate, write, rename): wait for them to settle. */
const DEBOUNCE_MS = 100;

export interface WatchConfigOptions {
  debounceMs?: number;
  /** The signal that asks for a reload (default SIGHUP). */
  signal?: NodeJS.Signals;
}

/**
 * Reloads the runtime when the configuration file changes or the process gets
 * SIGHUP. The directory is watched rather than the file, so that editors that
 * save by writing a new file and renaming it over the old one (vim, most IDEs,
 * Kubernetes ConfigMap symlink swaps) are still seen. `runtime.reload()`
 * validates first and logs every problem itself; this only decides when.
 * Returns a stop function that removes the watcher, the signal handler and any
 * pending timer.
 */
export function watchConfig(runtime: GatewayRuntime, path: string, logger: Logger, options: WatchConfigOptions = {}): () => void {
  const file = resolve(path);
  const name = basename(file);
  const debounceMs = options.debounceMs ?? DEBOUNCE_MS;
  const signal = options.signal ?? 'SIGHUP';
  let timer: NodeJS.Timeout | undefined;
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
    timer = setTimeout(() => {
      timer = undefined;
      reload('file changed');
    }, debounceMs);
    timer.unref();
  };

  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dirname(file), { persistent: false }, (_event, changed) => {
      // Some platforms do not report the name; then any change in the directory counts.
      if (changed === null || changed === name || changed.toString() === name) schedule();
    });
    watcher.on('error', (error) => logger.warn({ file, error: error.message }, 'watching the configuration directory failed; SIGHUP still reloads'));
  } catch (error) {
    logger.warn({ file, error: error instanceof Error ? error.message : String(error) }, 'cannot watch the configuration file; SIGHUP still reloads');
  }

  const onSignal = (): void => reload(signal);
  process.on(signal, onSignal);

  return () => {
    if (stopped) return;
    stopped = true;
    if (timer) clearTimeout(timer);
    timer = undefined;
    watcher?.close();
    process.off(signal, onSignal);
  };
}
