#!/usr/bin/env node
// The `rota` command. A committed file that loads the build, rather than the build
// itself, so that installing before building links the command without a warning.
// The repository root depends on @rota/gateway, so `npx -y pnpm@10.34.8 rota …`
// (and `pnpm exec rota …`) find it there.
import { fileURLToPath } from 'node:url';

const built = new URL('../dist/cli/rota.js', import.meta.url);
try {
  await import(built.href);
} catch (error) {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !String(error.message).includes(fileURLToPath(built))) throw error;
  process.stderr.write('rota: the CLI is not built yet; at the repository root run: npx -y pnpm@10.34.8 build\n');
  process.exit(1);
}
