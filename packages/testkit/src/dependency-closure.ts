import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

/**
 * Every package a package pulls in when installed for production: its
 * `dependencies`, and theirs, resolved the way Node resolves them from each
 * package's own folder. Dev and optional peer dependencies are not followed:
 * they are what a user of the package does not get. The answer is a set of
 * package names, for tests that hold a package to its promised footprint
 * (a provider package never brings the router's opossum, p-retry or inversify).
 */
export function productionDependencyClosure(packageDir: string): Set<string> {
  const seen = new Set<string>();
  const visit = (dir: string): void => {
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
    const requireHere = createRequire(join(dir, 'package.json'));
    for (const name of Object.keys(manifest.dependencies ?? {})) {
      if (seen.has(name)) continue;
      seen.add(name);
      visit(packageRoot(requireHere, name));
    }
  };
  visit(packageDir);
  return seen;
}

/** The folder of `name` as Node finds it from the requiring package: the first node_modules up the tree that holds it. */
function packageRoot(requireHere: NodeJS.Require, name: string): string {
  for (const base of requireHere.resolve.paths(name) ?? []) {
    const candidate = join(base, name);
    if (existsSync(join(candidate, 'package.json'))) return realpathSync(candidate);
  }
  throw new Error(`cannot find the package folder of "${name}"`);
}
