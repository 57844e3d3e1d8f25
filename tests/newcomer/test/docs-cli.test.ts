import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { committedMarkdown, documentedCommands, readRepoFile, splitComment } from '../src/markdown.js';
import { freePort } from '@rota/testkit';
import { killGroup, REPO_ROOT, runLine, startGroup, userEnv, waitFor, type Started } from '../src/processes.js';

/** The ways the docs may run the CLI: each works from the repository root after a build. */
const CLI_FORMS = ['npx -y pnpm@10.34.8 rota ', 'npx -y pnpm@10.34.8 exec rota ', 'node apps/gateway/bin/rota.js '];
/** The form the docs' runnable examples use. */
const RUNNABLE = 'npx -y pnpm@10.34.8 rota ';
const COMMANDS = ['config check', 'send', 'status', 'messages', 'providers', 'webhooks endpoints'];

describe('the rota CLI as the docs show it', () => {
  const markdown = committedMarkdown();
  const commands = documentedCommands(markdown);

  it('never runs a bare "rota" or "pnpm rota" (not on PATH: "rota: command not found")', () => {
    const bare = commands.filter(({ line }) => {
      let rest = line;
      for (const form of CLI_FORMS) rest = rest.split(form).join(' <cli> ');
      return /(^|[\s;&|(`])(pnpm\s+(exec\s+)?)?rota\s+(config|send|status|messages|providers|webhooks|gateway|worker|store|help|--help)\b/.test(rest);
    });
    expect(bare).toEqual([]);
  });

  it('names only configuration files that exist (config/rota.yaml never did)', () => {
    const missing: string[] = [];
    for (const file of markdown) {
      for (const match of readRepoFile(file).matchAll(/(?<![\w./-])(?:\.\.\/)*(config\/[\w.-]+\.(?:ya?ml|json))/g)) {
        if (!existsSync(join(REPO_ROOT, match[1]!))) missing.push(`${file}: ${match[1]}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('shows a runnable line for every command', () => {
    const runnable = commands.filter(({ line }) => line.startsWith(RUNNABLE)).map(({ line }) => line.slice(RUNNABLE.length));
    for (const command of COMMANDS) expect(runnable.some((line) => line.startsWith(`${command} `))).toBe(true);
  });

  it('says how to build when the CLI is not built yet (a fresh clone)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rota-bin-'));
    try {
      mkdirSync(join(dir, 'bin'));
      copyFileSync(join(REPO_ROOT, 'apps/gateway/bin/rota.js'), join(dir, 'bin/rota.js'));
      const ran = await runLine(`node ${join(dir, 'bin/rota.js')} --help`);
      expect(ran.code).toBe(1);
      expect(ran.stderr).toBe('rota: the CLI is not built yet; at the repository root run: npx -y pnpm@10.34.8 build\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('run as printed, from the repository root, with the main job running', () => {
    let job: Started | undefined;
    const env = userEnv();
    delete env.ROTA_API_KEY;
    delete env.ROTA_GATEWAY_URL;

    beforeAll(async () => {
      // The main job on its default ports, as the docs assume; moved (and said so) only if they are taken here.
      const start = (extra: Record<string, string>) => startGroup(['node', 'apps/gateway/dist/main-job.js'], { env: userEnv(extra) });
      job = start({});
      const ready = () => job!.output().includes('Ctrl+C stops both.') || job!.child.exitCode !== null;
      await waitFor(ready, 60_000);
      // Exited: its last lines (why) may still be in the pipe until it closes.
      if (job.child.exitCode !== null) await Promise.race([job.outputEnded, new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
      if (job.child.exitCode !== null && job.output().includes('already in use')) {
        const gateway = await freePort();
        console.warn(`docs CLI test: ${job.output().trim()}; running the documented lines against port ${gateway} (ROTA_GATEWAY_URL)`);
        job = start({ ROTA_GATEWAY_PORT: String(gateway), ROTA_SANDBOX_PORT: String(await freePort()) });
        env.ROTA_GATEWAY_URL = `http://127.0.0.1:${gateway}`;
        await waitFor(ready, 60_000);
      }
      if (!job.output().includes('Ctrl+C stops both.')) throw new Error(`the main job did not start:\n${job.output()}`);
    });

    afterAll(async () => {
      if (!job?.child.pid) return;
      process.kill(job.child.pid, 'SIGTERM');
      await waitFor(() => job!.child.exitCode !== null || job!.child.signalCode !== null, 5_000);
      killGroup(job.child.pid);
    });

    // Each distinct line once, in the order the docs give them (a send before the status that uses its id).
    const lines = [...new Set(commands.filter(({ line }) => line.startsWith(RUNNABLE)).map(({ line }) => line))];

    it('exits as documented (0 unless the line says "# exit N"); <id> is the id the documented send printed', async () => {
      expect(lines.length).toBeGreaterThan(0);
      let id: string | undefined;
      const outcomes: { line: string; expected: number; code: number | null; output: string }[] = [];
      for (const printed of lines) {
        const { command, comment } = splitComment(printed);
        const expected = Number(/\bexit (\d+)/.exec(comment)?.[1] ?? 0);
        if (command.includes('<id>') && id === undefined) throw new Error(`"${printed}" needs an id, but no documented send ran before it`);
        const ran = await runLine(id === undefined ? printed : printed.replaceAll('<id>', id), { env });
        outcomes.push({ line: printed, expected, code: ran.code, output: `${ran.stdout}${ran.stderr}` });
        if (command.startsWith(`${RUNNABLE}send `)) id = /^ {2}id: +(\S+)$/m.exec(ran.stdout)?.[1];
        if (command.startsWith(`${RUNNABLE}status `) && ran.code === 0) {
          // JSON, or with --timeline the message's own line first.
          if (command.includes('--timeline')) expect(ran.stdout.startsWith(`${id}: `)).toBe(true);
          else expect(JSON.parse(ran.stdout)).toEqual(expect.any(Object));
        }
      }
      // All at once, so one failure shows every line's outcome.
      expect(outcomes.filter((o) => o.code !== o.expected)).toEqual([]);
      expect(outcomes.find((o) => o.line.includes('rota send '))?.output).toContain('accepted');
      // Every documented line through npx and pnpm: seconds each on a loaded 2-core machine.
    }, 600_000);

    it('the other documented forms exist: pnpm exec rota, and node apps/gateway/bin/rota.js', async () => {
      for (const line of ['npx -y pnpm@10.34.8 exec rota --help', 'node apps/gateway/bin/rota.js --help']) {
        const ran = await runLine(line, { env });
        expect({ line, code: ran.code }).toEqual({ line, code: 0 });
        expect(ran.stdout).toContain('rota status ID');
      }
    });
  });
});
