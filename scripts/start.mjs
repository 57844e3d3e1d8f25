#!/usr/bin/env node
// `npx -y pnpm@10.34.8 start`: build the workspace, then run the main job
// (apps/gateway/dist/main-job.js: the FigenSoft sandbox and the gateway) in this
// process. The root package.json's start script runs it.
//
// Why a launcher rather than `turbo run build && node …main-job.js`: the command
// is a chain, npx → sh → pnpm → sh → node, and a SIGTERM sent to its top does
// not reach the bottom. npm passes it to the shell it runs pnpm in, which dies
// without passing it on; pnpm, orphaned, is never told, and neither is the job.
// So this process records the processes that started it (up to npx) and, when
// one of them is gone, stops exactly as a SIGTERM stops it: gracefully, exit 0.
// Ctrl+C (SIGINT to the whole group) and a SIGTERM sent here work as before.
//
// Not `exec node scripts/start.mjs`: pnpm passes a SIGINT or SIGTERM it gets on to
// its child, so on Ctrl+C the job would get SIGINT twice (from the terminal and from
// pnpm), and a second signal means "exit now", not gracefully. With pnpm's shell in
// between, that copy stops at the shell; if the shell dies, the watch notices.
import { spawn } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { commandAncestors, watchProcesses } from './command-watch.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));

const stopWatching = watchProcesses(commandAncestors(), (gone) => {
  process.stderr.write(`rota start: the command that started the job is gone (pid ${gone.pid}, ${gone.args}); stopping\n`);
  process.kill(process.pid, 'SIGTERM');
});

// 1. The build. A signal stops it, and then the launcher, without starting the job.
const built = await new Promise((resolve) => {
  const build = spawn('turbo', ['run', 'build', '--output-logs=errors-only'], { cwd: root, stdio: 'inherit' });
  let stopped;
  const stop = (signal) => {
    stopped = signal;
    build.kill(signal);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const done = (code) => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    resolve(stopped ? 128 + (stopped === 'SIGINT' ? 2 : 15) : code);
  };
  build.on('error', (error) => {
    process.stderr.write(`rota start: cannot run turbo: ${error.message}\n`);
    done(1);
  });
  build.on('exit', (code, signal) => done(code ?? (signal ? 1 : 0)));
});
if (built !== 0) process.exit(built);

// 2. The job. Its own handlers own SIGINT and SIGTERM from here; once either
// arrives the job is stopping, and the watch must not signal it a second time
// (a second signal means "exit now").
const { runMainJob } = await import(pathToFileURL(`${root}apps/gateway/dist/main-job.js`).href);
await runMainJob();
process.once('SIGINT', stopWatching);
process.once('SIGTERM', stopWatching);
