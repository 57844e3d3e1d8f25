import { execFile } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { summarize, TURBO_RUN } from '../../../scripts/test.mjs';
import { documentedCommands, readRepoFile } from '../src/markdown.js';
import { REPO_ROOT, runLine, userEnv } from '../src/processes.js';
import { workspacePackages } from '../src/workspace.js';

const run = promisify(execFile);
const withTests = workspacePackages().filter((p) => p.scripts.test !== undefined);

describe('the test command (README, .ci/run)', () => {
  it(".ci/run runs exactly the README's test command, which runs scripts/test.mjs", () => {
    const readme = documentedCommands(['README.md']).map(({ line }) => line).filter((line) => / test$/.test(line));
    expect(readme).toEqual(['npx -y pnpm@10.34.8 install --frozen-lockfile && npx -y pnpm@10.34.8 -s test']);
    const ci = readRepoFile('.ci/run').trimEnd().split('\n').at(-1);
    expect(ci).toBe(readme[0]);
    expect(JSON.parse(readRepoFile('package.json')).scripts.test).toBe('node scripts/test.mjs');
  });

  it('every package with tests writes the results the closing line sums', () => {
    for (const pkg of withTests) expect([pkg.name, pkg.scripts.test]).toEqual([pkg.name, 'NODE_OPTIONS=--experimental-vm-modules jest --json --outputFile=.jest-results.json']);
  });

  describe('type-checks sources and tests (ts-jest does not: diagnostics are off)', () => {
    it('asks turbo for every package\'s typecheck along with its tests', async () => {
      const { stdout } = await run('npx', ['-y', 'pnpm@10.34.8', 'exec', 'turbo', ...TURBO_RUN, '--dry=json'], { cwd: REPO_ROOT, env: userEnv(), maxBuffer: 64 * 1024 * 1024 });
      const planned = new Set((JSON.parse(stdout) as { tasks: { taskId: string }[] }).tasks.map((t) => t.taskId));
      for (const pkg of withTests) {
        expect([pkg.name, planned.has(`${pkg.name}#typecheck`), planned.has(`${pkg.name}#test`)]).toEqual([pkg.name, true, true]);
      }
    });

    it('each typecheck is tsc over a program that holds every test file of its package', async () => {
      const outside = await inPool(withTests, 2, async (pkg) => {
        expect([pkg.name, pkg.scripts.typecheck]).toEqual([pkg.name, 'tsc -p tsconfig.json --noEmit']);
        const dir = join(REPO_ROOT, pkg.dir);
        const { stdout } = await run('npx', ['tsc', '-p', 'tsconfig.json', '--listFilesOnly'], { cwd: dir, env: userEnv(), maxBuffer: 64 * 1024 * 1024 });
        const inProgram = new Set(stdout.split('\n').map((line) => line.trim()));
        const testFiles = ['src', 'test'].flatMap((top) => filesUnder(join(dir, top))).filter((file) => /\.test\.ts$/.test(file));
        expect([pkg.name, testFiles.length > 0]).toEqual([pkg.name, true]);
        return testFiles.filter((file) => !inProgram.has(file)).map((file) => relative(REPO_ROOT, file));
      });
      expect(outside.flat()).toEqual([]);
      // tsc --listFilesOnly over twenty-odd packages: minutes on a loaded 2-core machine.
    }, 600_000);
  });

  describe('ends with one line, N passed, N failed', () => {
    const START = 1_000_000;
    const task = (taskId: string, exitCode: number | null, cache = 'MISS') => {
      const [pkg, name] = taskId.split('#') as [string, string];
      return { taskId, task: name, package: pkg, directory: `dir/${pkg}`, cache: { status: cache }, execution: exitCode === null ? null : { exitCode, startTime: START } };
    };
    const results = (passed: number, failed: number, extra: object = {}) => ({ numPassedTests: passed, numFailedTests: failed, startTime: START + 1, testResults: [], ...extra });
    const summary = (...tasks: ReturnType<typeof task>[]) => ({ execution: { startTime: START, exitCode: 0 }, tasks });

    it('sums every package when all pass', () => {
      const out = summarize(summary(task('a#test', 0), task('a#typecheck', 0), task('b#test', 0)), ['a#test', 'a#typecheck', 'b#test'], (dir) =>
        dir === 'dir/a' ? results(3, 0) : results(4, 0),
      );
      expect(out).toEqual({ passed: 7, failed: 0, problems: [], line: '7 passed, 0 failed' });
    });

    it('counts failed tests, names the package, and still prints the line', () => {
      const out = summarize(summary(task('a#test', 1), task('b#test', 0)), ['a#test', 'b#test'], (dir) => (dir === 'dir/a' ? results(3, 2) : results(4, 0)));
      expect(out.line).toBe('7 passed, 2 failed');
      expect(out.problems).toEqual(['a#test: 2 failed']);
    });

    it('names each failed test under its package, with the start of its message but not its stack', () => {
      const failure = '\u001b[2mexpect(\u001b[22mreceived\u001b[2m).toBe(\u001b[22mexpected\u001b[2m)\n\nExpected: 200\nReceived: 503\n    at Object.<anonymous> (test/x.test.ts:9:1)\n    at more';
      const failing = results(1, 1, {
        testResults: [{ status: 'failed', name: '/check/dir/a/test/x.test.ts', assertionResults: [{ status: 'passed' }, { status: 'failed', fullName: 'a gateway answers', failureMessages: [failure] }] }],
      });
      const out = summarize(summary(task('a#test', 1)), ['a#test'], () => failing);
      expect(out.problems).toEqual(['a#test: 1 failed', '  ✕ test/x.test.ts › a gateway answers\n      expect(received).toBe(expected)\n      Expected: 200\n      Received: 503']);
    });

    it('counts a failed type check (jest passing changes nothing)', () => {
      const out = summarize(summary(task('a#test', 0), task('a#typecheck', 2)), ['a#test', 'a#typecheck'], () => results(5, 0));
      expect(out.line).toBe('5 passed, 1 failed');
      expect(out.problems).toEqual(['a#typecheck failed (exit 2)']);
    });

    it('counts a test file that failed to run, a task that never ran, and a test task without results of this run', () => {
      const broken = results(1, 0, {
        testResults: [
          { status: 'failed', name: '/clone/dir/a/test/broken.test.ts', message: 'Cannot find module ./gone.js', assertionResults: [] },
          { status: 'passed', assertionResults: [{ status: 'passed' }] },
        ],
      });
      const stale = results(9, 0, { startTime: START - 1 });
      const out = summarize(summary(task('a#test', 1), task('b#test', 0), task('c#build', 2)), ['a#test', 'b#test', 'c#build', 'c#test'], (dir) =>
        dir === 'dir/a' ? broken : stale,
      );
      expect(out.line).toBe('1 passed, 4 failed');
      expect(out.problems).toEqual([
        'c#test did not run (a task it depends on failed)',
        'a#test: 1 test file(s) failed to run',
        '  ✕ test/broken.test.ts\n      Cannot find module ./gone.js',
        'b#test: exit 0, no test results from this run',
        'c#build failed (exit 2)',
      ]);
    });

    it('ignores the tasks of packages without that script (turbo lists them as <NONEXISTENT>)', () => {
      const none = { ...task('bench#test', null), command: '<NONEXISTENT>' };
      const out = summarize(summary(task('a#test', 0), none), ['a#test'], (dir) => (dir === 'dir/a' ? results(2, 0) : undefined));
      expect(out).toEqual({ passed: 2, failed: 0, problems: [], line: '2 passed, 0 failed' });
    });

    it("believes results turbo restored from its cache", () => {
      const out = summarize(summary(task('a#test', 0, 'HIT')), ['a#test'], () => results(6, 0, { startTime: START - 1_000 }));
      expect(out.line).toBe('6 passed, 0 failed');
    });

    it('end to end, scoped to one package: the closing line is that package\'s jest count, and the exit code follows it', async () => {
      // About the command, not the package: whether @rota/provider's tests pass today is theirs to say.
      const provider = withTests.find((p) => p.name === '@rota/provider')!;
      // The README's test command (its second half), scoped: the closing line must be the last line, pass or fail.
      const ran = await runLine('npx -y pnpm@10.34.8 -s test --filter=@rota/provider', { timeoutMs: 170_000 });
      expect(ran.stdout).toContain('@rota/provider:typecheck');
      const last = ran.stdout.trimEnd().split('\n').at(-1)!;
      const results = JSON.parse(readRepoFile(`${provider.dir}/.jest-results.json`)) as { numPassedTests: number; numFailedTests: number };
      const typecheckFailed = /@rota\/provider#typecheck failed/.test(ran.stdout) ? 1 : 0;
      const failed = results.numFailedTests + typecheckFailed;
      expect(last).toBe(`${results.numPassedTests} passed, ${failed} failed`);
      expect(results.numPassedTests).toBeGreaterThan(0);
      expect(ran.code).toBe(failed === 0 ? 0 : 1);
    });
  });
});

function filesUnder(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** `work` over `items`, at most `width` at a time (tsc is CPU-bound), results in order. */
async function inPool<T, R>(items: readonly T[], width: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
  return results;
}
