import type { Env } from '../config/interpolate.js';

/** Where a command writes and what it reads from the environment: the process in `rota`, buffers in tests. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  env: Env;
}

/** A command line the CLI cannot act on: the message names the flag; exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** parseArgs option declarations, as `rota`'s commands write them. */
export type OptionSpec = Readonly<Record<string, { readonly type: 'string' | 'boolean' }>>;

/** The values parseArgs gives for `options`: every flag may be absent. */
export type FlagsOf<O extends OptionSpec> = { [K in keyof O]?: (O[K]['type'] extends 'boolean' ? boolean : string) | undefined };
