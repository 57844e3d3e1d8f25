#!/usr/bin/env node
import { CLI_USAGE, runCli } from './sandbox-cli.js';

try {
  const sandbox = await runCli(
    process.argv.slice(2),
    (line) => process.stdout.write(`${line}\n`),
    (line) => process.stderr.write(`${line}\n`),
  );
  if (!sandbox) process.exit(0);
  const stop = (): void => {
    void sandbox.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  // Started with an IPC channel (as the benchmarks start it): leave with the parent,
  // however the parent ends — a throw, a kill, or never calling stop.
  if (process.channel) process.once('disconnect', stop);
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n${CLI_USAGE}\n`);
  process.exit(1);
}
