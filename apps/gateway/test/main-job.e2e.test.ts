import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { MainJobError, shellQuote, startMainJob, type MainJob } from '../src/main-job.js';
import { captureLogs } from './support/harness.js';

const run = promisify(execFile);
// Both the repository README (the two commands) and the gateway's README show the line.
const READMES = [fileURLToPath(new URL('../../../README.md', import.meta.url)), fileURLToPath(new URL('../README.md', import.meta.url))];

/** Runs a printed command exactly as a user would paste it. */
async function sh(line: string): Promise<any> {
  const { stdout } = await run('sh', ['-c', line], { timeout: 15_000 });
  return JSON.parse(stdout);
}

/** The READMEs' first curl (the NOTIFICATION send), verbatim; they must agree. */
async function readmeSendCurl(): Promise<string> {
  const lines = await Promise.all(
    READMES.map(async (path) => {
      const text = await readFile(path, 'utf8');
      const line = text.split('\n').find((l) => l.startsWith('curl ') && l.includes('/v1/messages'));
      if (!line) throw new Error(`${path} has no curl line for /v1/messages`);
      return line;
    }),
  );
  expect(new Set(lines).size).toBe(1);
  return lines[0]!;
}

/** Each job its own data folder: one embedded store serves one process. */
const dataDir = () => ({ ROTA_DATA_DIR: mkdtempSync(join(tmpdir(), 'rota-main-job-')) });

describe('the main job: sandbox + gateway + a curl that works as printed', () => {
  const jobs: MainJob[] = [];
  afterAll(async () => {
    for (const job of jobs) await job.close();
  });

  it('prints the gateway URL, the sandbox URL and curl lines that work when run by a shell: rank 1 sends, switched off rank 2 does', async () => {
    const job = await startMainJob({ sandboxPort: 0, gatewayPort: 0, logger: captureLogs().logger, env: dataDir() });
    jobs.push(job);
    expect(job.banner).toContain(job.gateway.url);
    expect(job.banner).toContain(new URL(job.sandbox.url).origin);
    expect(job.banner).toContain(job.sendCurl);
    expect(job.banner).toContain(job.disableCurl);
    expect(job.banner).toContain(job.providersCurl);

    const sent = await sh(job.sendCurl);
    expect(sent).toMatchObject({ status: 'accepted', providerId: 'message-center', accountId: 'message-center-ROTA' });
    expect(job.sandbox.wireRecords().map((r) => [r.wire, r.receiver])).toEqual([['message-center', '905321234567']]);

    const providers = await sh(job.providersCurl);
    expect(providers.providers.map((p: { providerId: string }) => p.providerId)).toEqual(['message-center', 'mobildev', 'figensoft', 'infobip', 'twilio']);

    // The newcomer's experiment: switch rank 1 off, and the next send goes through rank 2.
    expect(await sh(job.disableCurl)).toMatchObject({ providerId: 'message-center', enabled: false });
    expect(await sh(job.sendCurl)).toMatchObject({ status: 'accepted', providerId: 'mobildev', accountId: 'mobildev-notification' });
    expect(job.sandbox.wireRecords().map((r) => r.wire)).toEqual(['message-center', 'mobildev']);
  });

  it("runs the README's curl example as printed (default ports; moved only if 8080/8090 are taken here)", async () => {
    const printed = await readmeSendCurl();
    let job: MainJob;
    let line = printed;
    try {
      job = await startMainJob({ logger: captureLogs().logger, env: dataDir() });
      // On the default ports the README's line is exactly what the job prints.
      expect(job.sendCurl).toBe(printed);
    } catch (error) {
      if (!(error instanceof MainJobError)) throw error;
      // A port is in use on this machine: same line, moved to free ports, said out loud.
      console.warn(`README curl test: ${error.message}; running the README line against ephemeral ports`);
      job = await startMainJob({ sandboxPort: 0, gatewayPort: 0, logger: captureLogs().logger, env: dataDir() });
      line = printed.replace('http://127.0.0.1:8080', job.gateway.url);
    }
    jobs.push(job);
    const sent = await sh(line);
    expect(sent).toMatchObject({ status: 'accepted', accountId: 'message-center-ROTA', to: '+905321234567' });
    expect(typeof sent.id).toBe('string');
    expect(job.sandbox.wireRecords('message-center')).toHaveLength(1);
  });

  it('names the port and the variable to change when a port is taken', async () => {
    const first = jobs[0]!;
    const sandboxTaken = await startMainJob({ sandboxPort: first.sandbox.port, gatewayPort: 0, logger: captureLogs().logger, env: dataDir() }).catch((e: unknown) => e);
    expect(sandboxTaken).toBeInstanceOf(MainJobError);
    expect((sandboxTaken as Error).message).toContain(`port ${first.sandbox.port}`);
    expect((sandboxTaken as Error).message).toContain('ROTA_SANDBOX_PORT');

    const gatewayPort = Number(new URL(first.gateway.url).port);
    const gatewayTaken = await startMainJob({ sandboxPort: 0, gatewayPort, logger: captureLogs().logger, env: dataDir() }).catch((e: unknown) => e);
    expect(gatewayTaken).toBeInstanceOf(MainJobError);
    expect((gatewayTaken as Error).message).toContain(`port ${gatewayPort}`);
    expect((gatewayTaken as Error).message).toContain('ROTA_GATEWAY_PORT');
  });

  it('refuses a malformed port variable, naming it', async () => {
    const error = await startMainJob({ env: { ROTA_SANDBOX_PORT: 'eighty' }, logger: captureLogs().logger }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MainJobError);
    expect((error as Error).message).toContain('ROTA_SANDBOX_PORT');
  });

  it('quotes for the shell whatever a key holds', async () => {
    const { stdout } = await run('sh', ['-c', `printf %s ${shellQuote("it's $HOME `x` \\n")}`]);
    expect(stdout).toBe("it's $HOME `x` \\n");
  });
});
