import { silentLogger } from '@rota/provider';
import { ConfigRefusedError } from '../config/config-issues.js';
import { loadConfigFile } from '../config/load-config.js';
import { createRuntime } from '../config/runtime.js';
import { providerIdOf, type RotaConfig } from '../config/rota-config.js';
import { EXIT, type CliIo } from './cli-io.js';

/**
 * `rota config check FILE [--development]`: every problem with its path, or
 * one summary line. Issue reasons never repeat a value from the file, and the
 * summary names keys and providers, never a credential.
 */
export async function configCheck(file: string, development: boolean, io: CliIo): Promise<number> {
  const loaded = await loadConfigFile(file, io.env);
  if (!loaded.ok) return report(file, loaded.issues, io);

  // The schema is not the whole story: building the runtime applies the rules
  // the gateway enforces at start (simulate only in development, provider factories).
  try {
    const runtime = createRuntime(loaded.config, { logger: silentLogger, development });
    await runtime.close();
  } catch (error) {
    // The runtime's refusal carries its issues, each with its path. Its message is
    // for logs: a reason may itself contain "; " or ": ", so it is never re-parsed.
    if (error instanceof ConfigRefusedError) return report(file, error.issues, io);
    return report(file, [{ path: '(runtime)', reason: error instanceof Error ? error.message : String(error) }], io);
  }
  io.out(summary(file, loaded.config));
  return EXIT.ok;
}

function report(file: string, issues: readonly { path: string; reason: string }[], io: CliIo): number {
  io.err(`${file}: ${issues.length} problem${issues.length === 1 ? '' : 's'}`);
  for (const issue of issues) io.err(`  ${issue.path}: ${issue.reason}`);
  return EXIT.failed;
}

function summary(file: string, config: RotaConfig): string {
  const providers = [...config.providers]
    .sort((a, b) => a.rank - b.rank)
    .map((p) => {
      // By id, with its type where the id does not say it (two entries of one type).
      const id = providerIdOf(p);
      return `${id} (${id === p.type ? '' : `${p.type}, `}rank ${p.rank}${p.enabled ? '' : ', disabled'})`;
    })
    .join(', ');
  const { listen, apiKeys } = config.gateway;
  const keys = `${apiKeys.length} API key${apiKeys.length === 1 ? '' : 's'} (${apiKeys.map((k) => k.name).join(', ')})`;
  return `${file}: OK — providers: ${providers}; ${keys}; listen ${listen.host}:${listen.port}`;
}
