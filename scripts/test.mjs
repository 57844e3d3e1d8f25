#!/usr/bin/env node
// `npx -y pnpm@10.34.8 test` (the README's test command, and so .ci/run): type-check
// every package, sources and tests, run every package's tests, and end with one
// line, `N passed, N failed`. Arguments are handed to turbo (e.g. --filter=@rota/core).
//
// Why the type check is here: ts-jest runs with diagnostics off, so a type error in
// a test file passes jest; `typecheck` (tsc -p tsconfig.json, which includes src and
// test) is what catches it. Why the sum is here: turbo prints per-package lines only.
// Each package's jest writes its JSON results to .jest-results.json, the test task's
// output in turbo.json, so a cached task restores the results it had.
//
// Why a PostgreSQL cluster is started here: the ledger's store suite also runs against
// PostgreSQL (and the scale-out tests need one). Unless ROTA_TEST_POSTGRES_URL names a
// database, a throwaway cluster (scripts/postgres-cluster.mjs) runs for the length of
// the run and is deleted after it, whatever happened.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startThrowawayCluster } from './postgres-cluster.mjs';

export const RESULTS_FILE = '.jest-results.json';
/** turbo's command for a task a package has no script for (bench has no tests): nothing to run or count. */
const NO_SCRIPT = '<NONEXISTENT>';
const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * @typedef {{ numPassedTests: number, numFailedTests: number, numRuntimeErrorTestSuites?: number, startTime: number,
 *   testResults?: { status: string, name?: string, message?: string,
 *     assertionResults?: { status: string, fullName?: string, title?: string, failureMessages?: string[] }[] }[] }} JestResults
 * @typedef {{ taskId: string, task: string, package: string, directory: string, command?: string,
 *   cache?: { status?: string }, execution?: { exitCode?: number | null, startTime?: number } | null }} TurboTask
 * @typedef {{ execution: { startTime: number, exitCode: number }, tasks: TurboTask[] }} TurboSummary
 */

/**
 * The closing line and what went wrong, from turbo's run summary, the tasks turbo
 * planned (`planned`: task ids), and each test task's jest results
 * (`resultsOf(directory)`: the parsed .jest-results.json, or undefined). Results are
 * only believed when they belong to this run: written after it started, or restored
 * from turbo's cache. A planned task that never ran (its dependency failed), a test
 * task without believable results, a test file that failed to run, and any other
 * failed task (a type check, a build) each count as one failure, named in `problems`.
 * @param {TurboSummary} summary
 * @param {readonly string[]} planned
 * @param {(directory: string) => JestResults | undefined} resultsOf
 */
export function summarize(summary, planned, resultsOf) {
  let passed = 0;
  let failed = 0;
  /** @type {string[]} */
  const problems = [];
  const ran = new Set(summary.tasks.map((task) => task.taskId));
  for (const taskId of planned) {
    if (ran.has(taskId)) continue;
    failed += 1;
    problems.push(`${taskId} did not run (a task it depends on failed)`);
  }
  for (const task of summary.tasks) {
    if (task.command === NO_SCRIPT) continue;
    const exitCode = task.execution?.exitCode;
    const executed = exitCode !== undefined && exitCode !== null;
    if (task.task !== 'test') {
      if (executed && exitCode !== 0) {
        failed += 1;
        problems.push(`${task.taskId} failed (exit ${exitCode})`);
      } else if (!executed) {
        failed += 1;
        problems.push(`${task.taskId} did not run`);
      }
      continue;
    }
    const results = resultsOf(task.directory);
    const fresh = results !== undefined && (task.cache?.status === 'HIT' || results.startTime >= summary.execution.startTime);
    if (!executed || !fresh) {
      failed += 1;
      problems.push(`${task.taskId}: ${executed ? `exit ${exitCode}, ` : 'did not run, '}no test results from this run`);
      continue;
    }
    passed += results.numPassedTests;
    failed += results.numFailedTests;
    // A test file that could not run (a syntax error, a failing import) fails no test: count the file.
    const brokenFiles = (results.testResults ?? []).filter((file) => file.status === 'failed' && !(file.assertionResults ?? []).some((a) => a.status === 'failed')).length;
    failed += brokenFiles;
    if (results.numFailedTests > 0) problems.push(`${task.taskId}: ${results.numFailedTests} failed`, ...failedTests(results, task.directory));
    if (brokenFiles > 0) problems.push(`${task.taskId}: ${brokenFiles} test file(s) failed to run`, ...brokenTestFiles(results, task.directory));
    if (exitCode !== 0 && results.numFailedTests === 0 && brokenFiles === 0) {
      failed += 1;
      problems.push(`${task.taskId}: jest exited ${exitCode}`);
    }
  }
  return { passed, failed, problems, line: `${passed} passed, ${failed} failed` };
}

/*
 * Each failed test named under its package's line, with the start of what it said: the
 * closing lines are what a CI log shows when it shows only its end, and a flaky test
 * must be told from the others by them alone.
 */
const MESSAGE_LINES = 6;
const MESSAGE_CHARS = 600;

/** @param {JestResults} results @param {string} directory */
function failedTests(results, directory) {
  return (results.testResults ?? []).flatMap((file) =>
    (file.assertionResults ?? [])
      .filter((assertion) => assertion.status === 'failed')
      .map((assertion) => `  ✕ ${relativeTo(directory, file.name)} › ${assertion.fullName ?? assertion.title ?? '(unnamed)'}${gist(assertion.failureMessages?.[0])}`),
  );
}

/** @param {JestResults} results @param {string} directory */
function brokenTestFiles(results, directory) {
  return (results.testResults ?? [])
    .filter((file) => file.status === 'failed' && !(file.assertionResults ?? []).some((a) => a.status === 'failed'))
    .map((file) => `  ✕ ${relativeTo(directory, file.name)}${gist(file.message)}`);
}

/** The first lines of a failure message, without colours or its stack, indented under the test's name. */
function gist(/** @type {string | undefined} */ message) {
  if (!message) return '';
  const lines = message.replace(/\u001b\[[0-9;]*m/g, '').split('\n').map((line) => line.trimEnd());
  const stackAt = lines.findIndex((line) => /^\s+at /.test(line));
  const kept = (stackAt === -1 ? lines : lines.slice(0, stackAt)).filter((line) => line.trim() !== '').slice(0, MESSAGE_LINES);
  const text = kept.map((line) => `\n      ${line.trim()}`).join('');
  return text.length > MESSAGE_CHARS ? `${text.slice(0, MESSAGE_CHARS)}…` : text;
}

/** A test file's path from its package's folder (jest writes absolute paths). */
function relativeTo(/** @type {string} */ directory, /** @type {string | undefined} */ file) {
  if (!file) return '(unknown file)';
  const marker = `/${directory}/`;
  const at = file.lastIndexOf(marker);
  return at === -1 ? file : file.slice(at + marker.length);
}

/** @param {string} directory */
function readResults(directory) {
  const path = join(root, directory, RESULTS_FILE);
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

const runsDir = join(root, '.turbo', 'runs');
const listRuns = () => new Set(existsSync(runsDir) ? readdirSync(runsDir) : []);

/**
 * Runs turbo with `args`; resolves with its exit code, and its standard output when `capture`.
 * @param {string[]} args
 * @param {boolean} [capture]
 * @returns {Promise<{ code: number, stdout: string }>}
 */
function turbo(args, capture = false) {
  return new Promise((resolve) => {
    const child = spawn('turbo', args, { cwd: root, stdio: ['ignore', capture ? 'pipe' : 'inherit', 'inherit'] });
    let stdout = '';
    child.stdout?.on('data', (chunk) => (stdout += chunk));
    child.on('error', (error) => {
      process.stderr.write(`cannot run turbo: ${error.message}\n`);
      resolve({ code: 1, stdout });
    });
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), stdout }));
  });
}

/** What the test command asks turbo for: every package's type check and tests, one task at a time, all of them even after a failure. */
export const TURBO_RUN = ['run', 'typecheck', 'test', '--concurrency=1', '--continue=dependencies-successful'];

async function main() {
  // The PostgreSQL suites need a database: a throwaway cluster unless one is named.
  let cluster;
  if (!process.env.ROTA_TEST_POSTGRES_URL) {
    try {
      cluster = await startThrowawayCluster();
      process.env.ROTA_TEST_POSTGRES_URL = cluster.url;
      process.stderr.write(`throwaway PostgreSQL cluster for the tests at ${cluster.url}\n`);
    } catch (error) {
      // Not fatal here: the PostgreSQL suites then fail, each saying what is missing.
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    }
  }
  const stopOnSignal = (/** @type {NodeJS.Signals} */ signal) => {
    cluster?.stop();
    process.kill(process.pid, signal);
  };
  for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM', 'SIGHUP'])) process.once(signal, stopOnSignal);
  try {
    await run();
  } finally {
    cluster?.stop();
  }
}

async function run() {
  const args = [...TURBO_RUN, ...process.argv.slice(2)];
  // turbo's plan first: the summary of a run leaves out the tasks it skipped.
  const plan = await turbo([...args, '--dry=json'], true);
  /** @type {string[]} */
  let planned = [];
  try {
    planned = JSON.parse(plan.stdout)
      .tasks.filter((/** @type {TurboTask} */ task) => task.command !== NO_SCRIPT)
      .map((/** @type {TurboTask} */ task) => task.taskId);
  } catch {
    process.stderr.write('turbo gave no plan; tasks it skips will not be counted\n');
  }

  const before = listRuns();
  const { code: exitCode } = await turbo([...args, '--summarize']);

  // This run's summary: the earliest one written since it started (turbo runs that a test starts begin later).
  const summaries = [...listRuns()]
    .filter((name) => !before.has(name) && name.endsWith('.json'))
    .map((name) => JSON.parse(readFileSync(join(runsDir, name), 'utf8')))
    .sort((a, b) => a.execution.startTime - b.execution.startTime);
  const summary = summaries[0];
  if (!summary) {
    process.stdout.write(`\nturbo wrote no run summary (exit ${exitCode})\n0 passed, 1 failed\n`);
    process.exitCode = 1;
    return;
  }
  const result = summarize(summary, planned, readResults);
  if (exitCode !== 0 && result.failed === 0) {
    // turbo failed, but not in a task: still a failed run, and the line says so.
    result.problems.push(`turbo exited ${exitCode}`);
    result.failed = 1;
    result.line = `${result.passed} passed, 1 failed`;
  }
  process.stdout.write(`\n${result.problems.map((problem) => `${problem}\n`).join('')}${result.line}\n`);
  process.exitCode = exitCode !== 0 || result.failed > 0 ? 1 : 0;
}

if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) await main();
