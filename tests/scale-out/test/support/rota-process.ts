import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { call } from './http.js';

/** The built `rota` command (turbo builds @rota/gateway before these tests). */
const ROTA = fileURLToPath(new URL('../../../../apps/gateway/dist/cli/rota.js', import.meta.url));


/** Runs one `rota` command to its end: its exit code and what it printed. */
export function runRota(args: readonly string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [ROTA, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, out, err }));
  });
}

/** A `rota gateway` or `rota worker` child process; stderr is kept for the failure message. */
export class RotaProcess {
  readonly child: ChildProcess;
  #stderr = '';

  constructor(readonly kind: 'gateway' | 'worker', readonly configPath: string) {
    this.child = spawn(process.execPath, [ROTA, kind, '--config', configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child.stderr!.on('data', (chunk: Buffer) => (this.#stderr = (this.#stderr + chunk.toString()).slice(-4_000)));
  }

  get stderr(): string {
    return this.#stderr;
  }

  /** Resolves when a gateway answers /healthz at `url` (a worker: when it has had time to connect); throws if the process exits first. */
  async ready(url?: string): Promise<this> {
    for (let i = 0; i < 600; i++) {
      if (this.child.exitCode !== null) throw new Error(`rota ${this.kind} exited at start (${this.child.exitCode}): ${this.#stderr}`);
      if (url === undefined) {
        if (i >= 20) return this;
      } else {
        try {
          if ((await call(url, 'GET', '/healthz', '')).status === 200) return this;
        } catch {
          // not listening yet
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`rota ${this.kind} did not start: ${this.#stderr}`);
  }

  async kill(signal: NodeJS.Signals): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill(signal);
    await exited;
  }
}
