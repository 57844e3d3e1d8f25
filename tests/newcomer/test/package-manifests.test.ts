import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { REPO_ROOT } from '../src/processes.js';

// The packages as another team's project meets them: their manifests, what
// their declarations import, and loading them from CommonJS. Run on the built
// packages (the test command builds first).

interface Manifest {
  name: string;
  scripts: Record<string, string>;
  engines?: { node?: string };
  exports: Record<string, Record<string, string>>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

/** Every package under packages/ but the test kit (it runs inside jest, beside this). */
const PACKAGES = readdirSync(join(REPO_ROOT, 'packages'))
  .filter((name) => name !== 'testkit' && existsSync(join(REPO_ROOT, 'packages', name, 'package.json')))
  .map((name) => ({ dir: join(REPO_ROOT, 'packages', name), manifest: JSON.parse(readFileSync(join(REPO_ROOT, 'packages', name, 'package.json'), 'utf8')) as Manifest }));

/** The declaration files a package ships, under dist/. */
function declarations(dir: string): string[] {
  const found: string[] = [];
  const walk = (at: string): void => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(join(at, entry.name));
      else if (entry.name.endsWith('.d.ts')) found.push(join(at, entry.name));
    }
  };
  walk(join(dir, 'dist'));
  return found;
}

/** Whether an installed package has declarations of its own (else its types come from @types). */
function shipsTypes(installed: string): boolean {
  const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as { types?: string; typings?: string; main?: string; exports?: unknown };
  if (manifest.types !== undefined || manifest.typings !== undefined || JSON.stringify(manifest.exports ?? {}).includes('"types"')) return true;
  // Else tsc looks for declarations beside the code it resolves (inversify's lib/esm/index.d.ts).
  const main = manifest.main ?? 'index.js';
  const entries = [...(/\.[cm]?js$/.test(main) ? [main] : [`${main}.js`, `${main}/index.js`]), ...[...JSON.stringify(manifest.exports ?? {}).matchAll(/"(\.\/[^"*]+\.[cm]?js)"/g)].map((m) => m[1]!)];
  return entries.some((entry) => existsSync(join(installed, entry.replace(/\.([cm]?)js$/, '.d.$1ts'))));
}

/** Whether a caret range (`^7.10.0`, `^0.2.0`) takes a version: the same first non-zero part, and no lower. */
function caretTakes(range: string, version: string): boolean {
  const floor = /^\^(\d+)\.(\d+)\.(\d+)$/.exec(range)?.slice(1).map(Number);
  const parts = version.split('.').map(Number);
  if (!floor) return false;
  const fixed = floor[0] !== 0 ? 1 : 2; // ^7.x.y keeps 7; ^0.2.y keeps 0.2
  for (let i = 0; i < fixed; i++) if (parts[i] !== floor[i]) return false;
  for (let i = 0; i < 3; i++) if (parts[i] !== floor[i]) return parts[i]! > floor[i]!;
  return true;
}

/** `x` of `@scope/x/sub` → `@scope/x`; of `x/sub` → `x`. */
const packageOf = (specifier: string): string => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');
const typesPackageOf = (name: string): string => `@types/${name.startsWith('@') ? name.slice(1).replace('/', '__') : name}`;

describe('the packages, as another project installs them', () => {
  it.each(PACKAGES.map((p) => [p.manifest.name, p] as const))('%s: every export has types, import and default targets that exist', (_name, { dir, manifest }) => {
    expect(Object.keys(manifest.exports).length).toBeGreaterThan(0);
    for (const [subpath, targets] of Object.entries(manifest.exports)) {
      expect({ subpath, conditions: Object.keys(targets) }).toEqual({ subpath, conditions: ['types', 'import', 'default'] });
      expect(targets.default).toBe(targets.import);
      for (const target of Object.values(targets)) expect({ target, exists: existsSync(join(dir, target)) }).toEqual({ target, exists: true });
    }
    // Where Node's require() loads ES modules unflagged: 20.19 on, and 22.12 on (21 and 22.0–22.11 need a flag).
    expect(manifest.engines?.node).toBe('^20.19.0 || >=22.12.0');
    // Packed from a fresh build: never an empty tarball (no dist yet), nor one with a deleted source's old output.
    expect(manifest.scripts.prepack).toBe(`rm -rf dist && ${manifest.scripts.build}`);
  });

  it.each(PACKAGES.map((p) => [p.manifest.name, p] as const))('%s: optional peers are ranges that take the versions a project beside them was found with', (_name, { manifest }) => {
    // A probe's npm install failed (ERESOLVE) beside these; the repository's own pins must fit too.
    const met: Record<string, string[]> = { inversify: ['7.10.8', '7.11.0'], 'reflect-metadata': ['0.2.2'], undici: ['7.30.2', '7.30.3'] };
    for (const [peer, range] of Object.entries(manifest.peerDependencies ?? {})) {
      for (const version of met[peer] ?? []) expect({ peer, range, version, takes: caretTakes(range, version) }).toEqual({ peer, range, version, takes: true });
    }
  });

  it.each(PACKAGES.map((p) => [p.manifest.name, p] as const))('%s: every package its declarations import is one it depends on (or its @types), so a strict tsc finds them', (_name, { dir, manifest }) => {
    const declared = new Set([...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.peerDependencies ?? {})]);
    const builtins = new Set(builtinModules);
    const missing = new Set<string>();
    for (const file of declarations(dir)) {
      const text = readFileSync(file, 'utf8');
      // Import and export statements, and the import("…") types tsc writes inline (not words in comments).
      const specifiers = [...text.matchAll(/^(?:import|export)\b[^;'"]*?\sfrom\s+['"]([^'"]+)['"]/gm), ...text.matchAll(/^import\s+['"]([^'"]+)['"]/gm), ...text.matchAll(/\bimport\(['"]([^'"]+)['"]\)/g)].map((m) => m[1]!);
      for (const specifier of specifiers) {
        if (specifier.startsWith('.') || specifier.startsWith('node:') || builtins.has(specifier)) continue;
        const name = packageOf(specifier);
        const typed = declared.has(typesPackageOf(name)) || (declared.has(name) && shipsTypes(join(dir, 'node_modules', name)));
        if (!typed) missing.add(`${name} (in ${file.slice(dir.length + 1)})`);
      }
    }
    expect([...missing]).toEqual([]);
  });

  it('loads every export with require() from a CommonJS project (Node 20.19+ loads ES modules that way)', () => {
    const project = mkdtempSync(join(tmpdir(), 'rota-cjs-'));
    try {
      writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'cjs-user', private: true, type: 'commonjs' }));
      const specifiers: string[] = [];
      for (const { dir, manifest } of PACKAGES) {
        const link = join(project, 'node_modules', manifest.name);
        mkdirSync(dirname(link), { recursive: true });
        symlinkSync(dir, link, 'dir');
        for (const subpath of Object.keys(manifest.exports)) specifiers.push(subpath === '.' ? manifest.name : `${manifest.name}${subpath.slice(1)}`);
      }
      writeFileSync(
        join(project, 'load.cjs'),
        `require('reflect-metadata');\nconst loaded = {};\nfor (const name of ${JSON.stringify(specifiers)}) loaded[name] = Object.keys(require(name)).length;\nconsole.log(JSON.stringify(loaded));\n`,
      );
      // reflect-metadata, for the /di entries, as a project using them installs it.
      symlinkSync(join(REPO_ROOT, 'packages', 'provider', 'node_modules', 'reflect-metadata'), join(project, 'node_modules', 'reflect-metadata'), 'dir');
      const out = execFileSync(process.execPath, ['load.cjs'], { cwd: project, encoding: 'utf8', env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] });
      const loaded = JSON.parse(out) as Record<string, number>;
      expect(Object.keys(loaded).sort()).toEqual([...specifiers].sort());
      for (const [name, exported] of Object.entries(loaded)) expect({ name, exported: exported > 0 }).toEqual({ name, exported: true });
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  });
});
