#!/usr/bin/env node
// The `rota` operator CLI: see run-cli.ts for the commands.
import { runCli } from './run-cli.js';

/**
 * Exits with `code` once what was written to stdout and stderr has gone. A
 * pipe takes 64 KiB at a time and Node queues the rest: exiting at once cut
 * `rota messages --json | jq` off mid-answer, with exit code 0. An empty
 * write's callback comes after every write queued before it. The exit itself
 * stays: a command's HTTP agent may keep sockets that would hold the process.
 */
function exitOnceWritten(code: number): void {
  let streams = 2;
  const written = (): void => {
    if (--streams === 0) process.exit(code);
  };
  process.stdout.write('', written);
  process.stderr.write('', written);
}

runCli(process.argv.slice(2), {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  env: process.env,
}).then(exitOnceWritten, (error: unknown) => {
  process.stderr.write(`rota: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  exitOnceWritten(1);
});
