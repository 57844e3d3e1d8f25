import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { committedMarkdown, documentedCommands, readRepoFile } from '../src/markdown.js';
import { REPO_ROOT, runLine } from '../src/processes.js';
import { transitiveWorkspaceDeps, workspacePackages } from '../src/workspace.js';

const PNPM = 'npx -y pnpm@10.34.8';
const packages = workspacePackages();
const rootScripts = JSON.parse(readRepoFile('package.json')).scripts as Record<string, string>;

/** The parts of a command line run one after the other (`a && b; c`). */
const segmentsOf = (line: string) => line.split(/\s*(?:&&|\|\||;)\s*/).map((part) => part.trim());
const turboBuildIn = (text: string) => segmentsOf(text).find((part) => /(^|\s)turbo run build(\s|$)/.test(part));

/**
 * The turbo build a documented command runs, if any, and where: written out
 * (`… exec turbo run build …`), or inside the root's or a package's script
 * that the line runs (`npx -y pnpm@10.34.8 bench:load`, `… --filter @rota/gateway config:schema`).
 */
function turboBuildOf(segment: string): { command: string; cwd: string } | undefined {
  if (turboBuildIn(segment)) return { command: segment, cwd: REPO_ROOT };
  const filtered = new RegExp(`^${PNPM} --filter[= ](\\S+) (\\S+)`).exec(segment);
  if (filtered) {
    const pkg = packages.find((p) => p.name === filtered[1]);
    const inner = pkg && turboBuildIn(pkg.scripts[filtered[2]!] ?? '');
    return inner ? { command: `${PNPM} exec ${inner}`, cwd: join(REPO_ROOT, pkg.dir) } : undefined;
  }
  const script = new RegExp(`^${PNPM} (?:run )?([\\w:.-]+)(\\s|$)`).exec(segment)?.[1];
  const inner = script === undefined ? undefined : turboBuildIn(rootScripts[script] ?? '');
  return inner ? { command: `${PNPM} exec ${inner}`, cwd: REPO_ROOT } : undefined;
}

describe('build commands in the docs build their dependencies first', () => {
  const commands = documentedCommands(committedMarkdown());
  const segments = commands.flatMap(({ file, line }) => segmentsOf(line).map((segment) => ({ file, segment })));

  it('no documented command builds a package on its own (plain tsc, or pnpm --filter … build)', () => {
    const alone = segments.filter(
      ({ segment }) => /\btsc\b.*tsconfig\.build\.json/.test(segment) || /\bpnpm(@\S+)?\s+(.*\s)?--filter[= ]\S+\s+(run\s+)?build\b/.test(segment),
    );
    expect(alone).toEqual([]);
  });

  const builds = segments.flatMap(({ file, segment }) => {
    const build = turboBuildOf(segment);
    return build ? [{ file, segment, ...build }] : [];
  });

  it('finds the builds the docs run (the sandbox README among them)', () => {
    expect(builds.some(({ file }) => file === 'apps/figensoft-sandbox/README.md')).toBe(true);
  });

  it.each(builds.map((b) => [`${b.file}: ${b.segment}`, b] as const))('%s', async (_, build) => {
    // turbo's own plan for the command as printed: every package it builds comes with the builds of all it depends on.
    const ran = await runLine(`${build.command} --dry=json`, { cwd: build.cwd });
    expect(ran.code).toBe(0);
    const plan = JSON.parse(ran.stdout.slice(ran.stdout.indexOf('{'))) as { tasks: { taskId: string; task: string; package: string }[] };
    const planned = new Set(plan.tasks.map((t) => t.taskId));
    const built = plan.tasks.filter((t) => t.task === 'build');
    expect(built.length).toBeGreaterThan(0);
    const missing = built.flatMap((task) =>
      [...transitiveWorkspaceDeps(task.package, packages)]
        .filter((dep) => packages.find((p) => p.name === dep)?.scripts.build !== undefined)
        .filter((dep) => !planned.has(`${dep}#build`))
        .map((dep) => `${task.taskId} needs ${dep}#build`),
    );
    expect(missing).toEqual([]);
  });

  it("the sandbox README's build command works as printed", async () => {
    const line = commands.find(({ file, line }) => file === 'apps/figensoft-sandbox/README.md' && /turbo run build/.test(line))!;
    const ran = await runLine(line.line);
    expect({ code: ran.code, output: ran.code === 0 ? '' : ran.stdout + ran.stderr }).toEqual({ code: 0, output: '' });
    expect(existsSync(join(REPO_ROOT, 'apps/figensoft-sandbox/dist/main.js'))).toBe(true);
  });
});
