// What the crash tests share: a gateway as a child process on a config file,
// started and killed the way an operator's supervisor would, on a free
// loopback port, sending through FigenSoft's sandbox.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { figensoftSettingsFor } from '@rota/figensoft-sandbox';
import { freePort, until as untilWithin } from '@rota/testkit';
import { request, type Agent } from 'undici';
import { stringify } from 'yaml';

const GATEWAY_MAIN = fileURLToPath(new URL('../../../../apps/gateway/dist/main.js', import.meta.url));


/** A process's waits: 20 s by default (a start, a restart). */
export const until = <T>(check: () => T | undefined | Promise<T | undefined>, what: string, timeoutMs = 20_000, stepMs = 25): Promise<T> => untilWithin(check, what, timeoutMs, stepMs);

/** The config's `providers` entry: FigenSoft with every sandbox account, pointed at the sandbox. */
export function sandboxFigensoft(sandboxUrl: string) {
  return { type: 'figensoft', settings: figensoftSettingsFor(sandboxUrl) };
}

/**
 * Starts `apps/gateway/dist/main.js --config <config>` and resolves once
 * `<url>/healthz` answers 200. A gateway that exits first, or does not answer
 * within `timeoutMs`, fails the start with what it wrote to stderr, and is
 * killed.
 */
export async function startGatewayProcess(config: string, url: string, agent: Agent, timeoutMs: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [GATEWAY_MAIN, '--config', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  try {
    await until(
      async () => {
        if (child.exitCode !== null) throw new Error(`the gateway exited at start (${child.exitCode}): ${stderr}`);
        try {
          return (await request(`${url}/healthz`, { dispatcher: agent })).statusCode === 200 ? true : undefined;
        } catch {
          return undefined; // not listening yet
        }
      },
      'the gateway to listen',
      timeoutMs,
    );
  } catch (error) {
    await stopProcess(child, 'SIGKILL');
    throw error;
  }
  return child;
}

/** Sends `signal` and resolves once the process has exited (at once if it has already). */
export async function stopProcess(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  await exited;
}

/** Keys of a test gateway's one API client (`campaign-service`) and its admin token. */
export interface GatewayKeys {
  apiKey: string;
  adminToken: string;
}

/**
 * Writes `<dir>/rota.yaml` for an embedded gateway on a free loopback port,
 * sending through the sandbox with no retries (a retry would blur what a kill
 * interrupted), its SQLite store in `<dir>/data`. Returns the file and the
 * gateway's URL.
 */
export async function writeEmbeddedConfig(dir: string, sandboxUrl: string, keys: GatewayKeys): Promise<{ file: string; url: string }> {
  const port = await freePort();
  const file = join(dir, 'rota.yaml');
  await writeFile(
    file,
    stringify({
      providers: [sandboxFigensoft(sandboxUrl)],
      routing: { retry: { retries: 0 } },
      gateway: { listen: { host: '127.0.0.1', port }, apiKeys: [{ name: 'campaign-service', key: keys.apiKey }], adminToken: keys.adminToken },
      store: { kind: 'sqlite', path: 'data/rota.db' },
      logging: { level: 'warn' },
    }),
  );
  return { file, url: `http://127.0.0.1:${port}` };
}

/** Calls the gateway at `url()` as `key` (the API key unless another is given); a body goes as JSON with `Prefer: respond-async`. */
export function gatewayCaller(url: () => string, agent: Agent, apiKey: string) {
  return async (method: 'GET' | 'POST', path: string, body?: unknown, key = apiKey) => {
    const response = await request(`${url()}${path}`, {
      method,
      dispatcher: agent,
      headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json', prefer: 'respond-async' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: response.statusCode, body: (await response.body.json()) as Record<string, any> };
  };
}
