import { realpathSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { CopyRefusedError, StoreMissingError, type CopiedCounts } from '@rota/ledger';
import pino from 'pino';
import { loadConfigFile } from '../config/load-config.js';
import type { RotaConfig } from '../config/rota-config.js';
import { openConfiguredStore, sqlitePathOf, type ConfiguredStore } from '../ledger/open-configured-store.js';
import { createGatewayLogger } from '../logging/create-logger.js';
import { sanitizeText, secretsOf } from '../logging/redaction.js';
import { EXIT, type CliIo } from './cli-io.js';

export interface StoreCopyValues {
  from: string;
  to: string;
  /** Copy although the two stores hash with different keys (idempotent retries of copied messages then answer 409). */
  newHashKey?: boolean;
}

/**
 * `rota store copy --from FILE --to FILE`: every record of the store one
 * configuration names into the (empty) store the other names — an embedded
 * SQLite ledger moving to PostgreSQL (docs/deployment.md). The source must be
 * drained and its gateway stopped (its data folder is locked while it runs).
 */
export async function storeCopyCommand(values: StoreCopyValues, io: CliIo): Promise<number> {
  const configs: RotaConfig[] = [];
  for (const file of [values.from, values.to]) {
    const loaded = await loadConfigFile(file, io.env);
    if (!loaded.ok) {
      io.err(`${file}: ${loaded.issues.length} problem${loaded.issues.length === 1 ? '' : 's'}`);
      for (const issue of loaded.issues) io.err(`  ${issue.path}: ${issue.reason}`);
      return EXIT.failed;
    }
    configs.push(loaded.config);
  }
  const [from, to] = configs as [RotaConfig, RotaConfig];
  if (from.store.kind === 'memory' || to.store.kind === 'memory') {
    io.err('rota store copy: a memory store holds nothing across processes; name a sqlite or postgres store on both sides');
    return EXIT.failed;
  }
  // One store under two names would be refused later as "in use by a running Rota", naming this very command.
  if (locationOf(from, values.from) === locationOf(to, values.to)) {
    io.err(`rota store copy: --from and --to name the same ${from.store.kind} store; copy into another one (a new PostgreSQL schema, say)`);
    return EXIT.failed;
  }
  // Errors (a database's, a lock's) are said with every credential of both files blanked.
  const say = (text: string) => sanitizeText(text, [...secretsOf(from), ...secretsOf(to)]);
  const logger = createGatewayLogger({ level: 'warn', destination: pino.destination({ dest: 2, sync: true }) });
  const opened: ConfiguredStore[] = [];
  let copiedAll = false;
  try {
    opened.push(await openConfiguredStore(from, { logger, role: 'embedded', configPath: values.from, existing: true, busyAdvice: BUSY_SOURCE }));
    const source = opened[0]!;
    // A new embedded target hashes with the source's key (not a random one), unless the copy is told to take a new one.
    opened.push(await openConfiguredStore(to, { logger, role: 'embedded', configPath: values.to, busyAdvice: BUSY_TARGET, ...(values.newHashKey ? {} : { newHashKey: source.hashKey }) }));
    const [, destination] = opened as [ConfiguredStore, ConfiguredStore];
    io.out(`copying the ${from.store.kind} store of ${values.from} into the ${to.store.kind} store of ${values.to} …`);
    let told = 0;
    const copied = await source.store.copyInto(destination.store, {
      newHashKey: values.newHashKey ?? false,
      onProgress: (table, count) => {
        if (table === 'messages' && count - told >= 100_000) io.out(`  ${(told = count)} messages …`);
      },
    });
    copiedAll = true;
    io.out(summary(copied));
    io.out('done: point the gateways and workers at the new store (docs/deployment.md); the old one is left as it was');
    return EXIT.ok;
  } catch (error) {
    // The library names its option; here the flag that sets it.
    const message = (error instanceof Error ? error.message : String(error)).replace('(newHashKey)', '(--new-hash-key)');
    if (error instanceof StoreMissingError) {
      io.err(`rota store copy: the source store of ${values.from} does not exist: ${say(message)} (check its store settings; nothing was copied or created)`);
      return EXIT.failed;
    }
    io.err(`rota store copy: ${say(message)}${error instanceof CopyRefusedError ? '' : ' (nothing was copied: the copy is one transaction)'}`);
    return EXIT.failed;
  } finally {
    const [source, destination] = opened;
    // A new embedded target is removed again if the copy fails: a refused copy left an empty store and a hash key behind.
    await (copiedAll ? destination?.close() : destination?.discard())?.catch(() => undefined);
    await source?.close().catch(() => undefined);
  }
}

const BUSY_SOURCE = 'stop the gateway that uses it before copying: a store is copied drained and stopped (docs/deployment.md)';
const BUSY_TARGET = 'copy into a store no process uses';


/** Where a configuration's store lives: two configurations naming one store give the same text. */
function locationOf(config: RotaConfig, configPath: string): string {
  const { store } = config;
  if (store.kind === 'sqlite') return `sqlite:${realPathOf(sqlitePathOf(store.path, configPath))}`;
  if (store.kind !== 'postgres') return store.kind;
  const url = new URL(store.url);
  return `postgres:${url.hostname}:${url.port || '5432'}${url.pathname}?host=${url.searchParams.get('host') ?? ''}#${store.schema}`;
}

function summary(copied: CopiedCounts): string {
  return `copied ${Object.entries(copied)
    .map(([table, count]) => `${count} ${table.replace(/_/g, ' ')}`)
    .join(', ')}`;
}

/** A path with its folder's links and `..` resolved where the folder exists: one file under two spellings is one store. */
function realPathOf(path: string): string {
  try {
    return join(realpathSync(dirname(path)), basename(path));
  } catch {
    return path;
  }
}
