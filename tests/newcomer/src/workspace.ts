import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './processes.js';

export interface WorkspacePackage {
  name: string;
  dir: string;
  scripts: Record<string, string>;
  /** Workspace packages it depends on (dependencies and devDependencies), by name. */
  workspaceDeps: string[];
}

/** The packages pnpm-workspace.yaml lists (`dir` or `dir/*` entries), read from their package.json. */
export function workspacePackages(): WorkspacePackage[] {
  const yaml = readFileSync(join(REPO_ROOT, 'pnpm-workspace.yaml'), 'utf8');
  const block = /^packages:\n((?:\s+-\s+.*\n)+)/m.exec(yaml)?.[1] ?? '';
  const globs = [...block.matchAll(/-\s+['"]?([^'"\n]+)['"]?/g)].map((m) => m[1]!.trim());
  const dirs = globs.flatMap((glob) =>
    glob.endsWith('/*') ? readdirSync(join(REPO_ROOT, glob.slice(0, -2))).map((entry) => `${glob.slice(0, -2)}/${entry}`) : [glob],
  );
  return dirs
    .filter((dir) => existsSync(join(REPO_ROOT, dir, 'package.json')))
    .map((dir) => {
      const manifest = JSON.parse(readFileSync(join(REPO_ROOT, dir, 'package.json'), 'utf8'));
      const deps = { ...manifest.dependencies, ...manifest.devDependencies } as Record<string, string>;
      return {
        name: manifest.name as string,
        dir,
        scripts: manifest.scripts ?? {},
        workspaceDeps: Object.entries(deps)
          .filter(([, version]) => version.startsWith('workspace:'))
          .map(([name]) => name),
      };
    });
}

/** Every workspace package `name` depends on, directly or not. */
export function transitiveWorkspaceDeps(name: string, packages: readonly WorkspacePackage[] = workspacePackages()): Set<string> {
  const byName = new Map(packages.map((p) => [p.name, p]));
  const seen = new Set<string>();
  const visit = (current: string) => {
    for (const dep of byName.get(current)?.workspaceDeps ?? []) {
      if (seen.has(dep)) continue;
      seen.add(dep);
      visit(dep);
    }
  };
  visit(name);
  return seen;
}
