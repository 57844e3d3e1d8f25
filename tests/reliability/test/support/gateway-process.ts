// What the crash tests share: a gateway as a child process on a config file,
// started and killed the way an operator's supervisor would, on a free
// loopback port, sending through FigenSoft's sandbox.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_SANDBOX_ACCOUNTS, figensoftSettingsFor, startSandbox, type Sandbox, type SandboxRecord } from '@rota/figensoft-sandbox';
import { freePort, until as untilWithin } from '@rota/testkit';
import { Agent, request } from 'undici';
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

/** What a crash test on an embedded gateway works with, filled in by the suite's `beforeAll`. */
export interface EmbeddedGatewayFixture {
  /** The gateway's config file (`<dir>/rota.yaml`, from `writeEmbeddedConfig`). */
  file: string;
  url: string;
  sandbox: Sandbox;
  agent: Agent;
  /** `gatewayCaller` for the fixture's gateway, as its API key. */
  call: ReturnType<typeof gatewayCaller>;
}

/**
 * Registers the suite's `beforeAll`/`afterAll` for a crash test: a temporary
 * folder, the sandbox (answering at once; `prepare` may inject its faults), and
 * an embedded gateway's config in the folder. The gateway itself is started by
 * the test, as often as it kills it.
 */
export function embeddedGatewayFixture(name: string, keys: GatewayKeys, options: { connections?: number; prepare?: (sandbox: Sandbox) => void } = {}): EmbeddedGatewayFixture {
  let dir = '';
  const agent = new Agent({ connections: options.connections ?? 8 });
  const fixture = { agent, call: gatewayCaller(() => fixture.url, agent, keys.apiKey) } as EmbeddedGatewayFixture;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), `rota-${name}-`));
    fixture.sandbox = await startSandbox({ accounts: DEFAULT_SANDBOX_ACCOUNTS, deliveryDelayMs: 0, host: '127.0.0.1', port: 0 });
    options.prepare?.(fixture.sandbox);
    Object.assign(fixture, await writeEmbeddedConfig(dir, fixture.sandbox.url, keys));
  });
  afterAll(async () => {
    await agent.close();
    await fixture.sandbox?.close();
    await rm(dir, { recursive: true, force: true });
  });
  return fixture;
}

/** How many times the sandbox was asked to send each `key` of its records (a receiver, a text): a crash test's "once each". */
export function sendsPer(records: readonly SandboxRecord[], key: (record: SandboxRecord) => string): Map<string, number> {
  const times = new Map<string, number>();
  for (const record of records) times.set(key(record), (times.get(key(record)) ?? 0) + 1);
  return times;
}
