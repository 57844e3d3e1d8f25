// `rota` as an operator pipes it: `rota messages --json | jq`. Found by an operator trial: past 64 KiB
// of output the rest was still queued for the pipe when the CLI exited, cut off, with exit code 0.
// Here, in a package that builds the gateway before its tests (the CLI runs from its build).
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROTA_BIN = fileURLToPath(new URL('../../../apps/gateway/bin/rota.js', import.meta.url));

describe('rota into a pipe', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rota-cli-pipe-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('writes its whole output before it exits: past 64 KiB it was cut off, exit code and all', async () => {
    const file = join(dir, 'many-problems.yaml');
    await writeFile(file, ['providers: []', ...Array.from({ length: 4_000 }, (_, i) => `unknown_key_number_${String(i).padStart(5, '0')}: 1`)].join('\n'));
    const child = spawn(process.execPath, [ROTA_BIN, 'config', 'check', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect({ code, head: stderr.slice(0, 120) }).toEqual({ code: 1, head: expect.stringContaining('4002 problems') });
    expect(stderr.length).toBeGreaterThan(128 * 1024);
    expect(stderr.trimEnd().split('\n').at(-1)).toBe('  unknown_key_number_03999: is not a known field');
    expect(stdout).toBe('');
  });
});
